import { EntitySchema } from '@mikro-orm/core';
import { epochMillis, optionalText } from './column-types';

export class WebhookEndpointRow {
  tenantId!: string;
  id!: string;
  url!: string;
  secret!: string;
  eventTypes?: string[] | null;
  active!: boolean;
  createdAt!: number;
  lastSuccessAt?: number | null;
  lastFailureAt?: number | null;
  lastError?: string | null;
  consecutiveFailures!: number;
  circuitState!: string;
  circuitSince?: number | null;
  circuitNextProbeAt?: number | null;
  circuitFailedProbes!: number;
}

export const WebhookEndpointEntity = new EntitySchema<WebhookEndpointRow>({
  class: WebhookEndpointRow,
  tableName: 'webhook_endpoints',
  properties: {
    tenantId: { type: 'string', length: 36, primary: true },
    id: { type: 'string', length: 36, primary: true },
    url: { type: 'string', length: 2048 },
    // The HMAC key must be readable to sign deliveries; it never leaves the server after creation.
    secret: { type: 'string', length: 200 },
    eventTypes: { type: 'json', nullable: true },
    active: { type: 'boolean' },
    createdAt: epochMillis(),
    lastSuccessAt: { ...epochMillis(), nullable: true },
    lastFailureAt: { ...epochMillis(), nullable: true },
    lastError: optionalText(2000),
    consecutiveFailures: { type: 'integer', default: 0 },
    // The circuit breaker (src/domain/webhook-circuit.ts): closed, open or half_open.
    circuitState: { type: 'string', length: 10, default: 'closed' },
    circuitSince: { ...epochMillis(), nullable: true },
    circuitNextProbeAt: { ...epochMillis(), nullable: true },
    circuitFailedProbes: { type: 'integer', default: 0 },
  },
});
