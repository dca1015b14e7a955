import type { EventResourceType, EventType } from '../../domain/events';
import type { Tx } from '../database';
import { insertText } from '../sql-text';

const COLUMNS = ['tenant_id', 'id', 'type', 'resource_type', 'resource_id', 'resource_version', 'payload', 'created_at'];

export interface OutboxEvent {
  readonly tenantId: string;
  readonly id: string;
  readonly type: EventType;
  readonly resourceType: EventResourceType;
  readonly resourceId: string;
  readonly resourceVersion: number | null;
  readonly payload: unknown;
  readonly createdAt: number;
}

/** The transactional outbox: events written in the transaction of their change, read back for delivery. */
export class OutboxRepository {
  /** False when an event with this id already exists (idempotent enqueue); the row is then left as it was. */
  async insert(tx: Tx, event: OutboxEvent): Promise<boolean> {
    const inserted = await tx.run(insertText('outbox_events', COLUMNS, 1, 'ON CONFLICT (tenant_id, id) DO NOTHING'), [
      event.tenantId,
      event.id,
      event.type,
      event.resourceType,
      event.resourceId,
      event.resourceVersion,
      JSON.stringify(event.payload),
      event.createdAt,
    ]);
    return inserted > 0;
  }

  /** Ids of the tenant's oldest events created before `cutoff`, up to `limit` (retention). */
  async idsCreatedBefore(tx: Tx, tenantId: string, cutoff: number, limit: number): Promise<string[]> {
    const rows = await tx.all<{ id: string }>(
      tx.knex('outbox_events').select('id').where({ tenant_id: tenantId }).where('created_at', '<', cutoff).orderBy([{ column: 'created_at' }, { column: 'id' }]).limit(limit),
    );
    return rows.map((row) => row.id);
  }

  async deleteEvents(tx: Tx, tenantId: string, ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    return tx.run(tx.knex('outbox_events').where({ tenant_id: tenantId }).whereIn('id', [...ids]).delete());
  }
}
