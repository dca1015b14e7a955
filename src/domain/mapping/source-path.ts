/**
 * Source paths: where a rule reads the raw SCIM resource. The raw resource is stored normalised:
 * canonical attribute names, extension blocks under their URN key. A path is a list of segments
 * resolved case-insensitively:
 * - `schema`: step into an extension block (a core URN stays at the top level);
 * - `property`: an attribute; over a multi-valued attribute it collects that attribute of every element;
 * - `filter`: the first element of a multi-valued attribute that a SCIM filter matches
 *   (`emails[type eq "work"]`: SCIM asks IdPs to keep `type` unique, so one element is meant).
 */
import { DomainError } from '../errors';
import { parseAttributePath } from '../filter/attribute-path';
import { evaluateFilter } from '../filter/evaluate-filter';
import type { FilterNode } from '../filter/filter-ast';
import { parseFilter } from '../filter/filter-parser';
import { isTable, readProperty, type MappingValue } from './mapping-values';

export const CORE_USER_URN = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE_USER_URN = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

const CORE_URN_PREFIX = 'urn:ietf:params:scim:schemas:core:';

/** RFC 7643 §4.1 User attributes and their sub-attributes (lower case), for "did you mean" warnings. */
const CORE_USER_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  id: [],
  externalid: [],
  meta: ['resourcetype', 'created', 'lastmodified', 'location', 'version'],
  username: [],
  name: ['formatted', 'familyname', 'givenname', 'middlename', 'honorificprefix', 'honorificsuffix'],
  displayname: [],
  nickname: [],
  profileurl: [],
  title: [],
  usertype: [],
  preferredlanguage: [],
  locale: [],
  timezone: [],
  active: [],
  emails: ['value', 'display', 'type', 'primary'],
  phonenumbers: ['value', 'display', 'type', 'primary'],
  ims: ['value', 'display', 'type', 'primary'],
  photos: ['value', 'display', 'type', 'primary'],
  addresses: ['formatted', 'streetaddress', 'locality', 'region', 'postalcode', 'country', 'type', 'primary'],
  groups: ['value', '$ref', 'display', 'type'],
  entitlements: ['value', 'display', 'type', 'primary'],
  roles: ['value', 'display', 'type', 'primary'],
  x509certificates: ['value', 'display', 'type', 'primary'],
};

const ENTERPRISE_USER_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  employeenumber: [],
  costcenter: [],
  organization: [],
  division: [],
  department: [],
  manager: ['value', '$ref', 'displayname'],
};

export type SourceSegment =
  | { readonly kind: 'schema'; readonly urn: string }
  | { readonly kind: 'property'; readonly name: string }
  | { readonly kind: 'filter'; readonly filter: FilterNode };

export interface SourcePath {
  /** As the admin wrote it; provenance and traces show this. */
  readonly text: string;
  readonly segments: readonly SourceSegment[];
}

export type ParseSourcePathResult =
  | { readonly ok: true; readonly path: SourcePath }
  | { readonly ok: false; readonly message: string; readonly offset: number };

/**
 * Parses a rule's `from` path (the SCIM attribute path grammar: `userName`, `name.givenName`,
 * `emails[type eq "work"].value`, `urn:...:enterprise:2.0:User:manager.value`, Entra's dotted URN form).
 * `schemaUrns` are the extension URNs known to the tenant, so their dotted form is recognised.
 */
export function parseSourcePath(text: string, schemaUrns: readonly string[]): ParseSourcePathResult {
  try {
    const parsed = parseAttributePath(text, [CORE_USER_URN, ENTERPRISE_USER_URN, ...schemaUrns]);
    const segments: SourceSegment[] = [];
    if (parsed.schema !== undefined) segments.push({ kind: 'schema', urn: parsed.schema });
    segments.push({ kind: 'property', name: parsed.attribute });
    if (parsed.valueFilter !== undefined) segments.push({ kind: 'filter', filter: parsed.valueFilter });
    if (parsed.subAttribute !== undefined) segments.push({ kind: 'property', name: parsed.subAttribute });
    return { ok: true, path: { text: text.trim(), segments } };
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return describePathError(text, error);
  }
}

/** The problem and its offset in `text`; a value filter's problem is located inside its brackets. */
function describePathError(text: string, error: DomainError): { ok: false; message: string; offset: number } {
  const open = text.indexOf('[');
  const close = text.lastIndexOf(']');
  if (open >= 0 && error.message.startsWith('Invalid value filter')) {
    try {
      parseFilter(text.slice(open + 1, close > open ? close : undefined));
    } catch (filterError) {
      if (!(filterError instanceof DomainError)) throw filterError;
      const position = /at position (\d+)/.exec(filterError.message);
      const problem = filterError.message.replace(/ at position \d+/, '');
      return { ok: false, message: `invalid filter: ${problem}`, offset: open + 1 + (position === null ? 0 : Number(position[1])) };
    }
  }
  const position = /at position (\d+)/.exec(error.message);
  return { ok: false, message: error.message.replace(/ at position \d+/, ''), offset: position === null ? 0 : Number(position[1]) };
}

/** The value at `segments` in `raw`: null when absent; a list when the path crosses a multi-valued attribute. */
export function readSourcePath(raw: MappingValue, segments: readonly SourceSegment[]): MappingValue {
  let current: MappingValue = raw;
  for (const segment of segments) {
    if (current === null) return null;
    switch (segment.kind) {
      case 'schema':
        current = readSchemaBlock(current, segment.urn);
        break;
      case 'property':
        current = Array.isArray(current) ? collectProperty(current, segment.name) : readProperty(current, segment.name);
        break;
      case 'filter': {
        const elements: readonly MappingValue[] = Array.isArray(current) ? current : [current];
        current = elements.find((element) => isTable(element) && evaluateFilter(segment.filter, element)) ?? null;
        break;
      }
    }
  }
  return current;
}

function readSchemaBlock(holder: MappingValue, urn: string): MappingValue {
  const block = readProperty(holder, urn);
  if (block !== null) return block;
  return urn.toLowerCase().startsWith(CORE_URN_PREFIX) ? holder : null;
}

function collectProperty(elements: readonly MappingValue[], name: string): MappingValue {
  const values = elements.flatMap((element) => {
    const value = readProperty(element, name);
    return Array.isArray(value) ? value : [value];
  });
  return values.filter((value) => value !== null);
}

/**
 * Why a path names nothing SCIM defines, or undefined when it is standard or lives under an
 * extension the standard does not describe (the tenant's own URN, or one an IdP admin declared).
 */
export function describeUnknownSourcePath(path: SourcePath): string | undefined {
  const [first, second, ...rest] = path.segments;
  const urn = first?.kind === 'schema' ? first.urn.toLowerCase() : CORE_USER_URN.toLowerCase();
  const names = (first?.kind === 'schema' ? [second, ...rest] : [first, second, ...rest]).filter(
    (segment): segment is Extract<SourceSegment, { kind: 'property' }> => segment?.kind === 'property',
  );
  const known =
    urn === CORE_USER_URN.toLowerCase() ? CORE_USER_ATTRIBUTES : urn === ENTERPRISE_USER_URN.toLowerCase() ? ENTERPRISE_USER_ATTRIBUTES : undefined;
  if (known === undefined || names.length === 0) return undefined;
  const [attribute, subAttribute] = names;
  const subAttributes = known[attribute.name.toLowerCase()];
  if (subAttributes === undefined) {
    return urn === CORE_USER_URN.toLowerCase()
      ? `'${attribute.name}' is not a SCIM core User attribute; custom attributes usually arrive under an extension URN`
      : `'${attribute.name}' is not an attribute of the enterprise extension`;
  }
  if (subAttribute !== undefined && !subAttributes.includes(subAttribute.name.toLowerCase())) {
    return `'${attribute.name}' has no sub-attribute '${subAttribute.name}'`;
  }
  return undefined;
}
