import type { CompareOperator, FilterValue } from '../domain/filter/filter-ast';
import type { FieldValueType, FilterField, GroupField, ResolvedFilter, UserField } from '../domain/filter/filter-field';
import { DomainError } from '../domain/errors';

/** Builders for the shared filter AST, from GraphQL filter inputs. */
export function indexedField(field: UserField | GroupField, type: FieldValueType = 'string', caseExact = false): FilterField {
  return { kind: 'field', field, type, caseExact };
}

export function compare(path: FilterField, op: CompareOperator, value: FilterValue): ResolvedFilter {
  return { kind: 'compare', path, op, value };
}

export function allOf(conditions: readonly ResolvedFilter[]): ResolvedFilter | undefined {
  return conditions.reduce<ResolvedFilter | undefined>((left, right) => (left ? { kind: 'and', left, right } : right), undefined);
}

export function anyOf(conditions: readonly ResolvedFilter[]): ResolvedFilter | undefined {
  return conditions.reduce<ResolvedFilter | undefined>((left, right) => (left ? { kind: 'or', left, right } : right), undefined);
}

/** Each word of `search` must appear (case-insensitively) in at least one of `paths`. */
const MAX_SEARCH_WORDS = 8;

/** The words of a search input, at most MAX_SEARCH_WORDS. */
export function searchWords(search: string | null | undefined): string[] {
  const words = (search ?? '').trim().split(/\s+/).filter(Boolean);
  if (words.length > MAX_SEARCH_WORDS) throw new DomainError('INVALID_INPUT', `search takes at most ${MAX_SEARCH_WORDS} words`);
  return words;
}

export function searchConditions(search: string | null | undefined, paths: readonly FilterField[]): ResolvedFilter[] {
  const words = searchWords(search);
  return words.map((word) => anyOf(paths.map((path) => compare(path, 'co', word))) as ResolvedFilter);
}
