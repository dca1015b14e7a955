import { EntitySchema } from '@mikro-orm/core';
import { epochMillis, optionalText } from './column-types';

export class WebhookDeliveryRow {
  tenantId!: string;
  endpointId!: string;
  eventId!: string;
  status!: string;
  attempts!: number;
  nextAttemptAt?: number | null;
  lastError?: string | null;
  deliveredAt?: number | null;
  createdAt!: number;
}

/** One row per (endpoint, event): delivery state, retries with backoff, replay by resetting it. */
export const WebhookDeliveryEntity = new EntitySchema<WebhookDeliveryRow>({
  class: WebhookDeliveryRow,
  tableName: 'webhook_deliveries',
  properties: {
    tenantId: { type: 'string', length: 36, primary: true },
    endpointId: { type: 'string', length: 36, primary: true },
    eventId: { type: 'string', length: 36, primary: true },
    status: { type: 'string', length: 20 },
    attempts: { type: 'integer' },
    nextAttemptAt: { ...epochMillis(), nullable: true },
    lastError: optionalText(2000),
    deliveredAt: { ...epochMillis(), nullable: true },
    createdAt: epochMillis(),
  },
  // An endpoint's pending deliveries in event order (event ids are time-ordered): the worker reads only the head of each queue.
  indexes: [{ name: 'webhook_deliveries_queue_index', properties: ['tenantId', 'endpointId', 'status', 'eventId'] }],
});
