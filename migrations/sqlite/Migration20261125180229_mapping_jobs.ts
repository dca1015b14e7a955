import { Migration } from '@mikro-orm/migrations';

export class Migration20261125180229_mapping_jobs extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`mapping_jobs\` (\`tenant_id\` text not null, \`id\` text not null, \`connection_id\` text not null, \`kind\` text not null, \`mapping_version\` integer not null, \`state\` text not null, \`author\` text not null, \`total\` integer not null, \`processed\` integer not null, \`failed\` integer not null, \`checkpoint\` text null, \`result\` json null, \`error\` text null, \`lease_owner\` text null, \`lease_until\` bigint null, \`attempts\` integer not null, \`created_at\` bigint not null, \`started_at\` bigint null, \`finished_at\` bigint null, \`updated_at\` bigint not null, primary key (\`tenant_id\`, \`id\`));`);
    this.addSql(`create index \`mapping_jobs_state_lease_index\` on \`mapping_jobs\` (\`state\`, \`lease_until\`);`);
    this.addSql(`create index \`mapping_jobs_tenant_connection_created_index\` on \`mapping_jobs\` (\`tenant_id\`, \`connection_id\`, \`created_at\`);`);
  }

}
