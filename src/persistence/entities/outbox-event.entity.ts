import { EntitySchema } from '@mikro-orm/core';
import { epochMillis } from './column-types';

export class OutboxEventRow {
  tenantId!: string;
  id!: string;
  type!: string;
  resourceType!: string;
  resourceId!: string;
  resourceVersion?: number | null;
  payload!: Record<string, unknown>;
  createdAt!: number;
}

/** Transactional outbox: an event is committed with its change or not at all, then delivered. */
export const OutboxEventEntity = new EntitySchema<OutboxEventRow>({
  class: OutboxEventRow,
  tableName: 'outbox_events',
  properties: {
    tenantId: { type: 'string', length: 36, primary: true },
    id: { type: 'string', length: 36, primary: true },
    type: { type: 'string', length: 50 },
    resourceType: { type: 'string', length: 50 },
    resourceId: { type: 'string', length: 200 },
    resourceVersion: { type: 'integer', nullable: true },
    payload: { type: 'json' },
    createdAt: epochMillis(),
  },
  indexes: [
    { name: 'outbox_events_tenant_created_index', properties: ['tenantId', 'createdAt', 'id'] },
    { name: 'outbox_events_tenant_resource_index', properties: ['tenantId', 'resourceId', 'createdAt'] },
  ],
});
