import { Migration } from '@mikro-orm/migrations';

export class Migration20261205193848_webhook_circuit extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table \`webhook_endpoints\` add column \`circuit_state\` text not null default 'closed';`);
    this.addSql(`alter table \`webhook_endpoints\` add column \`circuit_since\` bigint null;`);
    this.addSql(`alter table \`webhook_endpoints\` add column \`circuit_next_probe_at\` bigint null;`);
    this.addSql(`alter table \`webhook_endpoints\` add column \`circuit_failed_probes\` integer not null default 0;`);
  }

}
