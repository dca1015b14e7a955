import { Migration } from '@mikro-orm/migrations';

export class Migration20261205231227_job_leases extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`job_leases\` (\`tenant_id\` text not null, \`job\` text not null, \`owner\` text not null, \`lease_until\` bigint not null, primary key (\`tenant_id\`, \`job\`));`);
  }

}
