import { Migration } from '@mikro-orm/migrations';

export class Migration20261205231651_recent_requests extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`recent_requests\` (\`tenant_id\` text not null, \`connection_id\` text not null, \`id\` text not null, \`at\` bigint not null, \`method\` text not null, \`user_id\` text not null, \`status\` integer not null, \`body\` json not null, \`before\` json null, primary key (\`tenant_id\`, \`connection_id\`, \`id\`));`);
    this.addSql(`create index \`recent_requests_tenant_at_index\` on \`recent_requests\` (\`tenant_id\`, \`at\`);`);
  }

}
