/**
 * SCIM filter parser (RFC 7644 §3.4.2.2) producing the shared filter AST.
 *
 * A hand-written scanner driven by a recursive-descent parser: the scanner has to be told what
 * comes next, because an unquoted value such as `2015-10-10T14:38:21.8617979-07:00` or
 * `example.com` cannot be told apart from an attribute path by looking at it alone.
 *
 * Leniencies beyond the RFC grammar, each accepted only where the reading is unambiguous:
 * - unquoted comparison values (`name.FamilyName eq Employee`, Microsoft's SCIM test collection);
 * - `not` directly before an attribute expression, without parentheses;
 * - `emails[type eq "work"].value eq "x"` (Entra), read as a value path whose filter also tests `value`;
 * - `urn:...:2.0:User.manager` (Entra's dot before the attribute name), read like `urn:...:2.0:User:manager`.
 */
import { DomainError } from '../errors';
import type { AttributePath, CompareOperator, FilterNode, FilterValue } from './filter-ast';

/** Longest filter accepted, in UTF-16 code units. */
export const MAX_FILTER_LENGTH = 20_000;
/** Deepest nesting of parentheses, `not` and value-path brackets accepted. */
export const MAX_FILTER_DEPTH = 64;
/**
 * Most attribute expressions (`pr` and comparisons) accepted in one filter: IdPs send one or two; each
 * costs a test per row scanned, so a tenant's filter cannot make a read of its users arbitrarily slow.
 */
export const MAX_FILTER_TERMS = 100;

const COMPARE_OPERATORS: ReadonlySet<string> = new Set<CompareOperator>(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le']);
const ORDERING_OPERATORS: ReadonlySet<string> = new Set<CompareOperator>(['gt', 'ge', 'lt', 'le']);
const OPERATOR_LIST = 'eq, ne, co, sw, ew, gt, ge, lt, le or pr';
const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const ATTRIBUTE_NAME = /^\$?[A-Za-z][A-Za-z0-9_-]*$/;
const SCHEMA_URN = /^urn(?::[^:]+)+$/i;
const VERSION_SEGMENT = /^\d+(?:\.\d+)*$/;
const RESOURCE_NAMES: ReadonlySet<string> = new Set(['user', 'group']);
const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
const FOUND_EXCERPT_LENGTH = 80;

export function parseFilter(text: string): FilterNode {
  if (typeof text !== 'string') {
    throw new DomainError('INVALID_FILTER', 'expected the filter to be a string at position 0');
  }
  if (text.length > MAX_FILTER_LENGTH) {
    throw new DomainError(
      'INVALID_FILTER',
      `filter is longer than ${MAX_FILTER_LENGTH} characters at position ${MAX_FILTER_LENGTH}`,
    );
  }
  // No stored value can hold NUL (PostgreSQL text cannot), and drivers choke on it: refuse it up front.
  const nul = text.indexOf('\u0000');
  if (nul >= 0) throw new DomainError('INVALID_FILTER', `filter contains a NUL character at position ${nul}`);
  return new FilterParser(text).parseWhole();
}

function isWhitespace(char: string): boolean {
  return char === ' ' || char === '\t' || char === '\n' || char === '\r';
}

/** Characters that end a word (operator, keyword) and that never belong to an attribute path. */
function isDelimiter(char: string): boolean {
  return isWhitespace(char) || char === '(' || char === ')' || char === '[' || char === ']' || char === '"';
}

function isNameChar(char: string): boolean {
  return (char >= 'a' && char <= 'z') || (char >= 'A' && char <= 'Z') || (char >= '0' && char <= '9') || char === '_' || char === '-';
}

class FilterParser {
  private pos = 0;
  private depth = 0;
  private terms = 0;
  /** Set while inside `attr[...]`: the RFC grammar has no value path inside a value filter. */
  private inValueFilter = false;

  constructor(private readonly text: string) {}

  parseWhole(): FilterNode {
    const node = this.parseOr();
    this.skipWhitespace();
    if (this.pos < this.text.length) {
      const char = this.peek();
      if (char === ')' || char === ']') this.fail('unexpected closing bracket');
      this.fail("expected 'and', 'or' or the end of the filter");
    }
    return node;
  }

  private parseOr(): FilterNode {
    let left = this.parseAnd();
    while (this.consumeKeyword('or')) {
      left = { kind: 'or', left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): FilterNode {
    let left = this.parseUnary();
    while (this.consumeKeyword('and')) {
      left = { kind: 'and', left, right: this.parseUnary() };
    }
    return left;
  }

  private parseUnary(): FilterNode {
    this.skipWhitespace();
    if (this.peek() === '(') {
      this.enterNesting();
      this.pos++;
      const inner = this.parseOr();
      this.expectCloser(')');
      this.depth--;
      return inner;
    }
    // No attribute is named after a logical keyword: report the missing operand, not a missing operator.
    if (this.keywordAt(this.pos, 'and') || this.keywordAt(this.pos, 'or')) this.fail("expected an attribute path, '(' or 'not'");
    if (this.isLogicalNot()) {
      this.enterNesting();
      this.pos += 3;
      const operand = this.parseUnary();
      this.depth--;
      return { kind: 'not', operand };
    }
    return this.parseAttributeExpression();
  }

  /**
   * `not` is the logical operator unless an attribute operator follows it (`not pr` tests an
   * attribute named "not"), so both RFC `not (...)` and the common `not userName eq "x"` parse.
   */
  private isLogicalNot(): boolean {
    if (!this.keywordAt(this.pos, 'not')) return false;
    let next = this.pos + 3;
    while (next < this.text.length && isWhitespace(this.text.charAt(next))) next++;
    const word = this.wordAt(next).toLowerCase();
    return word !== 'pr' && !COMPARE_OPERATORS.has(word);
  }

  private parseAttributeExpression(): FilterNode {
    const path = this.readAttributePath();
    if (this.peek() !== '[') return this.parseOperation(path);

    if (this.inValueFilter) this.fail('value filters cannot be nested');
    this.enterNesting();
    this.pos++;
    this.inValueFilter = true;
    const filter = this.parseOr();
    this.expectCloser(']');
    this.inValueFilter = false;
    this.depth--;
    if (this.peek() !== '.') return { kind: 'valuePath', path, filter };

    // Entra's `emails[type eq "work"].value eq "x"`: the trailing test applies to the same element.
    this.pos++;
    const subAttribute = this.readAttributeName('a sub-attribute name');
    this.expectPathEnd();
    const elementTest = this.parseOperation({ attribute: subAttribute });
    return { kind: 'valuePath', path, filter: { kind: 'and', left: filter, right: elementTest } };
  }

  private parseOperation(path: AttributePath): FilterNode {
    const hadSpace = this.skipWhitespace();
    const operatorStart = this.pos;
    const operator = this.readWord().toLowerCase();
    if (!hadSpace || (operator !== 'pr' && !COMPARE_OPERATORS.has(operator))) {
      this.pos = operatorStart;
      this.fail(`expected a comparison operator (${OPERATOR_LIST})`);
    }
    this.countTerm(operatorStart);
    if (operator === 'pr') {
      this.rejectValueAfterPresent();
      return { kind: 'present', path };
    }

    const op = operator as CompareOperator;
    if (!this.skipWhitespace()) this.fail(`expected a space and a value after '${op}'`);
    const valueStart = this.pos;
    const value = this.readValue();
    if (ORDERING_OPERATORS.has(op) && (value === null || typeof value === 'boolean')) {
      this.pos = valueStart;
      this.fail(`'${op}' cannot compare with ${String(value)}`);
    }
    return { kind: 'compare', path, op, value };
  }

  /** Only a logical keyword or a closer can follow `pr`; anything else is a value it does not take. */
  private rejectValueAfterPresent(): void {
    const afterOperator = this.pos;
    this.skipWhitespace();
    const next = this.peek();
    if (next !== '' && next !== ')' && next !== ']' && !this.keywordAt(this.pos, 'and') && !this.keywordAt(this.pos, 'or')) {
      this.fail("'pr' takes no value");
    }
    this.pos = afterOperator;
  }

  private readAttributePath(): AttributePath {
    const start = this.pos;
    if (this.text.slice(start, start + 4).toLowerCase() === 'urn:') return this.readUrnPath(start);

    const attribute = this.readAttributeName("an attribute path, '(' or 'not'");
    if (this.peek() !== '.') {
      this.expectPathEnd();
      return { attribute };
    }
    this.pos++;
    const subAttribute = this.readAttributeName('a sub-attribute name');
    this.expectPathEnd();
    return { attribute, subAttribute };
  }

  /**
   * A URN path's schema is everything before the last ':' (attribute names never contain one),
   * except in Entra's dotted form `urn:...:2.0:User.manager`, recognised by the text before the
   * last ':' ending in a version (`2.0`) or by the first dotted segment naming a resource (`User`).
   */
  private readUrnPath(start: number): AttributePath {
    while (this.pos < this.text.length && !isDelimiter(this.peek())) this.pos++;
    const run = this.text.slice(start, this.pos);
    const lastColon = run.lastIndexOf(':');
    let schema = run.slice(0, lastColon);
    let names = run.slice(lastColon + 1).split('.');
    const schemaTail = schema.slice(schema.lastIndexOf(':') + 1);
    if (names.length > 1 && (VERSION_SEGMENT.test(schemaTail) || RESOURCE_NAMES.has(names[0].toLowerCase()))) {
      schema = `${schema}:${names[0]}`;
      names = names.slice(1);
    }
    if (!SCHEMA_URN.test(schema) || names.length > 2 || !names.every((name) => ATTRIBUTE_NAME.test(name))) {
      this.pos = start;
      this.fail('invalid attribute path');
    }
    const [attribute, subAttribute] = names as [string, string | undefined];
    return subAttribute === undefined ? { schema, attribute } : { schema, attribute, subAttribute };
  }

  private readAttributeName(expected: string): string {
    const start = this.pos;
    if (this.peek() === '$') this.pos++;
    const first = this.peek();
    if (!((first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z'))) {
      this.pos = start;
      this.fail(`expected ${expected}`);
    }
    while (this.pos < this.text.length && isNameChar(this.peek())) this.pos++;
    return this.text.slice(start, this.pos);
  }

  private expectPathEnd(): void {
    const char = this.peek();
    if (char !== '' && !isDelimiter(char)) this.fail('unexpected character in attribute path');
  }

  private readValue(): FilterValue {
    if (this.peek() === '"') return this.readString();

    const start = this.pos;
    while (this.pos < this.text.length) {
      const char = this.peek();
      if (isWhitespace(char) || char === ')' || char === ']') break;
      // These would make the value's end ambiguous (an unclosed string or group), so refuse them.
      if (char === '"' || char === '(' || char === '[') this.fail('unexpected character in an unquoted value');
      this.pos++;
    }
    const word = this.text.slice(start, this.pos);
    const lower = word.toLowerCase();
    if (word === '' || lower === 'and' || lower === 'or' || lower === 'not') {
      this.pos = start;
      this.fail('expected a value');
    }
    if (lower === 'true') return true;
    if (lower === 'false') return false;
    if (lower === 'null') return null;
    if (!JSON_NUMBER.test(word)) return word;
    const number = Number(word);
    if (!Number.isFinite(number)) {
      this.pos = start;
      this.fail('number is out of range');
    }
    return number;
  }

  /** A JSON string (RFC 8259 §7); raw control characters are tolerated. */
  private readString(): string {
    const start = this.pos;
    this.pos++;
    let result = '';
    let chunkStart = this.pos;
    while (this.pos < this.text.length) {
      const char = this.peek();
      if (char === '"') {
        result += this.text.slice(chunkStart, this.pos);
        this.pos++;
        return result;
      }
      if (char === '\\') {
        result += this.text.slice(chunkStart, this.pos) + this.readEscape();
        chunkStart = this.pos;
      } else {
        this.pos++;
      }
    }
    this.pos = start;
    return this.fail('unterminated string');
  }

  private readEscape(): string {
    const escapeStart = this.pos;
    const kind = this.peek(1);
    const simple = SIMPLE_ESCAPES[kind];
    if (simple !== undefined) {
      this.pos += 2;
      return simple;
    }
    const hex = this.text.slice(this.pos + 2, this.pos + 6);
    if (kind !== 'u' || !/^[0-9a-fA-F]{4}$/.test(hex)) {
      this.pos = escapeStart;
      this.fail('invalid escape sequence in string');
    }
    if (parseInt(hex, 16) === 0) {
      this.pos = escapeStart;
      this.fail('a string cannot contain NUL (\\u0000)');
    }
    this.pos += 6;
    return String.fromCharCode(parseInt(hex, 16));
  }

  private expectCloser(closer: ')' | ']'): void {
    this.skipWhitespace();
    if (this.peek() !== closer) this.fail(`expected 'and', 'or' or '${closer}'`);
    this.pos++;
  }

  /** Consumes `and`/`or` (any case) when it is the next word. */
  private consumeKeyword(keyword: 'and' | 'or'): boolean {
    const afterSpace = this.pos;
    this.skipWhitespace();
    if (!this.keywordAt(this.pos, keyword)) {
      this.pos = afterSpace;
      return false;
    }
    this.pos += keyword.length;
    return true;
  }

  private keywordAt(at: number, keyword: string): boolean {
    const after = this.text.charAt(at + keyword.length);
    return (
      this.text.slice(at, at + keyword.length).toLowerCase() === keyword &&
      (after === '' || isWhitespace(after) || after === '(')
    );
  }

  /** The character `offset` places ahead, or '' past the end. */
  private peek(offset = 0): string {
    return this.text.charAt(this.pos + offset);
  }

  private wordAt(at: number): string {
    let end = at;
    while (end < this.text.length && !isDelimiter(this.text.charAt(end))) end++;
    return this.text.slice(at, end);
  }

  private readWord(): string {
    const word = this.wordAt(this.pos);
    this.pos += word.length;
    return word;
  }

  /** Returns whether any whitespace was skipped. */
  private skipWhitespace(): boolean {
    const start = this.pos;
    while (this.pos < this.text.length && isWhitespace(this.peek())) this.pos++;
    return this.pos > start;
  }

  private enterNesting(): void {
    this.depth++;
    if (this.depth > MAX_FILTER_DEPTH) this.fail(`filter is nested more than ${MAX_FILTER_DEPTH} levels deep`);
  }

  private countTerm(at: number): void {
    this.terms++;
    if (this.terms > MAX_FILTER_TERMS) {
      this.pos = at;
      this.fail(`filter has more than ${MAX_FILTER_TERMS} attribute expressions`);
    }
  }

  private describeFound(): string {
    if (this.pos >= this.text.length) return 'the end of the filter';
    const word = this.wordAt(this.pos) || this.peek();
    return `'${word.length > FOUND_EXCERPT_LENGTH ? `${word.slice(0, FOUND_EXCERPT_LENGTH)}...` : word}'`;
  }

  private fail(problem: string): never {
    throw new DomainError('INVALID_FILTER', `${problem} at position ${this.pos}, found ${this.describeFound()}`);
  }
}
