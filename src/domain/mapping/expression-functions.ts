/**
 * The function library of the expression language: a superset of what Entra and Okta admins use for
 * the common cases (see ../shared/design/mapping.md). Every function is total: absent input gives
 * null (or false / 0 for predicates and counts), wrong types are converted or give null, nothing
 * throws except the evaluation limits and an option list that rejects a value.
 *
 * Conventions admins can rely on:
 * - text functions apply to each element when given a list (`lower(src.emails.value)`);
 * - positions are 1-based, as in Entra (`mid`, `word`, `item`);
 * - tests on text ignore case (`contains`, `startsWith`, `switch`, `map`, `memberOf`), edits do not
 *   (`replace`, `substringBefore`);
 * - regular expressions are literals (`/.../i` or a string), checked when the mapping is compiled and
 *   matched in linear time (safe-regex.ts).
 */
import { formatDateText, parseDateText } from './date-format';
import type { StaticType } from './expression-ast';
import {
  closestName,
  collapseWhitespace,
  foldForMatching,
  isEmailAddress,
  isEmptyValue,
  isTable,
  readProperty,
  sameValue,
  type MappingValue,
} from './mapping-values';
import { execSafeRegex, replaceSafeRegex, testSafeRegex, type SafeRegex, type StepMeter } from './safe-regex';
import { parseSourcePath, readSourcePath, type SourcePath } from './source-path';

/** Longest text a regular expression is run on, in characters. */
export const MAX_REGEX_INPUT_LENGTH = 1_024;

/** Raised by a function or the evaluator for a limit or a rejected value; the rule reports it as an error. */
export class EvaluationFailure extends Error {
  constructor(
    message: string,
    readonly offset?: number,
  ) {
    super(message);
  }
}

/** A group the user belongs to, as the IdP keys it. */
export interface MappingGroup {
  readonly id: string;
  readonly externalId: string | null;
  readonly displayName: string;
}

export interface EvaluationScope {
  /** The raw SCIM resource. */
  readonly raw: MappingValue;
  /** What `value` means: the value flowing through the pipe. */
  readonly value: MappingValue;
  readonly groups: readonly MappingGroup[];
  readonly schemaUrns: readonly string[];
  readonly meter: StepMeter;
  /** The canonical option for `text` in list `listKey`; null under keepNull; throws EvaluationFailure under reject. */
  resolveOption(listKey: string, text: string): string | null;
}

export interface CallArguments {
  readonly count: number;
  /** The evaluated argument (evaluated once, on first use); null when not given. */
  value(index: number): MappingValue;
  /** The compiled regular expression literal at `index` (the checker guarantees there is one). */
  regex(index: number): SafeRegex;
  /** Whether argument `index` is a regular expression literal. */
  isRegex(index: number): boolean;
}

/**
 * How the checker treats an argument: `text`, `number`, `boolean`, `list` and `any` are runtime values
 * of that type; the others must be literals so they are validated once, at compile time.
 */
export type ParamKind =
  | 'any'
  | 'text'
  | 'number'
  | 'boolean'
  | 'list'
  | 'regex'
  | 'textOrRegex'
  | 'table'
  | 'optionList'
  | 'matchMode'
  | 'dateFormat'
  | 'template';

export interface FunctionParam {
  readonly name: string;
  readonly kind: ParamKind;
  readonly optional?: boolean;
}

export interface FunctionSpec {
  readonly name: string;
  readonly params: readonly FunctionParam[];
  /** Repeated after `params` (variadic functions). */
  readonly rest?: FunctionParam;
  readonly returns: StaticType;
  /** Applied to each element when the first argument is a list; the result is then a list. */
  readonly elementwise?: boolean;
  readonly summary: string;
  /** Indexes of the arguments whose types make up the result type (functions that pass a value through). */
  readonly resultFrom?: (argumentCount: number) => readonly number[];
  /**
   * How a pipe step calls the function: with the flowing value as the first argument (the default),
   * with the step's arguments only (`{ template: "{value}@acme.com" }`), or not at all.
   */
  readonly pipe?: 'valueFirst' | 'argumentsOnly' | 'never';
  /** A rule on the number of arguments beyond minimum and maximum; returns the problem. */
  readonly checkArity?: (argumentCount: number) => string | undefined;
  readonly evaluate: (args: CallArguments, scope: EvaluationScope) => MappingValue;
}

// ---------------------------------------------------------------------------------------------
// Conversions

/** Text form of a scalar; a SCIM complex value gives its `value`; a list or nothing gives null. */
export function toText(value: MappingValue): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (isTable(value)) {
    const inner = readProperty(value, 'value');
    return inner === null || isTable(inner) || Array.isArray(inner) ? null : toText(inner);
  }
  return null;
}

function toNumberValue(value: MappingValue): number | null {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  if (!/^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/.test(trimmed)) return null;
  const number = Number(trimmed);
  return Number.isFinite(number) ? number : null;
}

function toIntValue(value: MappingValue): number | null {
  const number = toNumberValue(value);
  if (number === null) return null;
  const integer = Math.trunc(number);
  return Number.isSafeInteger(integer) ? integer : null;
}

const TRUE_WORDS = new Set(['true', '1', 'yes', 'y', 'on']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'n', 'off']);

function toBoolValue(value: MappingValue): boolean | null {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (typeof value !== 'string') return null;
  const word = value.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  return null;
}

function toList(value: MappingValue): readonly MappingValue[] {
  if (value === null) return [];
  return Array.isArray(value) ? value : [value];
}

function textsOf(value: MappingValue): string[] {
  return toList(value)
    .map(toText)
    .filter((text): text is string => text !== null && text !== '');
}

function integerArgument(args: CallArguments, index: number): number | null {
  return toIntValue(args.value(index));
}

function checkRegexInput(text: string): void {
  if (text.length > MAX_REGEX_INPUT_LENGTH) {
    throw new EvaluationFailure(`the text is longer than ${MAX_REGEX_INPUT_LENGTH} characters, the limit for regular expressions`);
  }
}

// ---------------------------------------------------------------------------------------------
// Text helpers

const DIACRITIC_FREE: Readonly<Record<string, string>> = {
  ß: 'ss',
  ẞ: 'SS',
  æ: 'ae',
  Æ: 'AE',
  œ: 'oe',
  Œ: 'OE',
  ø: 'o',
  Ø: 'O',
  ł: 'l',
  Ł: 'L',
  đ: 'd',
  Đ: 'D',
  ð: 'd',
  Ð: 'D',
  þ: 'th',
  Þ: 'Th',
  ı: 'i',
};

function removeDiacritics(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[ßẞæÆœŒøØłŁđĐðÐþÞı]/g, (char) => DIACRITIC_FREE[char] ?? char);
}

const TITLE_SEPARATORS = "-'";

/** Capitalises the first letter of each word: one regex pass, not a per-character loop. */
function titleCase(text: string, separators: string): string {
  const word = new RegExp(`[^\\s${escapeForClass(separators)}]+`, 'gu');
  return text.replace(word, (match) => {
    const first = String.fromCodePoint(match.codePointAt(0) as number);
    return first.toUpperCase() + match.slice(first.length).toLowerCase();
  });
}

const WORD_DELIMITERS = ' \t\n\r,;';

function wordAt(text: string, position: number, delimiters: string): string | null {
  if (delimiters === '') return position === 1 && text !== '' ? text : null;
  const words = text.split(new RegExp(`[${escapeForClass(delimiters)}]+`, 'u')).filter((word) => word !== '');
  return position >= 1 && position <= words.length ? words[position - 1] : null;
}

/** Admin-given characters as members of a RegExp character class (each as a \u{...} escape). */
function escapeForClass(characters: string): string {
  return Array.from(characters, (char) => `\\u{${(char.codePointAt(0) as number).toString(16)}}`).join('');
}

function codePoints(text: string): string[] {
  return Array.from(text);
}

interface TemplatePart {
  readonly text?: string;
  readonly placeholder?: string;
}

/** Splits `{name}` placeholders out of a template; `{{` and `}}` are literal braces. */
export function splitTemplate(template: string): TemplatePart[] | { error: string; offset: number } {
  const parts: TemplatePart[] = [];
  let text = '';
  for (let i = 0; i < template.length; i++) {
    const char = template[i];
    if ((char === '{' || char === '}') && template[i + 1] === char) {
      text += char;
      i++;
    } else if (char === '{') {
      const close = template.indexOf('}', i + 1);
      if (close < 0) return { error: "unclosed '{' in template (write {{ for a literal brace)", offset: i };
      const name = template.slice(i + 1, close).trim();
      if (name === '') return { error: 'empty placeholder {} in template', offset: i };
      if (text !== '') parts.push({ text });
      text = '';
      parts.push({ placeholder: name });
      i = close;
    } else if (char === '}') {
      return { error: "unmatched '}' in template (write }} for a literal brace)", offset: i };
    } else text += char;
  }
  if (text !== '') parts.push({ text });
  return parts;
}

/** A template placeholder names `value`, or a source path (parsed with the tenant's URNs). */
export function parseTemplatePlaceholder(name: string, schemaUrns: readonly string[]): SourcePath | 'value' | { error: string } {
  if (name === 'value') return 'value';
  const parsed = parseSourcePath(name, schemaUrns);
  return parsed.ok ? parsed.path : { error: `placeholder {${name}} is not a source path: ${parsed.message}` };
}

function renderTemplate(args: CallArguments, scope: EvaluationScope): MappingValue {
  const template = toText(args.value(0));
  if (template === null) return null;
  const parts = splitTemplate(template);
  if (!Array.isArray(parts)) return null;
  const table = args.count > 1 ? args.value(1) : null;
  let result = '';
  for (const part of parts) {
    if (part.placeholder === undefined) {
      result += part.text;
      continue;
    }
    let value: MappingValue;
    if (isTable(table)) value = readProperty(table, part.placeholder);
    else {
      const reference = parseTemplatePlaceholder(part.placeholder, scope.schemaUrns);
      if (reference === 'value') value = scope.value;
      else if ('error' in reference) return null;
      else value = readSourcePath(scope.raw, reference.segments);
    }
    // A missing part makes the whole result absent, so `coalesce` can fall back (no "jane.@acme.com").
    const text = textsOf(value)[0];
    if (text === undefined) return null;
    result += text;
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Lookup helpers

function lookupPairs(args: CallArguments, key: string, matches: (key: string, candidate: string) => boolean): MappingValue {
  for (let index = 2; index + 1 < args.count; index += 2) {
    const candidate = toText(args.value(index));
    if (candidate !== null && matches(key, candidate)) return args.value(index + 1);
  }
  return args.value(1);
}

function mapThroughTable(args: CallArguments): MappingValue {
  const fallback = args.count > 2 ? args.value(2) : null;
  const key = toText(args.value(0));
  const table = args.value(1);
  if (key === null || !isTable(table)) return fallback;
  const exact = toText(args.value(3)) === 'exact';
  const wanted = exact ? key : foldForMatching(key);
  const entry = Object.keys(table).find((candidate) => (exact ? candidate : foldForMatching(candidate)) === wanted);
  return entry === undefined ? fallback : table[entry];
}

function groupMatches(reference: string | SafeRegex, group: MappingGroup, meter: StepMeter): boolean {
  if (typeof reference !== 'string') {
    return group.displayName.length <= MAX_REGEX_INPUT_LENGTH && testSafeRegex(reference, group.displayName, meter);
  }
  return group.id === reference || group.externalId === reference || foldForMatching(group.displayName) === foldForMatching(reference);
}

function sameIgnoringCase(left: MappingValue, right: MappingValue): boolean {
  if (isEmptyValue(left) && isEmptyValue(right)) return true;
  const leftText = toText(left);
  const rightText = toText(right);
  if (leftText !== null && rightText !== null && !Array.isArray(left) && !Array.isArray(right)) {
    return foldForMatching(leftText) === foldForMatching(rightText);
  }
  return sameValue(left, right);
}

// ---------------------------------------------------------------------------------------------
// The library

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(to - from, 0) }, (_, index) => from + index);
}

/** The default and every result of switch(value, default, key, result, ...). */
function switchResults(count: number): number[] {
  return [1, ...range(2, count).filter((index) => index % 2 === 1)];
}

function checkSwitchArity(count: number): string | undefined {
  return count % 2 === 0 ? undefined : 'needs a result for every key: switch(value, default, key1, result1, key2, result2, ...)';
}

const value = (name = 'value'): FunctionParam => ({ name, kind: 'any' });
const text = (name: string, optional = false): FunctionParam => ({ name, kind: 'text', optional });
const number = (name: string, optional = false): FunctionParam => ({ name, kind: 'number', optional });

/** A text function: null-safe, applied to each element of a list. */
function textFunction(
  name: string,
  summary: string,
  params: readonly FunctionParam[],
  returns: StaticType,
  apply: (input: string, args: CallArguments, scope: EvaluationScope) => MappingValue,
): FunctionSpec {
  return {
    name,
    params: [text('text'), ...params],
    returns,
    elementwise: true,
    summary,
    evaluate: (args, scope) => {
      const input = toText(args.value(0));
      return input === null ? null : apply(input, args, scope);
    },
  };
}

/** A predicate on text: true when the text (or any element of a list) passes. */
function textTest(name: string, summary: string, params: readonly FunctionParam[], test: (input: string, args: CallArguments, scope: EvaluationScope) => boolean): FunctionSpec {
  return {
    name,
    params: [text('text'), ...params],
    returns: 'boolean',
    summary,
    evaluate: (args, scope) => textsOf(args.value(0)).some((input) => test(input, args, scope)),
  };
}

const FUNCTIONS: readonly FunctionSpec[] = [
  // Flow and null handling
  {
    name: 'coalesce',
    params: [value('first')],
    rest: value('next'),
    returns: 'any',
    summary: 'The first argument that is not empty (null, "" or []); later arguments are not evaluated.',
    resultFrom: (count) => range(0, count),
    evaluate: (args) => {
      for (let index = 0; index < args.count; index++) {
        const candidate = args.value(index);
        if (!isEmptyValue(candidate)) return candidate;
      }
      return null;
    },
  },
  {
    name: 'default',
    params: [value(), value('fallback')],
    returns: 'any',
    summary: 'value when it is not empty, otherwise fallback.',
    resultFrom: () => [0, 1],
    evaluate: (args) => (isEmptyValue(args.value(0)) ? args.value(1) : args.value(0)),
  },
  {
    name: 'if',
    params: [{ name: 'condition', kind: 'boolean' }, value('then'), { name: 'else', kind: 'any', optional: true }],
    returns: 'any',
    summary: 'then when condition is true, otherwise else (or null). A null condition counts as false; only the chosen branch is evaluated.',
    pipe: 'never',
    resultFrom: (count) => range(1, count),
    evaluate: (args) => (args.value(0) === true ? args.value(1) : args.count > 2 ? args.value(2) : null),
  },
  {
    name: 'isEmpty',
    params: [value()],
    returns: 'boolean',
    summary: 'True for null, "", [] or a list of empty values.',
    evaluate: (args) => isEmptyValue(args.value(0)),
  },
  {
    name: 'isPresent',
    params: [value()],
    returns: 'boolean',
    summary: 'The opposite of isEmpty.',
    evaluate: (args) => !isEmptyValue(args.value(0)),
  },
  {
    name: 'isNull',
    params: [value()],
    returns: 'boolean',
    summary: 'True only when the value is absent (null); "" is not null.',
    evaluate: (args) => args.value(0) === null,
  },
  {
    name: 'isEmail',
    params: [value()],
    returns: 'boolean',
    summary: 'True when the text looks like an email address (one @, a dotted domain, no spaces).',
    evaluate: (args) => {
      const input = toText(args.value(0));
      return input !== null && isEmailAddress(input.trim());
    },
  },
  {
    name: 'equalsIgnoreCase',
    params: [value('left'), value('right')],
    returns: 'boolean',
    summary: 'Equality ignoring case and surrounding or repeated spaces; two empty values are equal.',
    evaluate: (args) => sameIgnoringCase(args.value(0), args.value(1)),
  },

  // Lookup
  {
    name: 'switch',
    params: [value(), value('default'), value('key'), value('result')],
    rest: value('key, result'),
    returns: 'any',
    elementwise: true,
    summary: 'switch(value, default, key1, result1, key2, result2, ...): the result of the first key equal to value ignoring case (Entra Switch, but case-insensitive); default otherwise.',
    resultFrom: switchResults,
    checkArity: checkSwitchArity,
    evaluate: (args) => {
      const key = toText(args.value(0));
      return key === null ? args.value(1) : lookupPairs(args, key, (wanted, candidate) => foldForMatching(wanted) === foldForMatching(candidate));
    },
  },
  {
    name: 'containsSwitch',
    params: [value(), value('default'), value('key'), value('result')],
    rest: value('key, result'),
    returns: 'any',
    elementwise: true,
    summary: 'Like switch, but a key matches when value contains it (ignoring case), first key first (Okta stringSwitch).',
    resultFrom: switchResults,
    checkArity: checkSwitchArity,
    evaluate: (args) => {
      const key = toText(args.value(0));
      return key === null
        ? args.value(1)
        : lookupPairs(args, key, (wanted, candidate) => candidate !== '' && foldForMatching(wanted).includes(foldForMatching(candidate)));
    },
  },
  {
    name: 'map',
    params: [value(), { name: 'table', kind: 'table' }, { name: 'default', kind: 'any', optional: true }, { name: 'match', kind: 'matchMode', optional: true }],
    returns: 'any',
    elementwise: true,
    resultFrom: (count) => (count > 2 ? [1, 2] : [1]),
    summary: 'map(value, {key: result, ...}, default, "caseInsensitive" | "exact"): the table entry for value (keys ignore case and spacing unless "exact"); default (or null) otherwise, also for an empty value.',
    evaluate: (args) => mapThroughTable(args),
  },
  {
    name: 'optionList',
    params: [text('text'), { name: 'list', kind: 'optionList' }],
    returns: 'string',
    elementwise: true,
    summary: "optionList(value, \"list\"): the list's canonical spelling of value (case, spacing and aliases ignored); an unknown value follows the list's policy (add it, reject, null, or map to a fixed value).",
    evaluate: (args, scope) => {
      const input = toText(args.value(0));
      const list = toText(args.value(1));
      return input === null || list === null || collapseWhitespace(input) === '' ? null : scope.resolveOption(list, input);
    },
  },

  // Text
  textFunction('lower', 'Lower case.', [], 'string', (input) => input.toLowerCase()),
  textFunction('upper', 'Upper case.', [], 'string', (input) => input.toUpperCase()),
  textFunction('trim', 'Without leading and trailing whitespace.', [], 'string', (input) => input.trim()),
  textFunction('collapseWhitespace', 'Trimmed, with every run of whitespace made one space.', [], 'string', (input) => collapseWhitespace(input)),
  textFunction('stripSpaces', 'Without any whitespace.', [], 'string', (input) => input.replace(/\s+/g, '')),
  textFunction(
    'title',
    `Each word capitalised, the rest lower case (Entra PCase). Words start after whitespace and after the characters in separators (default ${TITLE_SEPARATORS}).`,
    [text('separators', true)],
    'string',
    (input, args) => titleCase(input, args.count > 1 ? (toText(args.value(1)) ?? '') : TITLE_SEPARATORS),
  ),
  textFunction('normalizeDiacritics', 'Accents removed and letters such as ß, æ, ø, ł spelled in ASCII.', [], 'string', (input) => removeDiacritics(input)),
  textFunction('slug', 'Lower-case ASCII words joined by "-" ("Zoë Müller" -> "zoe-muller").', [], 'string', (input) =>
    removeDiacritics(input)
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, ''),
  ),
  textFunction('len', 'Number of characters.', [], 'number', (input) => codePoints(input).length),
  textFunction('left', 'The first n characters.', [number('n')], 'string', (input, args) => {
    const count = integerArgument(args, 1);
    return count === null ? null : codePoints(input).slice(0, Math.max(count, 0)).join('');
  }),
  textFunction('right', 'The last n characters.', [number('n')], 'string', (input, args) => {
    const count = integerArgument(args, 1);
    if (count === null) return null;
    const characters = codePoints(input);
    return characters.slice(Math.max(characters.length - Math.max(count, 0), 0)).join('');
  }),
  textFunction('mid', 'mid(text, start, length): length characters from position start (1-based, as Entra Mid); to the end without length.', [number('start'), number('length', true)], 'string', (input, args) => {
    const start = integerArgument(args, 1);
    const length = args.count > 2 ? integerArgument(args, 2) : Number.MAX_SAFE_INTEGER;
    if (start === null || length === null) return null;
    const from = Math.max(start, 1) - 1;
    return codePoints(input)
      .slice(from, from + Math.max(length, 0))
      .join('');
  }),
  textFunction(
    'word',
    `word(text, n, delimiters): the n-th word (1-based) split at any of the delimiter characters (default space, tab, newline, comma, semicolon).`,
    [number('n'), text('delimiters', true)],
    'string',
    (input, args) => {
      const position = integerArgument(args, 1);
      return position === null ? null : wordAt(input, position, args.count > 2 ? (toText(args.value(2)) ?? WORD_DELIMITERS) : WORD_DELIMITERS);
    },
  ),
  textFunction('substringBefore', 'The text before the first separator (all of it when the separator is absent). Case-sensitive.', [text('separator')], 'string', (input, args) => {
    const separator = toText(args.value(1)) ?? '';
    const index = input.indexOf(separator);
    return index < 0 ? input : input.slice(0, index);
  }),
  textFunction('substringAfter', 'The text after the first separator (null when it is absent). Case-sensitive.', [text('separator')], 'string', (input, args) => {
    const separator = toText(args.value(1)) ?? '';
    const index = input.indexOf(separator);
    return index < 0 ? null : input.slice(index + separator.length);
  }),
  textFunction('append', 'The text followed by suffix (null stays null).', [text('suffix')], 'string', (input, args) => input + (toText(args.value(1)) ?? '')),
  textFunction('prepend', 'prefix followed by the text (null stays null).', [text('prefix')], 'string', (input, args) => (toText(args.value(1)) ?? '') + input),
  textFunction('replace', 'Every occurrence of find (literal, case-sensitive) replaced.', [text('find'), text('replacement')], 'string', (input, args) => {
    const find = toText(args.value(1)) ?? '';
    return find === '' ? input : input.split(find).join(toText(args.value(2)) ?? '');
  }),
  textFunction(
    'regexReplace',
    'Every match of the pattern replaced; the replacement may use $1, $<name>, $& and $$.',
    [{ name: 'pattern', kind: 'regex' }, text('replacement')],
    'string',
    (input, args, scope) => {
      checkRegexInput(input);
      return replaceSafeRegex(args.regex(1), input, toText(args.value(2)) ?? '', scope.meter);
    },
  ),
  textFunction(
    'regexExtract',
    'regexExtract(text, pattern, group): the group (number or name; default the first group, or the whole match without groups) of the first match; null without a match.',
    [{ name: 'pattern', kind: 'regex' }, { name: 'group', kind: 'any', optional: true }],
    'string',
    (input, args, scope) => {
      checkRegexInput(input);
      const regex = args.regex(1);
      const match = execSafeRegex(regex, input, 0, scope.meter);
      if (match === null) return null;
      const group = args.count > 2 ? args.value(2) : regex.groupCount > 0 ? 1 : 0;
      const index = typeof group === 'string' && !/^\d+$/.test(group) ? regex.groupNames.get(group) : toIntValue(group);
      return index === undefined || index === null ? null : (match.groups[index] ?? null);
    },
  ),
  textTest('regexMatch', 'True when the pattern matches the text (any element of a list).', [{ name: 'pattern', kind: 'regex' }], (input, args, scope) => {
    checkRegexInput(input);
    return testSafeRegex(args.regex(1), input, scope.meter);
  }),
  textTest('startsWith', 'True when the text starts with prefix, ignoring case.', [text('prefix')], (input, args) =>
    input.toLowerCase().startsWith((toText(args.value(1)) ?? '').toLowerCase()),
  ),
  textTest('endsWith', 'True when the text ends with suffix, ignoring case.', [text('suffix')], (input, args) =>
    input.toLowerCase().endsWith((toText(args.value(1)) ?? '').toLowerCase()),
  ),
  {
    name: 'contains',
    params: [value('textOrList'), value('part')],
    returns: 'boolean',
    summary: 'For a list: an element equals part. For text: part occurs in it. Both ignore case.',
    evaluate: (args) => {
      const haystack = args.value(0);
      const part = args.value(1);
      if (Array.isArray(haystack)) return haystack.some((element) => sameIgnoringCase(element, part));
      const input = toText(haystack);
      const needle = toText(part);
      return input !== null && needle !== null && input.toLowerCase().includes(needle.toLowerCase());
    },
  },
  {
    name: 'template',
    params: [{ name: 'template', kind: 'template' }, { name: 'values', kind: 'table', optional: true }],
    returns: 'string',
    summary:
      'template("{name.givenName}.{name.familyName}@acme.com"): placeholders are source paths, {value}, or the keys of the optional table. A placeholder without a value makes the result null; {{ and }} are literal braces.',
    pipe: 'argumentsOnly',
    evaluate: renderTemplate,
  },
  {
    name: 'join',
    params: [{ name: 'list', kind: 'list' }, text('separator')],
    returns: 'string',
    summary: 'join([a, b, ...], separator): the non-empty values joined (null when there are none).',
    evaluate: (args) => {
      const parts = textsOf(args.value(0));
      return parts.length === 0 ? null : parts.join(toText(args.value(1)) ?? '');
    },
  },
  {
    name: 'split',
    params: [text('text'), text('separator')],
    returns: 'list',
    summary: 'The non-empty parts of the text between separators (of each element, for a list).',
    evaluate: (args) => {
      const separator = toText(args.value(1)) ?? '';
      return textsOf(args.value(0)).flatMap((input) => (separator === '' ? codePoints(input) : input.split(separator)).filter((part) => part !== ''));
    },
  },

  // Lists
  {
    name: 'first',
    params: [value('list')],
    returns: 'any',
    summary: 'The first non-empty element (a single value is its own first element).',
    evaluate: (args) => toList(args.value(0)).find((element) => !isEmptyValue(element)) ?? null,
  },
  {
    name: 'last',
    params: [value('list')],
    returns: 'any',
    summary: 'The last non-empty element.',
    evaluate: (args) => toList(args.value(0)).findLast((element) => !isEmptyValue(element)) ?? null,
  },
  {
    name: 'item',
    params: [value('list'), number('n')],
    returns: 'any',
    summary: 'The n-th element (1-based, as Entra Item); null out of range.',
    evaluate: (args) => {
      const position = integerArgument(args, 1);
      const list = toList(args.value(0));
      return position === null || position < 1 || position > list.length ? null : list[position - 1];
    },
  },
  {
    name: 'count',
    params: [value('list')],
    returns: 'number',
    summary: 'The number of non-empty elements (1 for a single value, 0 for null).',
    evaluate: (args) => toList(args.value(0)).filter((element) => !isEmptyValue(element)).length,
  },
  {
    name: 'unique',
    params: [value('list')],
    returns: 'list',
    summary: 'The non-empty elements without duplicates (text compared ignoring case; the first spelling stays).',
    evaluate: (args) => {
      const seen = new Set<string>();
      const result: MappingValue[] = [];
      for (const element of toList(args.value(0))) {
        if (isEmptyValue(element)) continue;
        const text = typeof element === 'string' ? element : null;
        const key = text === null ? `json:${JSON.stringify(element)}` : `text:${foldForMatching(text)}`;
        if (seen.has(key)) continue;
        seen.add(key);
        result.push(element);
      }
      return result;
    },
  },

  // Groups
  {
    name: 'groups',
    params: [],
    returns: 'list',
    summary: "The display names of the user's groups.",
    pipe: 'never',
    evaluate: (_args, scope) => scope.groups.map((group) => group.displayName),
  },
  {
    name: 'memberOf',
    params: [{ name: 'group', kind: 'textOrRegex' }],
    returns: 'boolean',
    summary: 'True when the user is in a group with that id or externalId, or that display name ignoring case, or whose display name a /pattern/ matches.',
    pipe: 'never',
    evaluate: (args, scope) => {
      const reference = args.isRegex(0) ? args.regex(0) : toText(args.value(0));
      return reference !== null && scope.groups.some((group) => groupMatches(reference, group, scope.meter));
    },
  },
  {
    name: 'groupsMatching',
    params: [{ name: 'pattern', kind: 'regex' }],
    returns: 'list',
    summary: "The display names of the user's groups that the pattern matches.",
    pipe: 'never',
    evaluate: (args, scope) => scope.groups.filter((group) => groupMatches(args.regex(0), group, scope.meter)).map((group) => group.displayName),
  },

  // Types
  {
    name: 'toString',
    params: [value()],
    returns: 'string',
    elementwise: true,
    summary: 'Text form: numbers in decimal, booleans as true/false, a SCIM complex value as its value.',
    evaluate: (args) => toText(args.value(0)),
  },
  {
    name: 'toInt',
    params: [value()],
    returns: 'number',
    elementwise: true,
    summary: 'A whole number (decimals truncated); null when the text is not a number.',
    evaluate: (args) => toIntValue(args.value(0)),
  },
  {
    name: 'toNumber',
    params: [value()],
    returns: 'number',
    elementwise: true,
    summary: 'A number; null when the text is not a number.',
    evaluate: (args) => toNumberValue(args.value(0)),
  },
  {
    name: 'toBool',
    params: [value()],
    returns: 'boolean',
    elementwise: true,
    summary: 'true for true/1/yes/y/on, false for false/0/no/n/off (ignoring case), null otherwise.',
    evaluate: (args) => toBoolValue(args.value(0)),
  },

  // Dates
  textFunction(
    'parseDate',
    'parseDate(text, format): an ISO date (YYYY-MM-DD) or UTC date-time; ISO 8601 input without a format; tokens yyyy MM dd HH mm ss, or "unix" seconds. Null when it does not parse.',
    [{ name: 'format', kind: 'dateFormat', optional: true }],
    'string',
    (input, args) => parseDateText(input, args.count > 1 ? (toText(args.value(1)) ?? undefined) : undefined),
  ),
  textFunction(
    'formatDate',
    'formatDate(isoDate, format): the date written with tokens yyyy MM dd HH mm ss MMM ... in UTC, or "unix" seconds.',
    [{ name: 'format', kind: 'dateFormat' }],
    'string',
    (input, args) => formatDateText(input, toText(args.value(1)) ?? ''),
  ),
];

const BY_NAME: ReadonlyMap<string, FunctionSpec> = new Map(FUNCTIONS.map((spec) => [spec.name, spec]));

/** Entra and Okta names admins type from habit, and ours. */
const FAMILIAR_NAMES: Readonly<Record<string, string>> = {
  iif: 'if',
  tolower: 'lower',
  toupper: 'upper',
  tolowercase: 'lower',
  touppercase: 'upper',
  lowercase: 'lower',
  uppercase: 'upper',
  pcase: 'title',
  stripspaces: 'stripSpaces',
  isnullorempty: 'isEmpty',
  removeduplicates: 'unique',
  instr: 'contains',
  cstr: 'toString',
  cbool: 'toBool',
  cdate: 'parseDate',
  formatdatetime: 'formatDate',
  stringswitch: 'containsSwitch',
  substring: 'mid',
  tocsv: 'join',
};

export function findFunction(name: string): FunctionSpec | undefined {
  return BY_NAME.get(name);
}

/** A hint for an unknown function name: the equivalent of an Entra/Okta name, or ours misspelt or in another case. */
export function suggestFunction(name: string): string | undefined {
  return FAMILIAR_NAMES[name.toLowerCase()] ?? closestName(name, [...BY_NAME.keys()]);
}

export function listFunctions(): readonly FunctionSpec[] {
  return FUNCTIONS;
}

