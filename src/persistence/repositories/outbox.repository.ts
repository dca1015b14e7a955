import type { EventResourceType, EventType } from '../../domain/events';
import type { Tx } from '../database';

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
    const inserted = await tx.run(
      tx
        .knex('outbox_events')
        .insert({
          tenant_id: event.tenantId,
          id: event.id,
          type: event.type,
          resource_type: event.resourceType,
          resource_id: event.resourceId,
          resource_version: event.resourceVersion,
          payload: JSON.stringify(event.payload),
          created_at: event.createdAt,
        })
        .onConflict(['tenant_id', 'id'])
        .ignore(),
    );
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
