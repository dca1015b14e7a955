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

/**
 * A folded text column starts with a prefix, as an index range: every string starting with it lies between
 * it and it followed by U+10FFFF, the greatest code point; the length check keeps only those under any
 * collation (a PostgreSQL database with a linguistic collation may order others into the range).
 */
function prefixRange(column: string): string {
  return `${column} >= ? AND ${column} < ? AND substr(${column}, 1, ?) = ?`;
}

function prefixBindings(prefix: string): (string | number)[] {
  return [prefix, `${prefix}\u{10FFFF}`, [...prefix].length, prefix];
}

/** Index entries past which a search word no longer narrows the list (UserProfileRepository.narrowestWord). */
const SELECTIVE_WORD_ENTRIES = 2000;

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

/** Words that must each start the userName or some value of one of `fieldKeys` (folded, like the stored value text). */
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
    const query = this.matching(tx, this.profiles(tx), tenantId, criteria, await this.narrowestWord(tx, tenantId, criteria.search));
    const paged = applyKeyset(tx, query, keyset, page);
    // A tenant's filter may walk its users: within the read budget.
    const rows = criteria.filter ? await tx.allWithinBudget<UserProfileColumns>(tenantId, paged) : await tx.all<UserProfileColumns>(paged);
    return toKeysetPage(rows, page.limit, keyset, toUserProfile);
  }

  async count(tx: Tx, tenantId: string, criteria: UserCriteria): Promise<number> {
    if (!criteria.filter && criteria.memberOfGroupId === undefined && (criteria.mappedValues ?? []).length === 0 && (criteria.search?.words ?? []).length === 0) return countTenantRows(tx, 'users', tenantId);
    const counted = this.matching(tx, tx.knex('users as u').count({ total: '*' }), tenantId, criteria, await this.narrowestWord(tx, tenantId, criteria.search));
    const row = criteria.filter ? (await tx.allWithinBudget<{ total: number | string }>(tenantId, counted))[0] : await tx.first<{ total: number | string }>(counted);
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

  /** `narrowest`: the search word whose index ranges list the users (the others are checked per user); none when every word is broad. */
  private matching(tx: Tx, query: Knex.QueryBuilder, tenantId: string, criteria: UserCriteria, narrowest: string | undefined): Knex.QueryBuilder {
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
    const fieldKeys = criteria.search?.fieldKeys ?? [];
    for (const word of criteria.search?.words ?? []) {
      if (word === narrowest) query.whereIn('u.id', this.startingWith(tx, tenantId, word, fieldKeys));
      else query.where((either) => either.whereRaw(prefixRange('u.user_name_norm'), prefixBindings(word)).orWhereExists(this.valueStartingWith(tx, word, fieldKeys)));
    }
    return query;
  }

  /**
   * The search word with the fewest index entries, when it has fewer than SELECTIVE_WORD_ENTRIES: its ranges
   * then list the candidates and the other words are checked on those alone. A broad word ("a", or the
   * domain every userName ends with) would make a long list to intersect; when every word is broad, each is
   * checked per user while the list walks its order, where matches are many and a page fills at once.
   */
  private async narrowestWord(tx: Tx, tenantId: string, search: MappedSearch | undefined): Promise<string | undefined> {
    let narrowest: { word: string; entries: number } | undefined;
    for (const word of new Set(search?.words ?? [])) {
      const probe = this.startingWith(tx, tenantId, word, search?.fieldKeys ?? []).limit(SELECTIVE_WORD_ENTRIES);
      const row = await tx.first<{ total: number | string }>(tx.knex.count({ total: '*' }).from(probe.as('hits')));
      const entries = toNumber(row?.total ?? 0);
      if (entries < SELECTIVE_WORD_ENTRIES && (!narrowest || entries < narrowest.entries)) narrowest = { word, entries };
    }
    return narrowest?.word;
  }

  /**
   * The ids of the users whose userName, or some value of one of `fieldKeys`, starts with `prefix`: one index
   * range scan per column (users_tenant_user_name_unique, user_values_tenant_field_value_index), so a search
   * reads only the matching index entries, not every user. The range holds every string starting with the
   * prefix (U+10FFFF is the greatest code point); the length check keeps only those under any collation.
   */
  private startingWith(tx: Tx, tenantId: string, prefix: string, fieldKeys: readonly string[]): Knex.QueryBuilder {
    const byUserName = tx.knex('users as su').select('su.id').where('su.tenant_id', tenantId).whereRaw(prefixRange('su.user_name_norm'), prefixBindings(prefix));
    const byValue = fieldKeys.map((fieldKey) =>
      tx
        .knex('user_values as sv')
        .select('sv.user_id')
        .where({ 'sv.tenant_id': tenantId, 'sv.field_key': fieldKey })
        .whereRaw(prefixRange('sv.value_text'), prefixBindings(prefix)),
    );
    return byUserName.unionAll(byValue);
  }

  /** Some value of one of `fieldKeys` of the user `u` starts with `prefix` (primary-key lookups of that user's values). */
  private valueStartingWith(tx: Tx, prefix: string, fieldKeys: readonly string[]): Knex.QueryBuilder {
    return tx
      .knex('user_values as sv')
      .select(tx.knex.raw('1'))
      .whereRaw('sv.tenant_id = u.tenant_id AND sv.user_id = u.id')
      .whereIn('sv.field_key', [...fieldKeys])
      .whereRaw(prefixRange('sv.value_text'), prefixBindings(prefix));
  }
}
