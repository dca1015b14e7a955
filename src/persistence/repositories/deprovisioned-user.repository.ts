import type { Tx } from '../database';
import type { DeprovisionedUserRow } from '../entities/deprovisioned-user.entity';
import { insertText } from '../sql-text';
import { TABLES } from '../tables';
import { applyKeyset, toKeysetPage, type KeysetOrder, type KeysetPage, type KeysetRequest } from './keyset';

/** A user kept as deprovisioned: what a restore needs to put it back as it was. */
export type DeprovisionedUser = Required<DeprovisionedUserRow>;

const TABLE = TABLES.deprovisionedUsers;
const PROPERTIES = ['tenantId', 'id', 'userName', 'externalId', 'raw', 'version', 'createdAt', 'deprovisionedAt', 'substituteUserId'] as const satisfies readonly (keyof DeprovisionedUserRow)[];
/** Most recently deprovisioned first. */
const NEWEST_FIRST: KeysetOrder = { key: { sql: 'deprovisioned_at', nullable: false, numeric: true }, id: 'id', descending: true };

/** The deprovisioned users of a tenant: kept, listed, taken back out (restore or purge). */
export class DeprovisionedUserRepository {
  async insert(tx: Tx, user: DeprovisionedUser): Promise<void> {
    await tx.run(insertText(TABLE.name, TABLE.names(PROPERTIES), 1), TABLE.values(user, PROPERTIES));
  }

  async find(tx: Tx, tenantId: string, id: string, options: { forUpdate?: boolean } = {}): Promise<DeprovisionedUser | undefined> {
    const query = tx.knex(TABLE.name).select(TABLE.names(PROPERTIES)).where({ tenant_id: tenantId, id });
    const row = await tx.first<Record<string, unknown>>(options.forUpdate && tx.dialect === 'postgresql' ? query.forUpdate() : query);
    return row && TABLE.reader(tx.dialect, PROPERTIES)(row);
  }

  async list(tx: Tx, tenantId: string, page: KeysetRequest): Promise<KeysetPage<DeprovisionedUser>> {
    const rows = await tx.all<Record<string, unknown>>(applyKeyset(tx, tx.knex(TABLE.name).select(TABLE.names(PROPERTIES)).where({ tenant_id: tenantId }), NEWEST_FIRST, page));
    return toKeysetPage(rows, page.limit, NEWEST_FIRST, TABLE.reader(tx.dialect, PROPERTIES));
  }

  async delete(tx: Tx, tenantId: string, id: string): Promise<boolean> {
    return (await tx.run(tx.knex(TABLE.name).where({ tenant_id: tenantId, id }).delete())) > 0;
  }
}
