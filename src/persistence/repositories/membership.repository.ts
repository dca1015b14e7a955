import type { Knex } from 'knex';
import type { MemberType } from '../../domain/groups/group';
import type { Tx } from '../database';
import { toNumber } from '../column-values';
import { applyKeyset, countPerParent, selectPagesPerParent, toKeysetPage, type KeysetOrder, type KeysetPage, type KeysetRequest } from './keyset';

/** Where a membership came from: pushed by the IdP over SCIM, added by an admin, or granted by a mapping rule. */
export type MembershipSource = 'idp' | 'manual' | 'rule';

/** One membership row as directory reads see it. `id` is the member's id (the keyset position within a group). */
export interface Membership {
  readonly id: string;
  readonly groupId: string;
  readonly memberType: MemberType;
  readonly source: MembershipSource;
  readonly addedAt: number;
}

/** Which memberships of a group a list holds (all when empty). */
export interface MembershipCriteria {
  readonly memberType?: MemberType;
  readonly source?: MembershipSource;
}

interface MembershipColumns extends Record<string, unknown> {
  group_id: string;
  member_id: string;
  member_type: string;
  source: string;
  created_at: number | string;
}

const COLUMNS = ['m.group_id', 'm.member_id', 'm.member_type', 'm.source', 'm.created_at'];
/** A group's memberships by member id: the primary key orders them. */
const BY_MEMBER: KeysetOrder = { id: 'm.member_id', descending: false };
/** The tenant's memberships by group, then member: the primary key again. */
const BY_GROUP_THEN_MEMBER: KeysetOrder = { key: { sql: 'm.group_id', nullable: false, numeric: false }, id: 'm.member_id', descending: false };

function toMembership(row: MembershipColumns): Membership {
  const source = row.source === 'manual' || row.source === 'rule' ? row.source : 'idp';
  return { id: row.member_id, groupId: row.group_id, memberType: row.member_type === 'Group' ? 'Group' : 'User', source, addedAt: toNumber(row.created_at) };
}

/** Reads of membership rows with their type and source (writes stay in GroupRepository). */
export class MembershipRepository {
  /** The memberships of each of `groupIds` matching `criteria`, one page each. */
  async listOfGroups(tx: Tx, tenantId: string, groupIds: readonly string[], criteria: MembershipCriteria, page: KeysetRequest): Promise<Map<string, KeysetPage<Membership>>> {
    return selectPagesPerParent(tx, groupIds, (chunk) => this.matching(tx.knex('group_members as m').select(COLUMNS), tenantId, criteria).whereIn('m.group_id', chunk), 'm.group_id', BY_MEMBER, page, toMembership);
  }

  async countOfGroups(tx: Tx, tenantId: string, groupIds: readonly string[], criteria: MembershipCriteria): Promise<Map<string, number>> {
    return countPerParent(groupIds, (chunk) =>
      tx.all(this.matching(tx.knex('group_members as m').select({ parent: 'm.group_id' }).count({ total: '*' }), tenantId, criteria).whereIn('m.group_id', chunk).groupBy('m.group_id')),
    );
  }

  /** Every membership of the tenant with this source, by group then member. */
  async listBySource(tx: Tx, tenantId: string, source: MembershipSource, page: KeysetRequest): Promise<KeysetPage<Membership>> {
    const rows = await tx.all<MembershipColumns>(applyKeyset(tx, this.matching(tx.knex('group_members as m').select(COLUMNS), tenantId, { source }), BY_GROUP_THEN_MEMBER, page));
    return toKeysetPage(rows, page.limit, BY_GROUP_THEN_MEMBER, toMembership);
  }

  async countBySource(tx: Tx, tenantId: string, source: MembershipSource, groupId?: string): Promise<number> {
    const query = this.matching(tx.knex('group_members as m').count({ total: '*' }), tenantId, { source });
    if (groupId !== undefined) query.where('m.group_id', groupId);
    return toNumber((await tx.first<{ total: number | string }>(query))?.total ?? 0);
  }

  /** Up to `limit` memberships with this source (of one group when given), as member ids by group. */
  async memberIdsBySource(tx: Tx, tenantId: string, source: MembershipSource, limit: number, groupId?: string): Promise<Map<string, string[]>> {
    const query = this.matching(tx.knex('group_members as m').select('m.group_id', 'm.member_id'), tenantId, { source }).orderBy(['m.group_id', 'm.member_id']).limit(limit);
    if (groupId !== undefined) query.where('m.group_id', groupId);
    const byGroup = new Map<string, string[]>();
    for (const row of await tx.all<{ group_id: string; member_id: string }>(query)) {
      const members = byGroup.get(row.group_id) ?? [];
      members.push(row.member_id);
      byGroup.set(row.group_id, members);
    }
    return byGroup;
  }

  private matching(query: Knex.QueryBuilder, tenantId: string, criteria: MembershipCriteria): Knex.QueryBuilder {
    query.where('m.tenant_id', tenantId);
    if (criteria.memberType !== undefined) query.where('m.member_type', criteria.memberType);
    if (criteria.source !== undefined) query.where('m.source', criteria.source);
    // Spelled out so SQLite sees the partial source index applies (it does not infer it from the equality).
    if (criteria.source !== undefined && criteria.source !== 'idp') query.whereNot('m.source', 'idp');
    return query;
  }
}
