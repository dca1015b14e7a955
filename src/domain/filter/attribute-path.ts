/**
 * RFC 7644 §3.5.2 PATCH `path`: `attr`, `attr.sub`, `attr[filter]`, `attr[filter].sub`, each
 * optionally prefixed by a schema URN. Names keep the client's spelling; the PATCH engine resolves
 * them against the registry. The bracket content is parsed by the shared filter parser.
 */
import { DomainError } from '../errors';
import type { FilterNode } from './filter-ast';
import { parseFilter } from './filter-parser';

/** `attr`, `attr.sub`, `attr[filter]`, `attr[filter].sub`, each optionally behind a schema URN. */
export interface ParsedAttributePath {
  readonly schema?: string;
  readonly attribute: string;
  readonly valueFilter?: FilterNode;
  readonly subAttribute?: string;
}

const NAME = /^\$?[A-Za-z][\w-]*/;

function invalidPath(text: string, position: number, expected: string): DomainError {
  return new DomainError('INVALID_PATH', `Invalid attribute path '${text}': expected ${expected} at position ${position}`);
}

/**
 * Parses an attribute path (RFC 7644 PATCH path grammar; also the source paths of mapping rules).
 * `schemaUrns` are the URNs recognised as a prefix in both the RFC form
 * (`urn:...:2.0:User:manager`) and Entra's dotted form (`urn:...:2.0:User.manager`); another
 * `urn:` prefix is split at its last colon.
 */
export function parseAttributePath(text: string, schemaUrns: readonly string[]): ParsedAttributePath {
  const trimmed = text.trim();
  const { schema, start } = splitSchema(trimmed, schemaUrns);
  let position = start;

  const readName = (expected: string): string => {
    const match = NAME.exec(trimmed.slice(position));
    if (!match) throw invalidPath(trimmed, position, expected);
    position += match[0].length;
    return match[0];
  };

  const attribute = readName('an attribute name');
  let valueFilter: FilterNode | undefined;
  if (trimmed[position] === '[') {
    const close = findClosingBracket(trimmed, position);
    if (close < 0) throw invalidPath(trimmed, trimmed.length, "']'");
    const content = trimmed.slice(position + 1, close);
    if (content.trim() === '') throw invalidPath(trimmed, position + 1, 'a filter');
    valueFilter = parseValueFilter(trimmed, content);
    position = close + 1;
  }
  let subAttribute: string | undefined;
  if (trimmed[position] === '.') {
    position++;
    subAttribute = readName('a sub-attribute name');
  }
  if (position < trimmed.length) throw invalidPath(trimmed, position, "'[', '.' or the end of the path");

  return {
    ...(schema !== undefined ? { schema } : {}),
    attribute,
    ...(valueFilter !== undefined ? { valueFilter } : {}),
    ...(subAttribute !== undefined ? { subAttribute } : {}),
  };
}

/** The filter parser counts positions from the bracket; name the whole path so the client can find it. */
function parseValueFilter(text: string, content: string): FilterNode {
  try {
    return parseFilter(content);
  } catch (error) {
    if (error instanceof DomainError) throw new DomainError(error.code, `Invalid value filter in PATCH path '${text}': ${error.message}`);
    throw error;
  }
}

function splitSchema(text: string, schemaUrns: readonly string[]): { schema?: string; start: number } {
  if (text.slice(0, 4).toLowerCase() !== 'urn:') return { start: 0 };
  const lower = text.toLowerCase();
  const known = [...schemaUrns]
    .sort((a, b) => b.length - a.length)
    .find((urn) => lower.startsWith(urn.toLowerCase()) && (text[urn.length] === ':' || text[urn.length] === '.'));
  if (known !== undefined) return { schema: known, start: known.length + 1 };

  // Attribute names never contain ':', so an unknown URN ends at the last one before any filter.
  const bracket = text.indexOf('[');
  const colon = (bracket < 0 ? text : text.slice(0, bracket)).lastIndexOf(':');
  return { schema: text.slice(0, colon), start: colon + 1 };
}

/** Index of the `]` closing the `[` at `open`, skipping quoted strings (a value may contain `]`); -1 if none. */
export function findClosingBracket(text: string, open: number): number {
  let inQuote = false;
  for (let i = open + 1; i < text.length; i++) {
    const char = text[i];
    if (inQuote) {
      if (char === '\\') i++;
      else if (char === '"') inQuote = false;
    } else if (char === '"') inQuote = true;
    else if (char === ']') return i;
  }
  return -1;
}
