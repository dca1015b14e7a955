import type { Knex } from 'knex';
import type { ResolvedFilter } from '../../domain/filter/filter-field';
import type { UserIndexFields } from '../../domain/identity/user';
import { foldText } from '../../domain/text';
import type { Tx } from '../database';
import { toBoolean, toNumber } from '../column-values';
import { escapeLike, FilterSqlBuilder } from '../filter-sql';
import { applyKeyset, countPerParent, selectPagesPerParent, toKeysetPage, type KeysetOrder, type KeysetPage, type KeysetRequest } from './keyset';
import { collectInChunks, countTenantRows } from './resource-rows';

/** A user as directory reads see it: the indexed identity fields and one email, without the stored SCIM resource. */
export interface UserProfile extends Omit<UserIndexFields, 'emails'> {
  readonly tenantId: string;
  readonly id: string;
  /** The primary email, or the first one when none is marked primary. */
  readonly email: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

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

/** Which users a list holds: a filter over their fields, direct membership of one group, and conditions on mapped values (all must hold). */
export interface UserCriteria {
  readonly filter?: ResolvedFilter;
  readonly memberOfGroupId?: string;
  readonly mappedValues?: readonly MappedValueCondition[];
}

interface UserProfileColumns extends Record<string, unknown> {
  tenant_id: string;
  id: string;
  user_name: string;
  external_id: string | null;
  active: unknown;
  display_name: string | null;
  given_name: string | null;
  family_name: string | null;
  title: string | null;
  user_type: string | null;
  department: string | null;
  division: string | null;
  organization: string | null;
  cost_center: string | null;
  employee_number: string | null;
  manager_id: string | null;
  email: string | null;
  created_at: number | string;
  updated_at: number | string;
}

const PROFILE_COLUMNS = [
  'tenant_id',
  'id',
  'user_name',
  'external_id',
  'active',
  'display_name',
  'given_name',
  'family_name',
  'title',
  'user_type',
  'department',
  'division',
  'organization',
  'cost_center',
  'employee_number',
  'manager_id',
  'created_at',
  'updated_at',
];

/** Text keys sort lower-cased, so "alice" and "Bob" land in the same order on both dialects. */
const ORDER_KEYS: Record<UserOrderField, { readonly column: string; readonly nullable: boolean; readonly numeric: boolean; readonly lower: boolean }> = {
  userName: { column: 'user_name_norm', nullable: false, numeric: false, lower: false },
  displayName: { column: 'display_name', nullable: true, numeric: false, lower: true },
  givenName: { column: 'given_name', nullable: true, numeric: false, lower: true },
  familyName: { column: 'family_name', nullable: true, numeric: false, lower: true },
  department: { column: 'department', nullable: true, numeric: false, lower: true },
  employeeNumber: { column: 'employee_number', nullable: true, numeric: false, lower: true },
  createdAt: { column: 'created_at', nullable: false, numeric: true, lower: false },
  updatedAt: { column: 'updated_at', nullable: false, numeric: true, lower: false },
};

function keysetOrderOf(order: UserOrder): KeysetOrder {
  const key = ORDER_KEYS[order.field];
  const column = `u.${key.column}`;
  return { key: { sql: key.lower ? `lower(${column})` : column, nullable: key.nullable, numeric: key.numeric }, id: 'u.id', descending: order.descending };
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
    displayName: row.display_name,
    givenName: row.given_name,
    familyName: row.family_name,
    title: row.title,
    userType: row.user_type,
    department: row.department,
    division: row.division,
    organization: row.organization,
    costCenter: row.cost_center,
    employeeNumber: row.employee_number,
    managerId: row.manager_id,
    email: row.email,
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
    const paged = applyKeyset(tx, query, keyset, page);
    // A tenant's filter may walk its users: within the read budget.
    const rows = criteria.filter ? await tx.allWithinBudget<UserProfileColumns>(paged) : await tx.all<UserProfileColumns>(paged);
    return toKeysetPage(rows, page.limit, keyset, toUserProfile);
  }

  async count(tx: Tx, tenantId: string, criteria: UserCriteria): Promise<number> {
    if (!criteria.filter && criteria.memberOfGroupId === undefined && (criteria.mappedValues ?? []).length === 0) return countTenantRows(tx, 'users', tenantId);
    const counted = this.matching(tx, tx.knex('users as u').count({ total: '*' }), tenantId, criteria);
    const row = criteria.filter ? (await tx.allWithinBudget<{ total: number | string }>(counted))[0] : await tx.first<{ total: number | string }>(counted);
    return toNumber(row?.total ?? 0);
  }

  /** The users whose manager is each of `managerIds`, one page each. */
  async listDirectReports(tx: Tx, tenantId: string, managerIds: readonly string[], page: KeysetRequest): Promise<Map<string, KeysetPage<UserProfile>>> {
    return selectPagesPerParent(
      tx,
      managerIds,
      (chunk) => this.profiles(tx).where('u.tenant_id', tenantId).whereIn('u.manager_id', chunk),
      'u.manager_id',
      DIRECT_REPORTS_ORDER,
      page,
      toUserProfile,
    );
  }

  async countDirectReports(tx: Tx, tenantId: string, managerIds: readonly string[]): Promise<Map<string, number>> {
    return countPerParent(managerIds, (chunk) =>
      tx.all(tx.knex('users').select({ parent: 'manager_id' }).count({ total: '*' }).where('tenant_id', tenantId).whereIn('manager_id', chunk).groupBy('manager_id')),
    );
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

  /** The profile columns, with the primary (else first) email as a correlated subquery: still one statement. */
  private profiles(tx: Tx): Knex.QueryBuilder {
    return tx
      .knex('users as u')
      .select(PROFILE_COLUMNS.map((column) => `u.${column}`))
      .select(
        // The primary email, else the first: two seeks in key order, where ORDER BY is_primary sorted each user's emails.
        tx.knex.raw(
          'COALESCE((SELECT pe.value FROM user_emails pe WHERE pe.tenant_id = u.tenant_id AND pe.user_id = u.id AND pe.is_primary ORDER BY pe.position LIMIT 1), ' +
            '(SELECT pe.value FROM user_emails pe WHERE pe.tenant_id = u.tenant_id AND pe.user_id = u.id ORDER BY pe.position LIMIT 1)) AS email',
        ),
      );
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
    return query;
  }
}
