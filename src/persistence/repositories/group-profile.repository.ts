import type { Knex } from 'knex';
import type { ResolvedFilter } from '../../domain/filter/filter-field';
import type { Tx } from '../database';
import { toNumber } from '../column-values';
import { FilterSqlBuilder } from '../filter-sql';
import { applyKeyset, countPerParent, selectPagesPerParent, toKeysetPage, type KeysetOrder, type KeysetPage, type KeysetRequest } from './keyset';
import { collectInChunks, countTenantRows } from './resource-rows';

/** A group as directory reads see it: its indexed fields, without the stored SCIM resource. */
export interface GroupProfile {
  readonly tenantId: string;
  readonly id: string;
  readonly displayName: string;
  readonly externalId: string | null;
  /** IDP: created over SCIM; MANUAL: created by an admin. */
  readonly managedBy: 'IDP' | 'MANUAL';
  readonly createdAt: number;
  readonly updatedAt: number;
}

interface GroupProfileColumns extends Record<string, unknown> {
  tenant_id: string;
  id: string;
  display_name: string;
  external_id: string | null;
  managed_by: string;
  created_at: number | string;
  updated_at: number | string;
}

const PROFILE_COLUMNS = ['tenant_id', 'id', 'display_name', 'external_id', 'managed_by', 'created_at', 'updated_at'];

/** Ids per marking statement: within every database's bound-parameter limit. */
const MARK_CHUNK = 500;

/** Groups are listed by displayName in its folded form (unique per tenant; the id breaks no real ties). */
const DISPLAY_NAME_ORDER: KeysetOrder = { key: { sql: 'g.display_name_norm', nullable: false, numeric: false }, id: 'g.id', descending: false };

function toGroupProfile(row: GroupProfileColumns): GroupProfile {
  return {
    tenantId: row.tenant_id,
    id: row.id,
    displayName: row.display_name,
    externalId: row.external_id,
    managedBy: row.managed_by === 'MANUAL' ? 'MANUAL' : 'IDP',
    createdAt: toNumber(row.created_at),
    updatedAt: toNumber(row.updated_at),
  };
}

/** Directory reads of groups (`g`): profiles by id, filtered keyset pages, and the groups of many members at once. */
export class GroupProfileRepository {
  async findByIds(tx: Tx, tenantId: string, ids: readonly string[]): Promise<GroupProfile[]> {
    const rows = await collectInChunks(ids, (chunk) => tx.all<GroupProfileColumns>(this.profiles(tx).where('g.tenant_id', tenantId).whereIn('g.id', chunk)));
    return rows.map(toGroupProfile);
  }

  async list(tx: Tx, tenantId: string, filter: ResolvedFilter | undefined, page: KeysetRequest): Promise<KeysetPage<GroupProfile>> {
    const query = this.matching(tx, this.profiles(tx), tenantId, filter);
    const keyset = applyKeyset(tx, query, DISPLAY_NAME_ORDER, page);
    // A tenant's filter may walk its groups: within the read budget.
    const rows = filter ? await tx.allWithinBudget<GroupProfileColumns>(tenantId, keyset) : await tx.all<GroupProfileColumns>(keyset);
    return toKeysetPage(rows, page.limit, DISPLAY_NAME_ORDER, toGroupProfile);
  }

  async count(tx: Tx, tenantId: string, filter: ResolvedFilter | undefined): Promise<number> {
    if (!filter) return countTenantRows(tx, 'groups', tenantId);
    const [row] = await tx.allWithinBudget<{ total: number | string }>(tenantId, this.matching(tx, tx.knex('groups as g').count({ total: '*' }), tenantId, filter));
    return toNumber(row?.total ?? 0);
  }

  /** The groups each of `memberIds` directly belongs to, one page each. */
  async listGroupsOfMembers(tx: Tx, tenantId: string, memberIds: readonly string[], page: KeysetRequest): Promise<Map<string, KeysetPage<GroupProfile>>> {
    return selectPagesPerParent(
      tx,
      memberIds,
      (chunk) =>
        this.profiles(tx)
          .join('group_members as m', function joinMembership() {
            this.on('m.tenant_id', '=', 'g.tenant_id').andOn('m.group_id', '=', 'g.id');
          })
          .where('m.tenant_id', tenantId)
          .whereIn('m.member_id', chunk),
      'm.member_id',
      DISPLAY_NAME_ORDER,
      page,
      toGroupProfile,
      // A user is in a handful of groups: their pages come from one read, rarely numbered.
      true,
    );
  }

  async countGroupsOfMembers(tx: Tx, tenantId: string, memberIds: readonly string[]): Promise<Map<string, number>> {
    return countPerParent(memberIds, (chunk) =>
      tx.all(tx.knex('group_members').select({ parent: 'member_id' }).count({ total: '*' }).where('tenant_id', tenantId).whereIn('member_id', chunk).groupBy('member_id')),
    );
  }

  private profiles(tx: Tx): Knex.QueryBuilder {
    return tx.knex('groups as g').select(PROFILE_COLUMNS.map((column) => `g.${column}`));
  }

  private matching(tx: Tx, query: Knex.QueryBuilder, tenantId: string, filter: ResolvedFilter | undefined): Knex.QueryBuilder {
    query.where('g.tenant_id', tenantId);
    if (filter) {
      const predicate = new FilterSqlBuilder(tx.dialect).build(filter, 'groups', 'g');
      query.whereRaw(predicate.sql, predicate.bindings as never[]);
    }
    return query;
  }

  /**
   * Marks the memberships a manual edit created (at `createdAt`) as source=manual; a membership that
   * existed before (from the IdP or a rule) keeps its source. Returns how many rows were marked.
   */
  async markManualMemberships(tx: Tx, tenantId: string, groupId: string, memberIds: readonly string[], createdAt: number): Promise<number> {
    let marked = 0;
    for (let start = 0; start < memberIds.length; start += MARK_CHUNK) {
      marked += await tx.run(
        tx
          .knex('group_members')
          .where({ tenant_id: tenantId, group_id: groupId, source: 'idp', created_at: createdAt })
          .whereIn('member_id', memberIds.slice(start, start + MARK_CHUNK))
          .update({ source: 'manual' }),
      );
    }
    return marked;
  }

  /** A group an admin created: the IdP does not know it (until it adopts it). */
  async markManualGroup(tx: Tx, tenantId: string, groupId: string): Promise<void> {
    await tx.run(tx.knex('groups').where({ tenant_id: tenantId, id: groupId }).update({ managed_by: 'MANUAL' }));
  }
}
