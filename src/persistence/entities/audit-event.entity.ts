import { EntitySchema } from '@mikro-orm/core';
import { epochMillis, optionalText } from './column-types';

export class AuditEventRow {
  tenantId!: string;
  id!: string;
  at!: number;
  actorType!: string;
  actorId!: string;
  action!: string;
  targetType!: string;
  targetId?: string | null;
  diff?: Record<string, unknown> | null;
  requestId?: string | null;
}

/** Append-only audit trail, written in the same transaction as the change it records. */
export const AuditEventEntity = new EntitySchema<AuditEventRow>({
  class: AuditEventRow,
  tableName: 'audit_events',
  properties: {
    tenantId: { type: 'string', length: 36, primary: true },
    id: { type: 'string', length: 36, primary: true },
    at: epochMillis(),
    actorType: { type: 'string', length: 20 },
    actorId: { type: 'string', length: 200 },
    action: { type: 'string', length: 100 },
    targetType: { type: 'string', length: 50 },
    targetId: optionalText(200),
    diff: { type: 'json', nullable: true },
    requestId: optionalText(100),
  },
  indexes: [
    { name: 'audit_events_tenant_at_index', properties: ['tenantId', 'at'] },
    { name: 'audit_events_tenant_target_index', properties: ['tenantId', 'targetId', 'at'] },
    { name: 'audit_events_tenant_actor_index', properties: ['tenantId', 'actorId', 'at'] },
  ],
});
