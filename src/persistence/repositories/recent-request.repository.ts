import type { Tx } from '../database';
import { keyed } from '../keyed-query';
import type { RecentRequestRow } from '../entities/recent-request.entity';
import { TABLES } from '../tables';
import { insertRows } from './bulk-rows';

/** One kept user write of a connection. */
export type RecentRequest = Required<RecentRequestRow>;

const TABLE = TABLES.recentRequests;
const PROPERTIES = ['tenantId', 'connectionId', 'id', 'at', 'method', 'userId', 'status', 'body', 'before'] as const satisfies readonly (keyof RecentRequestRow)[];
const COLUMNS = TABLE.names(PROPERTIES);

/** The last user writes per connection (mapping previews): written in batches, trimmed to the newest N. */
export class RecentRequestRepository {
  async insertMany(tx: Tx, requests: readonly RecentRequest[]): Promise<void> {
    await insertRows(tx, TABLE, PROPERTIES, requests);
  }

  /** Keeps the newest `keep` requests of the connection (ids are time-ordered); one statement. */
  async trim(tx: Tx, tenantId: string, connectionId: string, keep: number): Promise<void> {
    // Keyed: a connection holds about `keep` rows, whatever the tenant's size.
    await tx.run(
      keyed(
        'DELETE FROM recent_requests WHERE tenant_id = ? AND connection_id = ? AND id <= ' +
          '(SELECT id FROM recent_requests WHERE tenant_id = ? AND connection_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)',
      ),
      [tenantId, connectionId, tenantId, connectionId, keep],
    );
  }

  /** The newest `limit` requests of the connection, newest first. */
  async newest(tx: Tx, tenantId: string, connectionId: string, limit: number): Promise<RecentRequest[]> {
    const rows = await tx.all<Record<string, unknown>>(tx.knex(TABLE.name).select(COLUMNS).where({ tenant_id: tenantId, connection_id: connectionId }).orderBy('id', 'desc').limit(limit));
    return rows.map(TABLE.reader(tx.dialect, PROPERTIES));
  }

  async deleteOlderThan(tx: Tx, tenantId: string, cutoff: number): Promise<number> {
    return tx.run(tx.knex(TABLE.name).where('tenant_id', tenantId).where('at', '<', cutoff).delete());
  }

  async deleteTenant(tx: Tx, tenantId: string): Promise<number> {
    return tx.run(tx.knex(TABLE.name).where('tenant_id', tenantId).delete());
  }
}
