/**
 * The tenant's unified identity model: typed fields, built-in and admin-defined, with validators and
 * an optional SCIM exposure (an attribute path under the enterprise extension or the tenant's own
 * extension URN). Mapping rules write these fields; apps read them over GraphQL.
 */
import { isIsoDate, parseDateText } from './date-format';
import { StepBudget } from './evaluate-expression';
import { EvaluationFailure, toText } from './expression-functions';
import { collapseWhitespace, describeValue, foldForMatching, isEmailAddress, isEmptyValue, type DomainValue, type MappingValue } from './mapping-values';
import { checkOptionList, matchOption, type OptionList } from './option-list';
import { compileSafeRegex, testSafeRegex, type SafeRegex } from './safe-regex';
import { ENTERPRISE_USER_URN } from './source-path';

/**
 * text: one line; option: a dropdown bound to an option list; enum: a closed vocabulary kept in the
 * field (appRoles); reference: the id of another user (manager).
 */
export type FieldType = 'text' | 'option' | 'enum' | 'boolean' | 'number' | 'date' | 'reference';

export interface FieldValidators {
  readonly minLength?: number;
  readonly maxLength?: number;
  /** A regular expression (safe-regex.ts syntax) the text must match somewhere; anchor it with ^...$ for the whole text. */
  readonly pattern?: string;
  readonly format?: 'email';
  readonly min?: number;
  readonly max?: number;
  readonly integer?: boolean;
  /** Most values of a multi-valued field. */
  readonly maxItems?: number;
}

export interface DomainField {
  /** Stable identifier (GraphQL name, mapping target); never changes once values are stored. */
  readonly key: string;
  readonly label: string;
  readonly type: FieldType;
  readonly builtIn?: boolean;
  readonly multiValued?: boolean;
  readonly required?: boolean;
  /** For `option` fields: the key of their option list. */
  readonly optionList?: string;
  /** For `enum` fields: the allowed values, in the tenant's spelling. */
  readonly values?: readonly string[];
  readonly validators?: FieldValidators;
  /**
   * Where the field appears in SCIM (`/Schemas`, filters): a full URN-qualified attribute path. A
   * custom field without one is exposed as `<customSchemaUrn>:<key>` (scimPathOf).
   */
  readonly scim?: { readonly path: string };
  readonly description?: string;
}

export interface DomainSchema {
  /** The tenant's SCIM extension, e.g. `urn:ietf:params:scim:schemas:extension:acme:2.0:User`. */
  readonly customSchemaUrn: string;
  readonly fields: readonly DomainField[];
}

export interface SchemaIssue {
  readonly field?: string;
  readonly message: string;
}

export const FIELD_TYPES: readonly FieldType[] = ['text', 'option', 'enum', 'boolean', 'number', 'date', 'reference'];

/** Longest text a text, option or reference field holds unless its validators say otherwise. */
export const DEFAULT_MAX_TEXT_LENGTH = 2_048;
/** Most values a multi-valued field holds unless its validators say otherwise. */
export const DEFAULT_MAX_ITEMS = 100;
/** Most fields in a schema. */
export const MAX_FIELDS = 200;

/** The built-in fields and the type each must keep (admins may relabel them, add validators or change enum values). */
export const BUILT_IN_FIELDS: Readonly<Record<string, { readonly type: FieldType; readonly multiValued?: boolean }>> = {
  email: { type: 'text' },
  externalId: { type: 'text' },
  givenName: { type: 'text' },
  familyName: { type: 'text' },
  displayName: { type: 'text' },
  active: { type: 'boolean' },
  userType: { type: 'text' },
  title: { type: 'text' },
  department: { type: 'option' },
  division: { type: 'text' },
  organization: { type: 'text' },
  costCenter: { type: 'text' },
  employeeNumber: { type: 'text' },
  manager: { type: 'reference' },
  businessUnit: { type: 'option' },
  region: { type: 'option' },
  appRoles: { type: 'enum', multiValued: true },
};

const FIELD_KEY = /^[a-z][A-Za-z0-9]{0,63}$/;
const SCIM_ATTRIBUTE = /^[A-Za-z][A-Za-z0-9_-]*(?:\.[A-Za-z][A-Za-z0-9_-]*)?$/;
const PATTERN_STEPS = 200_000;

export function findField(schema: DomainSchema, key: string): DomainField | undefined {
  return schema.fields.find((field) => field.key === key);
}

/**
 * The SCIM attribute path of a field: the one it names, else, for a custom field, its key under the
 * tenant's extension, so an IdP can send every custom field; built-in fields without one are not exposed.
 */
export function scimPathOf(schema: DomainSchema, field: DomainField): string | undefined {
  if (field.scim !== undefined) return field.scim.path;
  return BUILT_IN_FIELDS[field.key] === undefined ? `${schema.customSchemaUrn}:${field.key}` : undefined;
}

/** How messages name a field: `Field 'key' (Label)`. */
export function describeField(field: DomainField): string {
  return field.label !== '' && field.label !== field.key ? `Field '${field.key}' (${field.label})` : `Field '${field.key}'`;
}

/** Compiled validator patterns, once per field object. */
const patterns = new WeakMap<DomainField, SafeRegex | string>();

function patternOf(field: DomainField): SafeRegex | string | undefined {
  const source = field.validators?.pattern;
  if (source === undefined) return undefined;
  let compiled = patterns.get(field);
  if (compiled === undefined) {
    const result = compileSafeRegex(source);
    compiled = result.ok ? result.regex : `invalid pattern: ${result.message}`;
    patterns.set(field, compiled);
  }
  return compiled;
}

export type CoercedValue = { readonly ok: true; readonly value: DomainValue } | { readonly ok: false; readonly message: string };

/**
 * Converts what a rule produced to the field's type: text from numbers, numbers and booleans from
 * text ("42", "yes"), ISO dates normalised, enum values in the vocabulary's spelling, a list of one
 * for a single value. Empty results become null. Option values are resolved by the caller (they may
 * add to a list) and pass through as text here.
 */
export function coerceFieldValue(field: DomainField, value: MappingValue): CoercedValue {
  const elements = (Array.isArray(value) ? value : [value]).filter((element) => !isEmptyValue(element));
  if (elements.length === 0) return { ok: true, value: null };
  const converted: (string | number | boolean)[] = [];
  for (const element of elements) {
    const scalar = coerceScalar(field, element);
    if (typeof scalar === 'object') return { ok: false, message: `${describeField(field)}: ${scalar.problem}` };
    if (!converted.includes(scalar)) converted.push(scalar);
  }
  if (field.multiValued) return { ok: true, value: converted };
  if (converted.length > 1) {
    return {
      ok: false,
      message: `${describeField(field)} takes one value, but the rule produced ${converted.length} (${describeValue(converted)}); pick one with first(...) or a filter`,
    };
  }
  return { ok: true, value: converted[0] };
}

function coerceScalar(field: DomainField, value: MappingValue): string | number | boolean | { problem: string } {
  switch (field.type) {
    case 'number': {
      const number = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value.trim()) : NaN;
      return Number.isFinite(number) ? number : { problem: `${describeValue(value)} is not a number` };
    }
    case 'boolean': {
      if (typeof value === 'boolean') return value;
      const word = typeof value === 'string' ? value.trim().toLowerCase() : '';
      if (word === 'true') return true;
      if (word === 'false') return false;
      return { problem: `${describeValue(value)} is not true or false` };
    }
    case 'date': {
      const iso = typeof value === 'string' ? parseDateText(value) : null;
      return iso ?? { problem: `${describeValue(value)} is not an ISO 8601 date (YYYY-MM-DD or a date-time)` };
    }
    case 'enum': {
      const text = toText(value);
      if (text === null) return { problem: `${describeValue(value)} is not text` };
      const canonical = (field.values ?? []).find((allowed) => foldForMatching(allowed) === foldForMatching(text));
      return canonical ?? { problem: `"${text}" is not one of ${(field.values ?? []).join(', ')}` };
    }
    default: {
      const text = toText(value);
      if (text === null || (typeof value === 'boolean' && field.type !== 'text')) return { problem: `${describeValue(value)} is not text` };
      return text;
    }
  }
}

/**
 * Why `value` is not valid for `field` (a message naming the field), or undefined when it is.
 * With `optionLists`, option values must be in their list.
 */
export function validateFieldValue(field: DomainField, value: DomainValue, optionLists?: readonly OptionList[]): string | undefined {
  const name = describeField(field);
  if (isEmptyValue(value)) return field.required ? `${name} is required` : undefined;
  const validators = field.validators ?? {};
  if (Array.isArray(value) !== (field.multiValued === true)) {
    return field.multiValued ? `${name} takes a list of values` : `${name} takes one value, not a list`;
  }
  const elements: readonly (string | number | boolean)[] = Array.isArray(value) ? value : [value as string | number | boolean];
  const maxItems = validators.maxItems ?? DEFAULT_MAX_ITEMS;
  if (elements.length > maxItems) return `${name} takes at most ${maxItems} values, got ${elements.length}`;
  for (const element of elements) {
    const problem = validateScalar(field, element, optionLists);
    if (problem !== undefined) return `${name}: ${problem}`;
  }
  return undefined;
}

function validateScalar(field: DomainField, value: string | number | boolean, optionLists: readonly OptionList[] | undefined): string | undefined {
  const validators = field.validators ?? {};
  switch (field.type) {
    case 'boolean':
      return typeof value === 'boolean' ? undefined : `${describeValue(value)} is not true or false`;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return `${describeValue(value)} is not a number`;
      if (validators.integer && !Number.isInteger(value)) return `${value} is not a whole number`;
      if (validators.min !== undefined && value < validators.min) return `${value} is less than the minimum ${validators.min}`;
      if (validators.max !== undefined && value > validators.max) return `${value} is more than the maximum ${validators.max}`;
      return undefined;
    case 'date':
      return typeof value === 'string' && isIsoDate(value) ? undefined : `${describeValue(value)} is not an ISO 8601 date`;
    default:
      return typeof value === 'string' ? validateText(field, value, optionLists) : `${describeValue(value)} is not text`;
  }
}

function validateText(field: DomainField, value: string, optionLists: readonly OptionList[] | undefined): string | undefined {
  const validators = field.validators ?? {};
  const length = Array.from(value).length;
  const maxLength = validators.maxLength ?? DEFAULT_MAX_TEXT_LENGTH;
  if (value.includes('\n') || value.includes('\r')) return `${describeValue(value)} spans several lines; the field holds one line`;
  if (validators.minLength !== undefined && length < validators.minLength) return `${describeValue(value)} is shorter than ${validators.minLength} characters`;
  if (length > maxLength) return `${describeValue(value)} is longer than ${maxLength} characters`;
  if (validators.format === 'email' && !isEmailAddress(value)) return `${describeValue(value)} is not an email address`;
  const pattern = patternOf(field);
  if (typeof pattern === 'string') return pattern;
  if (pattern !== undefined) {
    const budget = new StepBudget(PATTERN_STEPS);
    try {
      if (!testSafeRegex(pattern, value, budget)) return `${describeValue(value)} does not match the pattern ${validators.pattern}`;
    } catch (error) {
      if (error instanceof EvaluationFailure) return `the pattern ${validators.pattern} needs more than ${PATTERN_STEPS} steps for ${describeValue(value)}`;
      throw error;
    }
  }
  if (field.type === 'enum' && !(field.values ?? []).includes(value)) return `"${value}" is not one of ${(field.values ?? []).join(', ')}`;
  if (field.type === 'option' && optionLists !== undefined) {
    const list = optionLists.find((candidate) => candidate.key === field.optionList);
    if (list !== undefined && matchOption(list, value) !== value) return `"${value}" is not a value of option list '${list.key}'`;
  }
  return undefined;
}

/**
 * Problems with a schema definition: key syntax and uniqueness, built-in fields keeping their type,
 * option fields bound to an existing list, enum vocabularies, validators that fit the type, patterns
 * that compile, SCIM paths under the enterprise or the tenant's extension, each used once.
 */
export function checkDomainSchema(schema: DomainSchema, optionLists: readonly OptionList[]): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  const add = (field: string | undefined, message: string): void => void issues.push(field === undefined ? { message } : { field, message });
  if (!/^urn:[A-Za-z0-9][A-Za-z0-9-]*(?::[^:\s]+)+$/.test(schema.customSchemaUrn)) {
    add(undefined, `customSchemaUrn '${schema.customSchemaUrn}' is not a URN such as urn:ietf:params:scim:schemas:extension:acme:2.0:User`);
  }
  if (schema.fields.length > MAX_FIELDS) add(undefined, `a schema holds at most ${MAX_FIELDS} fields, this one has ${schema.fields.length}`);
  for (const list of optionLists) for (const problem of checkOptionList(list)) add(undefined, problem);

  const keys = new Map<string, string>();
  const scimPaths = new Map<string, string>();
  for (const field of schema.fields) {
    const key = field.key;
    if (!FIELD_KEY.test(key)) add(key, `field key '${key}' must start with a lower-case letter and hold only letters and digits (at most 64)`);
    const sameKey = keys.get(key.toLowerCase());
    if (sameKey !== undefined) add(key, `field key '${key}' is already used by '${sameKey}' (keys are unique ignoring case)`);
    keys.set(key.toLowerCase(), key);
    if (collapseWhitespace(field.label) === '') add(key, `field '${key}' needs a label`);
    if (!FIELD_TYPES.includes(field.type)) add(key, `field '${key}' has unknown type '${String(field.type)}' (one of ${FIELD_TYPES.join(', ')})`);

    const builtIn = BUILT_IN_FIELDS[key];
    if (builtIn !== undefined && (builtIn.type !== field.type || (builtIn.multiValued ?? false) !== (field.multiValued ?? false))) {
      add(key, `built-in field '${key}' must stay ${builtIn.multiValued ? 'a multi-valued ' : ''}${builtIn.type} field`);
    }
    if (field.builtIn && builtIn === undefined) add(key, `'${key}' is not a built-in field`);
    if (field.multiValued && field.type === 'boolean') add(key, `field '${key}': a boolean field cannot be multi-valued`);
    checkFieldKind(field, optionLists, (message) => add(key, message));
    checkValidators(field, (message) => add(key, message));

    const path = scimPathOf(schema, field);
    if (path !== undefined) {
      const problem = checkScimPath(path, schema.customSchemaUrn);
      if (problem !== undefined) add(key, `field '${key}': ${problem}`);
      const owner = scimPaths.get(path.toLowerCase());
      if (owner !== undefined) add(key, `field '${key}': SCIM path ${path} is already used by '${owner}'`);
      scimPaths.set(path.toLowerCase(), key);
    }
  }
  return issues;
}

function checkFieldKind(field: DomainField, optionLists: readonly OptionList[], report: (message: string) => void): void {
  if (field.type === 'option') {
    if (field.optionList === undefined) report(`option field '${field.key}' needs an optionList`);
    else if (!optionLists.some((list) => list.key === field.optionList)) report(`option field '${field.key}': there is no option list '${field.optionList}'`);
  } else if (field.optionList !== undefined) report(`field '${field.key}': only option fields take an optionList`);
  if (field.type === 'enum') {
    const values = field.values ?? [];
    if (values.length === 0) report(`enum field '${field.key}' needs its values`);
    const folded = values.map(foldForMatching);
    if (new Set(folded).size !== folded.length) report(`enum field '${field.key}' repeats a value (values are unique ignoring case)`);
  } else if (field.values !== undefined) report(`field '${field.key}': only enum fields take values`);
}

function checkValidators(field: DomainField, report: (message: string) => void): void {
  const validators = field.validators ?? {};
  const textual = field.type === 'text' || field.type === 'option' || field.type === 'enum' || field.type === 'reference';
  if (!textual && (validators.minLength !== undefined || validators.maxLength !== undefined || validators.pattern !== undefined || validators.format !== undefined)) {
    report(`field '${field.key}': length, pattern and format validators apply to text fields only`);
  }
  if (field.type !== 'number' && (validators.min !== undefined || validators.max !== undefined || validators.integer !== undefined)) {
    report(`field '${field.key}': min, max and integer validators apply to number fields only`);
  }
  if (validators.maxItems !== undefined && !field.multiValued) report(`field '${field.key}': maxItems applies to multi-valued fields only`);
  if (validators.minLength !== undefined && validators.maxLength !== undefined && validators.minLength > validators.maxLength) {
    report(`field '${field.key}': minLength is greater than maxLength`);
  }
  if (validators.min !== undefined && validators.max !== undefined && validators.min > validators.max) report(`field '${field.key}': min is greater than max`);
  const pattern = patternOf(field);
  if (typeof pattern === 'string') report(`field '${field.key}': ${pattern}`);
}

function checkScimPath(path: string, customSchemaUrn: string): string | undefined {
  for (const urn of [ENTERPRISE_USER_URN, customSchemaUrn]) {
    if (path.toLowerCase().startsWith(`${urn.toLowerCase()}:`)) {
      const attribute = path.slice(urn.length + 1);
      return SCIM_ATTRIBUTE.test(attribute) ? undefined : `'${attribute}' is not a SCIM attribute name`;
    }
  }
  return `SCIM path ${path} must be under ${ENTERPRISE_USER_URN} or the tenant's extension ${customSchemaUrn}`;
}
