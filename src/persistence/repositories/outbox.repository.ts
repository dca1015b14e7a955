import type { EventResourceType, EventType } from '../../domain/events';
import type { Tx } from '../database';
import type { OutboxEventRow } from '../entities/outbox-event.entity';
import { insertText, keyedSqlText, placeholders } from '../sql-text';
import { TABLES } from '../tables';
import { insertRows } from './bulk-rows';

const EVENTS = TABLES.outboxEvents;
const PROPERTIES = ['tenantId', 'id', 'type', 'resourceType', 'resourceId', 'resourceVersion', 'payload', 'createdAt'] as const satisfies readonly (keyof OutboxEventRow)[];
const COLUMNS = EVENTS.names(PROPERTIES);
const VERSION_INDEX = PROPERTIES.indexOf('resourceVersion');
/** The rows whose version an event can take as stored (appendWithStoredVersion). */
const VERSIONED_TABLES: Partial<Record<EventResourceType, string>> = { user: 'users', group: 'groups' };

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

function reader(tx: Tx): (row: Record<string, unknown>) => OutboxEvent {
  return EVENTS.reader(tx.dialect, PROPERTIES) as (row: Record<string, unknown>) => OutboxEvent;
}

/** The transactional outbox: events written in the transaction of their change, read back for delivery. */
export class OutboxRepository {
  /** False when an event with this id already exists (idempotent enqueue); the row is then left as it was. */
  async insert(tx: Tx, event: OutboxEvent): Promise<boolean> {
    const inserted = await tx.run(insertText(EVENTS.name, COLUMNS, 1, 'ON CONFLICT (tenant_id, id) DO NOTHING'), EVENTS.values(event as OutboxEventRow, PROPERTIES));
    return inserted > 0;
  }

  /** Appends a new event (a fresh id) to the transaction's write log. */
  append(tx: Tx, event: OutboxEvent): void {
    tx.write(insertText(EVENTS.name, COLUMNS, 1), EVENTS.values(event as OutboxEventRow, PROPERTIES));
  }

  /**
   * `append`, with the resource's version read from its row as the statement runs (it sees the
   * transaction's own earlier bump, whose result is not back yet).
   */
  appendWithStoredVersion(tx: Tx, event: OutboxEvent): void {
    const table = VERSIONED_TABLES[event.resourceType];
    if (!table) throw new Error(`${event.resourceType} rows have no version`);
    const values = EVENTS.values(event as OutboxEventRow, PROPERTIES);
    const sql = keyedSqlText(`outbox-stored-version|${table}`, () => {
      const before = placeholders(VERSION_INDEX);
      const after = placeholders(PROPERTIES.length - VERSION_INDEX - 1);
      return `INSERT INTO ${EVENTS.name} (${COLUMNS.join(', ')}) VALUES (${before}, (SELECT version FROM ${table} WHERE tenant_id = ? AND id = ?), ${after})`;
    });
    tx.write(sql, [...values.slice(0, VERSION_INDEX), event.tenantId, event.resourceId, ...values.slice(VERSION_INDEX + 1)]);
  }

  /** Many new events (fresh ids) in multi-row statements. */
  async insertMany(tx: Tx, events: readonly OutboxEvent[]): Promise<void> {
    await insertRows(tx, EVENTS, PROPERTIES, events as readonly OutboxEventRow[]);
  }

  /**
   * The tenant's events created at or after `since`, in (createdAt, id) order, starting after `after`
   * when given; up to `limit`. Served by the (tenant_id, created_at, id) index.
   */
  async listCreatedSince(tx: Tx, tenantId: string, since: number, after: { createdAt: number; id: string } | undefined, limit: number): Promise<OutboxEvent[]> {
    const query = tx.knex('outbox_events').select(COLUMNS).where({ tenant_id: tenantId }).where('created_at', '>=', since);
    if (after) query.where((where) => where.where('created_at', '>', after.createdAt).orWhere((same) => same.where('created_at', after.createdAt).where('id', '>', after.id)));
    const rows = await tx.all<Record<string, unknown>>(query.orderBy([{ column: 'created_at' }, { column: 'id' }]).limit(limit));
    return rows.map(reader(tx));
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
