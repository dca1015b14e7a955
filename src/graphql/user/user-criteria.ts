import type { FilterField, ResolvedFilter, UserField } from '../../domain/filter/filter-field';
import type { UserCriteria } from '../../persistence/repositories/user-profile.repository';
import { allOf, compare, indexedField, searchConditions } from '../filter-conditions';
import type { UserFilter } from './user-filter.input';

type TextCondition = 'department' | 'division' | 'organization' | 'costCenter' | 'employeeNumber' | 'userType' | 'title' | 'externalId';

/** externalId is the IdP's key: exact, like SCIM compares it. The rest are words people type. */
const TEXT_CONDITIONS: readonly { readonly input: TextCondition; readonly field: UserField; readonly caseExact: boolean }[] = [
  { input: 'department', field: 'department', caseExact: false },
  { input: 'division', field: 'division', caseExact: false },
  { input: 'organization', field: 'organization', caseExact: false },
  { input: 'costCenter', field: 'costCenter', caseExact: false },
  { input: 'employeeNumber', field: 'employeeNumber', caseExact: false },
  { input: 'userType', field: 'userType', caseExact: false },
  { input: 'title', field: 'title', caseExact: false },
  { input: 'externalId', field: 'externalId', caseExact: true },
];

const SEARCHED: readonly FilterField[] = [
  indexedField('userName'),
  indexedField('displayName'),
  indexedField('givenName'),
  indexedField('familyName'),
  { kind: 'email', sub: 'value', type: 'string', caseExact: false },
];

/** A GraphQL UserFilter as the criteria the directory lists users by. */
export function toUserCriteria(filter: UserFilter | null | undefined): UserCriteria {
  if (!filter) return {};
  const conditions: ResolvedFilter[] = [];
  if (filter.active !== null && filter.active !== undefined) conditions.push(compare(indexedField('active', 'boolean'), 'eq', filter.active));
  for (const { input, field, caseExact } of TEXT_CONDITIONS) {
    const value = filter[input];
    if (value !== null && value !== undefined) conditions.push(compare(indexedField(field, 'string', caseExact), 'eq', value));
  }
  conditions.push(...searchConditions(filter.search, SEARCHED));
  return { filter: allOf(conditions), memberOfGroupId: filter.groupId ?? undefined };
}
