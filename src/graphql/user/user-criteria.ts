import { DomainError } from '../../domain/errors';
import type { FilterField, ResolvedFilter, UserField } from '../../domain/filter/filter-field';
import { foldText } from '../../domain/text';
import type { MappedValueCondition, UserCriteria } from '../../persistence/repositories/user-profile.repository';
import { allOf, compare, indexedField, searchConditions } from '../filter-conditions';
import type { AttributeCondition, UserFilter } from './user-filter.input';

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

/** Each condition is an EXISTS on user_values: bounded so one filter stays one cheap statement. */
const MAX_ATTRIBUTE_CONDITIONS = 10;
const MAX_IN_VALUES = 100;

/** Mapped values are stored folded (value_text), so the compared text is folded the same way. */
function toMappedValueCondition(condition: AttributeCondition): MappedValueCondition {
  const given = [condition.eq, condition.in, condition.startsWith].filter((operand) => operand !== null && operand !== undefined);
  if (given.length !== 1) throw new DomainError('INVALID_INPUT', `attribute condition on "${condition.key}" needs exactly one of eq, in, startsWith`);
  if (condition.startsWith !== null && condition.startsWith !== undefined) return { fieldKey: condition.key, op: 'startsWith', prefix: foldText(condition.startsWith) };
  const values = condition.in ?? [condition.eq as string];
  if (values.length > MAX_IN_VALUES) throw new DomainError('INVALID_INPUT', `attribute condition on "${condition.key}": in takes at most ${MAX_IN_VALUES} values`);
  return { fieldKey: condition.key, op: 'in', values: values.map(foldText) };
}

function mappedValueConditions(filter: UserFilter): MappedValueCondition[] {
  const conditions: AttributeCondition[] = [...(filter.attribute ?? [])];
  if (conditions.length > MAX_ATTRIBUTE_CONDITIONS) throw new DomainError('INVALID_INPUT', `attribute takes at most ${MAX_ATTRIBUTE_CONDITIONS} conditions`);
  for (const [input, key] of [['appRole', 'appRoles'], ['businessUnit', 'businessUnit'], ['region', 'region']] as const) {
    const value = filter[input];
    if (value !== null && value !== undefined) conditions.push({ key, eq: value });
  }
  return conditions.map(toMappedValueCondition);
}

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
  return { filter: allOf(conditions), memberOfGroupId: filter.groupId ?? undefined, mappedValues: mappedValueConditions(filter) };
}
