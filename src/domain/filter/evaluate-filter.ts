/**
 * In-memory reference evaluator of the filter AST over a plain JSON resource (or over one element
 * of a multi-valued attribute, as the PATCH engine uses it). It knows no schema: attribute names
 * match case-insensitively, and the caller says which attributes compare strings case-exactly.
 *
 * Semantics (RFC 7644 §3.4.2.2):
 * - a path over a multi-valued attribute, or a sub-attribute of one, matches if any value matches,
 *   for every operator including `ne` (`emails.type ne "work"` holds if some email is not work);
 * - `ne` also holds for a missing or null value, like the SQL translator's `IS NULL OR <>`
 *   (an empty array has no values, so it never matches);
 * - a complex value compared without a sub-attribute (`emails co "x"`) is compared by its `value`;
 * - `eq null` holds when the attribute is not present, `ne null` when it is;
 * - values of different types never match, and ordering operators never match booleans.
 */
import type { AttributePath, CompareOperator, FilterNode, FilterValue } from './filter-ast';

export interface EvaluateFilterOptions {
  /** RFC 7643 `caseExact` of a string attribute; strings compare case-insensitively when absent. */
  isCaseExact?(path: AttributePath): boolean;
  /**
   * Compare two strings that both parse as ISO-8601 date-times with a zone chronologically
   * (exact to any fractional precision) instead of as text. Default true.
   */
  compareDates?: boolean;
}

interface EvaluationContext {
  readonly isCaseExact: (path: AttributePath) => boolean;
  readonly compareDates: boolean;
  /** The multi-valued attribute whose element is being evaluated, when inside a value path. */
  readonly parent?: AttributePath;
}

type JsonRecord = Record<string, unknown>;

const CORE_SCHEMA_PREFIX = 'urn:ietf:params:scim:schemas:core:';
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:(Z)|([+-])(\d{2}):?(\d{2}))$/i;
const SECONDS_PER_DAY = 86_400;

export function evaluateFilter(node: FilterNode, resource: Record<string, unknown>, options: EvaluateFilterOptions = {}): boolean {
  const isCaseExact = (path: AttributePath): boolean => options.isCaseExact?.(path) ?? false;
  return evaluateNode(node, resource, { isCaseExact, compareDates: options.compareDates ?? true });
}

function evaluateNode(node: FilterNode, target: JsonRecord, context: EvaluationContext): boolean {
  switch (node.kind) {
    case 'and':
      return evaluateNode(node.left, target, context) && evaluateNode(node.right, target, context);
    case 'or':
      return evaluateNode(node.left, target, context) || evaluateNode(node.right, target, context);
    case 'not':
      return !evaluateNode(node.operand, target, context);
    case 'present':
      return resolveValues(target, node.path).some(isPresent);
    case 'compare':
      return evaluateComparison(node.op, node.value, resolveValues(target, node.path), node.path, context);
    case 'valuePath': {
      const elementContext = { ...context, parent: qualifyPath(node.path, context.parent) };
      return resolveValues(target, node.path).some(
        (element) => isRecord(element) && evaluateNode(node.filter, element, elementContext),
      );
    }
  }
}

function evaluateComparison(
  op: CompareOperator,
  expected: FilterValue,
  values: unknown[],
  path: AttributePath,
  context: EvaluationContext,
): boolean {
  if (expected === null) {
    if (op === 'eq') return !values.some(isPresent);
    if (op === 'ne') return values.some(isPresent);
    return false;
  }
  const caseExact = context.isCaseExact(qualifyPath(path, context.parent));
  return values.some((value) => compareValue(op, isRecord(value) ? getProperty(value, 'value') : value, expected, caseExact, context));
}

function compareValue(
  op: CompareOperator,
  actual: unknown,
  expected: string | number | boolean,
  caseExact: boolean,
  context: EvaluationContext,
): boolean {
  if (actual === undefined || actual === null) return op === 'ne';
  if (typeof expected === 'boolean') {
    if (typeof actual !== 'boolean') return false;
    return (op === 'eq' && actual === expected) || (op === 'ne' && actual !== expected);
  }
  if (typeof expected === 'number') {
    return typeof actual === 'number' && matchesOrder(op, Math.sign(actual - expected));
  }
  if (typeof actual !== 'string') return false;

  const actualText = caseExact ? actual : actual.toLowerCase();
  const expectedText = caseExact ? expected : expected.toLowerCase();
  switch (op) {
    case 'co':
      return actualText.includes(expectedText);
    case 'sw':
      return actualText.startsWith(expectedText);
    case 'ew':
      return actualText.endsWith(expectedText);
    default: {
      const chronological = context.compareDates ? compareDateTimes(actual, expected) : undefined;
      return matchesOrder(op, chronological ?? compareText(actualText, expectedText));
    }
  }
}

/** Whether `order` (negative, zero or positive) satisfies `op`; substring operators never do. */
function matchesOrder(op: CompareOperator, order: number): boolean {
  switch (op) {
    case 'eq':
      return order === 0;
    case 'ne':
      return order !== 0;
    case 'gt':
      return order > 0;
    case 'ge':
      return order >= 0;
    case 'lt':
      return order < 0;
    case 'le':
      return order <= 0;
    default:
      return false;
  }
}

function compareText(left: string, right: string): number {
  if (left === right) return 0;
  return left < right ? -1 : 1;
}

/**
 * Paths inside a value path are relative to one element; callers of `isCaseExact` need the full
 * `emails.value` form to look the attribute up, which exists only one level down.
 */
function qualifyPath(path: AttributePath, parent: AttributePath | undefined): AttributePath {
  if (parent === undefined || parent.subAttribute !== undefined || path.schema !== undefined || path.subAttribute !== undefined) {
    return path;
  }
  return parent.schema === undefined
    ? { attribute: parent.attribute, subAttribute: path.attribute }
    : { schema: parent.schema, attribute: parent.attribute, subAttribute: path.attribute };
}

/** All values at `path`, with multi-valued attributes flattened into their elements; a missing one is `undefined`. */
function resolveValues(target: JsonRecord, path: AttributePath): unknown[] {
  const base = path.schema === undefined ? target : resolveSchemaBase(target, path.schema);
  const values = toList(getProperty(base, path.attribute));
  const { subAttribute } = path;
  return subAttribute === undefined ? values : values.flatMap((value) => toList(getProperty(value, subAttribute)));
}

/** Extension attributes live under their URN key; core attributes are at the top level. */
function resolveSchemaBase(target: JsonRecord, schema: string): unknown {
  const extension = getProperty(target, schema);
  if (extension !== undefined) return extension;
  return schema.toLowerCase().startsWith(CORE_SCHEMA_PREFIX) ? target : undefined;
}

/** Own property by case-insensitive name: never inherited ones such as `constructor`. */
function getProperty(holder: unknown, name: string): unknown {
  if (!isRecord(holder)) return undefined;
  if (Object.hasOwn(holder, name)) return holder[name];
  const lowerName = name.toLowerCase();
  const key = Object.keys(holder).find((candidate) => candidate.toLowerCase() === lowerName);
  return key === undefined ? undefined : holder[key];
}

function toList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

/** RFC 7644 `pr`: a non-empty value, or a complex value with a non-empty sub-attribute. */
function isPresent(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'string') return value.length > 0;
  if (Array.isArray(value)) return value.some(isPresent);
  if (isRecord(value)) return Object.values(value).some(isPresent);
  return true;
}

function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Orders two date-time strings, or undefined when either is not an ISO-8601 date-time with a zone. */
function compareDateTimes(left: string, right: string): number | undefined {
  const a = parseDateTime(left);
  const b = parseDateTime(right);
  if (a === undefined || b === undefined) return undefined;
  if (a.seconds !== b.seconds) return Math.sign(a.seconds - b.seconds);
  // Fractions are compared as digit strings so 7-digit (100 ns) precision is not lost to Date's milliseconds.
  const width = Math.max(a.fraction.length, b.fraction.length);
  return compareText(a.fraction.padEnd(width, '0'), b.fraction.padEnd(width, '0'));
}

function parseDateTime(text: string): { seconds: number; fraction: string } | undefined {
  const match = DATE_TIME.exec(text);
  if (match === null) return undefined;
  const [, year, month, day, hour, minute, second, fraction = '', zulu, sign, offsetHour = '0', offsetMinute = '0'] = match;
  const [y, mo, d, h, mi, s] = [year, month, day, hour, minute, second].map(Number) as [number, number, number, number, number, number];
  const [oh, om] = [Number(offsetHour), Number(offsetMinute)];
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59 || oh > 23 || om > 59) {
    return undefined;
  }
  const offsetSeconds = zulu === undefined ? (sign === '-' ? -1 : 1) * (oh * 3600 + om * 60) : 0;
  const seconds = daysFromCivil(y, mo, d) * SECONDS_PER_DAY + h * 3600 + mi * 60 + s - offsetSeconds;
  return { seconds, fraction };
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days since 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's algorithm; exact for year 1). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}
