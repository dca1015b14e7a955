/**
 * The values mapping rules compute with: JSON without `undefined`. Raw SCIM resources, expression
 * results and domain field values are all of this shape, so one set of helpers serves every stage.
 */

export type MappingValue = null | string | number | boolean | readonly MappingValue[] | MappingTable;

export interface MappingTable {
  readonly [key: string]: MappingValue;
}

/** A domain field's stored value: a scalar, or a list of scalars for a multi-valued field. */
export type DomainValue = string | number | boolean | null | readonly (string | number | boolean)[];

export function isTable(value: unknown): value is MappingTable {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Absent in the SCIM sense (RFC 7643 §2.5, plus OneLogin's ""): null, "", or a list of such values. */
export function isEmptyValue(value: unknown): boolean {
  if (value === undefined || value === null || value === '') return true;
  if (Array.isArray(value)) return value.every(isEmptyValue);
  return false;
}

/** Deepest JSON nesting read from a raw resource; deeper values read as null (SCIM needs three levels). */
export const MAX_VALUE_DEPTH = 16;

/** Turns parsed JSON (which may hold `undefined` in objects built by code) into a MappingValue. */
export function toMappingValue(value: unknown, depth = 0): MappingValue {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (depth >= MAX_VALUE_DEPTH) return null;
  if (Array.isArray(value)) return value.map((element) => toMappingValue(element, depth + 1));
  if (typeof value === 'object') {
    const table: Record<string, MappingValue> = {};
    for (const [key, entry] of Object.entries(value)) table[key] = toMappingValue(entry, depth + 1);
    return table;
  }
  return null;
}

export function collapseWhitespace(text: string): string {
  return text.trim().replace(/\s+/g, ' ');
}

/**
 * The form two admin-facing texts are compared in: Unicode NFKC, whitespace trimmed and collapsed,
 * lower-cased. Option values, map/switch keys and group names all match on it.
 */
export function foldForMatching(text: string): string {
  return collapseWhitespace(text.normalize('NFKC')).toLowerCase();
}

/** The own property named `name` in any letter case (exact spelling first); never inherited ones. */
export function readProperty(holder: MappingValue, name: string): MappingValue {
  if (!isTable(holder)) return null;
  if (Object.hasOwn(holder, name)) return holder[name];
  const wanted = name.toLowerCase();
  const key = Object.keys(holder).find((candidate) => candidate.toLowerCase() === wanted);
  return key === undefined ? null : holder[key];
}

const DESCRIBED_LENGTH = 60;

/** A short JSON rendering for messages and traces. */
export function describeValue(value: unknown): string {
  const text = value === undefined ? 'nothing' : JSON.stringify(value);
  return text.length > DESCRIBED_LENGTH ? `${text.slice(0, DESCRIBED_LENGTH)}...` : text;
}

/** Deep equality of two mapping values (lists in order, tables by key). */
export function sameValue(left: MappingValue, right: MappingValue): boolean {
  if (left === right) return true;
  if (Array.isArray(left) && Array.isArray(right)) {
    return left.length === right.length && left.every((item, index) => sameValue(item, right[index]));
  }
  if (isTable(left) && isTable(right)) {
    const keys = Object.keys(left);
    return keys.length === Object.keys(right).length && keys.every((key) => Object.hasOwn(right, key) && sameValue(left[key], right[key]));
  }
  return false;
}

/**
 * A plausible email address: one `@` with text before it, a dotted domain after it, no whitespace.
 * Written without a regular expression so that it stays linear on any input.
 */
export function isEmailAddress(text: string): boolean {
  const at = text.indexOf('@');
  if (at < 1 || at !== text.lastIndexOf('@') || /\s/.test(text)) return false;
  const domain = text.slice(at + 1);
  return domain.includes('.') && !domain.startsWith('.') && !domain.endsWith('.');
}

function editDistance(left: string, right: string): number {
  const previous = Array.from({ length: right.length + 1 }, (_, index) => index);
  for (let i = 1; i <= left.length; i++) {
    let diagonal = previous[0];
    previous[0] = i;
    for (let j = 1; j <= right.length; j++) {
      const above = previous[j];
      previous[j] = Math.min(previous[j] + 1, previous[j - 1] + 1, diagonal + (left[i - 1] === right[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return previous[right.length];
}

/** The candidate a misspelt name most likely meant (at most two edits away, ignoring case), if any. */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance <= 2 && (best === undefined || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
}
