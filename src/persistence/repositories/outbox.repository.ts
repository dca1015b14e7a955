import type { EventResourceType, EventType } from '../../domain/events';
import type { Tx } from '../database';
import { parseJsonColumn, toNumber } from '../column-values';
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

interface EventColumns {
  tenant_id: string;
  id: string;
  type: string;
  resource_type: string;
  resource_id: string;
  resource_version: number | string | null;
  payload: unknown;
  created_at: number | string;
}

const EVENT_COLUMNS = ['tenant_id', 'id', 'type', 'resource_type', 'resource_id', 'resource_version', 'payload', 'created_at'];

function toOutboxEvent(row: EventColumns): OutboxEvent {
  return {
    tenantId: row.tenant_id,
    id: row.id,
    type: row.type as EventType,
    resourceType: row.resource_type as EventResourceType,
    resourceId: row.resource_id,
    resourceVersion: row.resource_version === null ? null : toNumber(row.resource_version),
    payload: parseJsonColumn(row.payload),
    createdAt: toNumber(row.created_at),
  };
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

  /**
   * The tenant's events created at or after `since`, in (createdAt, id) order, starting after `after`
   * when given; up to `limit`. Served by the (tenant_id, created_at, id) index.
   */
  async listCreatedSince(tx: Tx, tenantId: string, since: number, after: { createdAt: number; id: string } | undefined, limit: number): Promise<OutboxEvent[]> {
    const query = tx.knex('outbox_events').select(EVENT_COLUMNS).where({ tenant_id: tenantId }).where('created_at', '>=', since);
    if (after) query.where((where) => where.where('created_at', '>', after.createdAt).orWhere((same) => same.where('created_at', after.createdAt).where('id', '>', after.id)));
    const rows = await tx.all<EventColumns>(query.orderBy([{ column: 'created_at' }, { column: 'id' }]).limit(limit));
    return rows.map(toOutboxEvent);
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
