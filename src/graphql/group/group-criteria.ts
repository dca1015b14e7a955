import type { ResolvedFilter } from '../../domain/filter/filter-field';
import { allOf, compare, indexedField, searchConditions } from '../filter-conditions';
import type { GroupFilter } from './group-filter.input';

/** A GraphQL GroupFilter as the filter the directory lists groups by. */
export function toGroupFilter(filter: GroupFilter | null | undefined): ResolvedFilter | undefined {
  if (!filter) return undefined;
  const conditions: ResolvedFilter[] = [];
  if (filter.displayName !== null && filter.displayName !== undefined) conditions.push(compare(indexedField('displayName'), 'eq', filter.displayName));
  if (filter.externalId !== null && filter.externalId !== undefined) conditions.push(compare(indexedField('externalId', 'string', true), 'eq', filter.externalId));
  conditions.push(...searchConditions(filter.search, [indexedField('displayName')]));
  return allOf(conditions);
}
