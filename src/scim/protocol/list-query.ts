import { DomainError } from '../../domain/errors';
import type { FilterNode } from '../../domain/filter/filter-ast';
import { parseFilter } from '../../domain/filter/filter-parser';
import { parseAttributeList, type AttributeReference } from './projection';

/**
 * The query of a list or .search request (RFC 7644 sections 3.4.2 and 3.4.3), read leniently where
 * it is unambiguous: parameter names in any case, `startIndex` below 1 read as 1 (above
 * MAX_START_INDEX as that), `count` below 0 as 0 and above the server's maximum clamped to it.
 */
export interface ListQuery {
  readonly filter: FilterNode | undefined;
  readonly startIndex: number;
  readonly count: number;
  readonly sortBy: AttributeReference | undefined;
  readonly descending: boolean;
  readonly attributes: AttributeReference[] | undefined;
  readonly excludedAttributes: AttributeReference[] | undefined;
}

export const DEFAULT_PAGE_SIZE = 100;
/**
 * Largest `startIndex` read; anything above is read as this (no tenant holds 2^31 resources, so the page
 * is empty either way). Unclamped, 1e20 reached the database as an OFFSET out of its integer range.
 */
export const MAX_START_INDEX = 2_147_483_647;

function integerParameter(name: string, value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const number = typeof value === 'number' ? value : Number(String(value).trim());
  if (!Number.isInteger(number)) throw new DomainError('INVALID_INPUT', `${name} must be an integer, got "${String(value)}"`);
  return number;
}

function attributeListParameter(value: unknown): AttributeReference[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return parseAttributeList(value.map(String).join(','));
  return parseAttributeList(String(value));
}

/** `parameters` has lower-cased keys: from a query string, or from a SearchRequest body. */
export function parseListQuery(parameters: Readonly<Record<string, unknown>>, maxResults: number): ListQuery {
  const filterText = parameters.filter;
  if (filterText !== undefined && typeof filterText !== 'string') throw new DomainError('INVALID_FILTER', 'filter must be a string');
  const startIndex = Math.min(MAX_START_INDEX, Math.max(1, integerParameter('startIndex', parameters.startindex) ?? 1));
  const count = Math.min(maxResults, Math.max(0, integerParameter('count', parameters.count) ?? Math.min(DEFAULT_PAGE_SIZE, maxResults)));
  const sortOrder = parameters.sortorder === undefined ? 'ascending' : String(parameters.sortorder).toLowerCase();
  if (sortOrder !== 'ascending' && sortOrder !== 'descending') {
    throw new DomainError('INVALID_INPUT', `sortOrder must be "ascending" or "descending", got "${String(parameters.sortorder)}"`);
  }
  const sortList = parameters.sortby === undefined ? undefined : parseAttributeList(String(parameters.sortby));
  if (sortList && sortList.length > 1) throw new DomainError('INVALID_INPUT', 'sortBy names one attribute');
  return {
    filter: filterText === undefined || filterText.trim() === '' ? undefined : parseFilter(filterText),
    startIndex,
    count,
    sortBy: sortList?.[0],
    descending: sortOrder === 'descending',
    attributes: attributeListParameter(parameters.attributes),
    excludedAttributes: attributeListParameter(parameters.excludedattributes),
  };
}

/** Lower-cases the keys of a SearchRequest body so it reads like a query string. */
export function searchRequestParameters(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new DomainError('INVALID_SYNTAX', 'a SearchRequest body must be a JSON object');
  }
  return Object.fromEntries(Object.entries(body as Record<string, unknown>).map(([key, value]) => [key.toLowerCase(), value]));
}
