import { DomainError } from '../../domain/errors';
import type { ResolvedFilter } from '../../domain/filter/filter-field';
import { foldText } from '../../domain/text';
import type { MappedSearch, MappedValueCondition, UserCriteria } from '../../persistence/repositories/user-profile.repository';
import { allOf, compare, indexedField, searchWords } from '../filter-conditions';
import type { AttributeCondition, UserFilter } from './user-filter.input';

/** Filter inputs on mapped fields -> the domain field key (the input's name is the key, appRole aside). */
const MAPPED_FIELD_INPUTS = [
  ['appRole', 'appRoles'],
  ['department', 'department'],
  ['businessUnit', 'businessUnit'],
  ['region', 'region'],
  ['division', 'division'],
  ['organization', 'organization'],
  ['costCenter', 'costCenter'],
  ['employeeNumber', 'employeeNumber'],
  ['userType', 'userType'],
  ['title', 'title'],
] as const;

/** search looks in the userName and these mapped fields. */
const SEARCHED_FIELDS: readonly string[] = ['displayName', 'givenName', 'familyName', 'email'];

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
  for (const [input, key] of MAPPED_FIELD_INPUTS) {
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
  // externalId is the IdP's key (an identity column, not a mapped field): exact, like SCIM compares it.
  if (filter.externalId !== null && filter.externalId !== undefined) conditions.push(compare(indexedField('externalId', 'string', true), 'eq', filter.externalId));
  return { filter: allOf(conditions), memberOfGroupId: filter.groupId ?? undefined, mappedValues: mappedValueConditions(filter), search: searchOf(filter.search) };
}

/** Each word must start (folded, as stored) the userName or a mapped name or email. */
function searchOf(search: string | null | undefined): MappedSearch | undefined {
  const words = searchWords(search).map(foldText);
  return words.length === 0 ? undefined : { words, fieldKeys: SEARCHED_FIELDS };
}
