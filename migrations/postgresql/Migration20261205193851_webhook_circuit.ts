import { Migration } from '@mikro-orm/migrations';

export class Migration20261205193851_webhook_circuit extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "webhook_endpoints" add column "circuit_state" varchar(10) not null default 'closed', add column "circuit_since" bigint null, add column "circuit_next_probe_at" bigint null, add column "circuit_failed_probes" int not null default 0;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "webhook_endpoints" drop column "circuit_state", drop column "circuit_since", drop column "circuit_next_probe_at", drop column "circuit_failed_probes";`);
  }

}
