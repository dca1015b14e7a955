import { Migration } from '@mikro-orm/migrations';

/** Issue 13: the delivery worker reads the head of each endpoint's pending queue by index instead of every due delivery. */
export class Migration20261206052225_webhook_delivery_queues extends Migration {

  override async up(): Promise<void> {
    this.addSql(`drop index \`webhook_deliveries_status_next_index\`;`);

    this.addSql(`create index \`webhook_deliveries_queue_index\` on \`webhook_deliveries\` (\`tenant_id\`, \`endpoint_id\`, \`status\`, \`event_id\`);`);
  }

}
