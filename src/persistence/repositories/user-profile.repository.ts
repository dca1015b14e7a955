import type { Knex } from 'knex';
import type { ResolvedFilter } from '../../domain/filter/filter-field';
import { foldText } from '../../domain/text';
import type { Tx } from '../database';
import { toBoolean, toNumber } from '../column-values';
import { escapeLike, FilterSqlBuilder } from '../filter-sql';
import { applyKeyset, countPerParent, selectPagesPerParent, toKeysetPage, type KeysetOrder, type KeysetPage, type KeysetRequest } from './keyset';
import { collectInChunks, countTenantRows } from './resource-rows';

/**
 * A user as directory reads see it: the identity the IdP keys it by (userName, externalId, active) and
 * timestamps. Every domain field (names, email, department, manager, ...) is a mapped value, read
 * from user_values (MappingRepository.userValues).
 */
export interface UserProfile {
  readonly tenantId: string;
  readonly id: string;
  readonly userName: string;
  readonly externalId: string | null;
  readonly active: boolean;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** Sort keys: userName and timestamps are columns of users, the rest are mapped fields (their first value). */
export type UserOrderField = 'userName' | 'displayName' | 'givenName' | 'familyName' | 'department' | 'employeeNumber' | 'createdAt' | 'updatedAt';

export interface UserOrder {
  readonly field: UserOrderField;
  readonly descending: boolean;
}

/**
 * A condition on a user's mapped values (user_values): some value of `fieldKey` whose folded text
 * (domain/text.ts foldText) is one of `values`, or starts with `prefix`. Callers fold what they compare.
 */
export type MappedValueCondition =
  | { readonly fieldKey: string; readonly op: 'in'; readonly values: readonly string[] }
  | { readonly fieldKey: string; readonly op: 'startsWith'; readonly prefix: string };

/** Words that must each appear in the userName or in some value of one of `fieldKeys` (folded, like the stored value text). */
export interface MappedSearch {
  readonly words: readonly string[];
  readonly fieldKeys: readonly string[];
}

/** Which users a list holds: a filter over their identity columns, direct membership of one group, and conditions on mapped values (all must hold). */
export interface UserCriteria {
  readonly filter?: ResolvedFilter;
  readonly memberOfGroupId?: string;
  readonly mappedValues?: readonly MappedValueCondition[];
  readonly search?: MappedSearch;
}

interface UserProfileColumns extends Record<string, unknown> {
  tenant_id: string;
  id: string;
  user_name: string;
  external_id: string | null;
  active: unknown;
  created_at: number | string;
  updated_at: number | string;
}

const PROFILE_COLUMNS = ['tenant_id', 'id', 'user_name', 'external_id', 'active', 'created_at', 'updated_at'];

/** The first mapped value of a field, as its folded text: sorts case-insensitively on both dialects. */
function mappedSortKey(fieldKey: string): string {
  return `(SELECT sv.value_text FROM user_values sv WHERE sv.tenant_id = u.tenant_id AND sv.user_id = u.id AND sv.field_key = '${fieldKey}' AND sv.position = 0)`;
}

const ORDER_KEYS: Record<UserOrderField, { readonly sql: string; readonly nullable: boolean; readonly numeric: boolean }> = {
  userName: { sql: 'u.user_name_norm', nullable: false, numeric: false },
  displayName: { sql: mappedSortKey('displayName'), nullable: true, numeric: false },
  givenName: { sql: mappedSortKey('givenName'), nullable: true, numeric: false },
  familyName: { sql: mappedSortKey('familyName'), nullable: true, numeric: false },
  department: { sql: mappedSortKey('department'), nullable: true, numeric: false },
  employeeNumber: { sql: mappedSortKey('employeeNumber'), nullable: true, numeric: false },
  createdAt: { sql: 'u.created_at', nullable: false, numeric: true },
  updatedAt: { sql: 'u.updated_at', nullable: false, numeric: true },
};

function keysetOrderOf(order: UserOrder): KeysetOrder {
  return { key: ORDER_KEYS[order.field], id: 'u.id', descending: order.descending };
}

/** Direct reports are listed by userName. */
const DIRECT_REPORTS_ORDER = keysetOrderOf({ field: 'userName', descending: false });
/** Members are listed by id: the membership primary key orders them without sorting the users. */
const MEMBERS_ORDER: KeysetOrder = { id: 'm.member_id', descending: false };

function toUserProfile(row: UserProfileColumns): UserProfile {
  return {
    tenantId: row.tenant_id,
    id: row.id,
    userName: row.user_name,
    externalId: row.external_id,
    active: toBoolean(row.active),
    createdAt: toNumber(row.created_at),
    updatedAt: toNumber(row.updated_at),
  };
}

/**
 * Directory reads of users (`u`): profiles by id or userName, filtered keyset pages, and one page per
 * parent for direct reports and group members, each batch in one statement.
 */
export class UserProfileRepository {
  async findByIds(tx: Tx, tenantId: string, ids: readonly string[]): Promise<UserProfile[]> {
    const rows = await collectInChunks(ids, (chunk) => tx.all<UserProfileColumns>(this.profiles(tx).where('u.tenant_id', tenantId).whereIn('u.id', chunk)));
    return rows.map(toUserProfile);
  }

  /** userName matches in its folded form, as uniqueness and SCIM filters do. */
  async findByUserName(tx: Tx, tenantId: string, userName: string): Promise<UserProfile | undefined> {
    const row = await tx.first<UserProfileColumns>(this.profiles(tx).where({ 'u.tenant_id': tenantId, 'u.user_name_norm': foldText(userName) }));
    return row && toUserProfile(row);
  }

  async list(tx: Tx, tenantId: string, criteria: UserCriteria, order: UserOrder, page: KeysetRequest): Promise<KeysetPage<UserProfile>> {
    const keyset = keysetOrderOf(order);
    const query = this.matching(tx, this.profiles(tx), tenantId, criteria);
    const rows = await tx.all<UserProfileColumns>(applyKeyset(tx, query, keyset, page));
    return toKeysetPage(rows, page.limit, keyset, toUserProfile);
  }

  async count(tx: Tx, tenantId: string, criteria: UserCriteria): Promise<number> {
    if (!criteria.filter && criteria.memberOfGroupId === undefined && (criteria.mappedValues ?? []).length === 0 && (criteria.search?.words ?? []).length === 0) return countTenantRows(tx, 'users', tenantId);
    const row = await tx.first<{ total: number | string }>(this.matching(tx, tx.knex('users as u').count({ total: '*' }), tenantId, criteria));
    return toNumber(row?.total ?? 0);
  }

  /** The users whose mapped manager is each of `managerIds` (ids are stored folded, as value_text), one page each. */
  async listDirectReports(tx: Tx, tenantId: string, managerIds: readonly string[], page: KeysetRequest): Promise<Map<string, KeysetPage<UserProfile>>> {
    const parents = new Map(managerIds.map((id) => [foldText(id), id]));
    const pages = await selectPagesPerParent(
      tx,
      [...parents.keys()],
      (chunk) =>
        this.profiles(tx)
          .join('user_values as mv', function joinManager() {
            this.on('mv.tenant_id', '=', 'u.tenant_id').andOn('mv.user_id', '=', 'u.id');
          })
          .where({ 'mv.tenant_id': tenantId, 'mv.field_key': 'manager' })
          .whereIn('mv.value_text', chunk),
      'mv.value_text',
      DIRECT_REPORTS_ORDER,
      page,
      toUserProfile,
    );
    return new Map([...pages].map(([folded, list]) => [parents.get(folded) ?? folded, list]));
  }

  async countDirectReports(tx: Tx, tenantId: string, managerIds: readonly string[]): Promise<Map<string, number>> {
    const parents = new Map(managerIds.map((id) => [foldText(id), id]));
    const counts = await countPerParent([...parents.keys()], (chunk) =>
      tx.all(tx.knex('user_values').select({ parent: 'value_text' }).count({ total: '*' }).where({ tenant_id: tenantId, field_key: 'manager' }).whereIn('value_text', chunk).groupBy('value_text')),
    );
    return new Map([...counts].map(([folded, total]) => [parents.get(folded) ?? folded, total]));
  }

  /** The users among the direct members of each of `groupIds` (nested groups are not users), one page each. */
  async listGroupMembers(tx: Tx, tenantId: string, groupIds: readonly string[], page: KeysetRequest): Promise<Map<string, KeysetPage<UserProfile>>> {
    return selectPagesPerParent(
      tx,
      groupIds,
      (chunk) =>
        this.profiles(tx)
          .join('group_members as m', function joinMembership() {
            this.on('m.tenant_id', '=', 'u.tenant_id').andOn('m.member_id', '=', 'u.id');
          })
          .where({ 'm.tenant_id': tenantId, 'm.member_type': 'User' })
          .whereIn('m.group_id', chunk),
      'm.group_id',
      MEMBERS_ORDER,
      page,
      toUserProfile,
    );
  }

  async countGroupMembers(tx: Tx, tenantId: string, groupIds: readonly string[]): Promise<Map<string, number>> {
    return countPerParent(groupIds, (chunk) =>
      tx.all(
        tx
          .knex('group_members')
          .select({ parent: 'group_id' })
          .count({ total: '*' })
          .where({ tenant_id: tenantId, member_type: 'User' })
          .whereIn('group_id', chunk)
          .groupBy('group_id'),
      ),
    );
  }

  private profiles(tx: Tx): Knex.QueryBuilder {
    return tx.knex('users as u').select(PROFILE_COLUMNS.map((column) => `u.${column}`));
  }

  private matching(tx: Tx, query: Knex.QueryBuilder, tenantId: string, criteria: UserCriteria): Knex.QueryBuilder {
    query.where('u.tenant_id', tenantId);
    if (criteria.filter) {
      const predicate = new FilterSqlBuilder(tx.dialect).build(criteria.filter, 'users', 'u');
      query.whereRaw(predicate.sql, predicate.bindings as never[]);
    }
    if (criteria.memberOfGroupId !== undefined) {
      query.whereExists(
        tx
          .knex('group_members as gm')
          .select(tx.knex.raw('1'))
          .whereRaw('gm.tenant_id = u.tenant_id AND gm.member_id = u.id')
          .where('gm.group_id', criteria.memberOfGroupId),
      );
    }
    // One EXISTS per condition, correlated on the primary key (tenant_id, user_id, field_key, position).
    for (const condition of criteria.mappedValues ?? []) {
      const values = tx
        .knex('user_values as uv')
        .select(tx.knex.raw('1'))
        .whereRaw('uv.tenant_id = u.tenant_id AND uv.user_id = u.id')
        .where('uv.field_key', condition.fieldKey);
      if (condition.op === 'in') values.whereIn('uv.value_text', [...condition.values]);
      else values.whereRaw("uv.value_text LIKE ? ESCAPE '\\'", [`${escapeLike(condition.prefix)}%`]);
      query.whereExists(values);
    }
    for (const word of criteria.search?.words ?? []) {
      const pattern = `%${escapeLike(word)}%`;
      const fieldKeys = criteria.search?.fieldKeys ?? [];
      query.where((either) => {
        either.whereRaw("u.user_name_norm LIKE ? ESCAPE '\\'", [pattern]).orWhereExists(
          tx
            .knex('user_values as sv')
            .select(tx.knex.raw('1'))
            .whereRaw('sv.tenant_id = u.tenant_id AND sv.user_id = u.id')
            .whereIn('sv.field_key', [...fieldKeys])
            .whereRaw("sv.value_text LIKE ? ESCAPE '\\'", [pattern]),
        );
      });
    }
    return query;
  }
}
