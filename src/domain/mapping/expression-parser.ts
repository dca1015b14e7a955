/**
 * Recursive-descent parser of the mapping expression language.
 *
 *   expression := or
 *   or         := and ("or" and)*
 *   and        := unary ("and" unary)*
 *   unary      := "not" unary | comparison
 *   comparison := primary (("==" | "!=" | "<" | "<=" | ">" | ">=") primary)?
 *   primary    := number | string | regex | "true" | "false" | "null" | "(" or ")"
 *               | "[" items "]" | "{" key ":" or, ... "}" | name "(" args ")" | "value" | source
 *   source     := "src" ( "." attribute | "[" string "]" | "[" scim-filter "]" )*
 *
 * Strings take "..." or '...' with JSON escapes; regexes are `/pattern/flags` (see safe-regex.ts);
 * keywords and `true`/`false`/`null` ignore case. There are no loops, no assignments and no operators
 * that build strings, so every expression is a finite tree whose size the limits below bound.
 */
import { DomainError } from '../errors';
import { parseFilter } from '../filter/filter-parser';
import {
  issueAt,
  type CompareOperator,
  type ExpressionIssue,
  type ExpressionNode,
  type TableEntry,
} from './expression-ast';
import { foldForMatching } from './mapping-values';
import { compileSafeRegex } from './safe-regex';
import { parseSourcePath, type SourcePath, type SourceSegment } from './source-path';
import { findClosingBracket } from '../filter/attribute-path';

/** Longest expression accepted, in characters. */
export const MAX_EXPRESSION_LENGTH = 4_000;
/** Most AST nodes (literals, calls, operators, paths...) in one expression. */
export const MAX_EXPRESSION_NODES = 400;
/** Deepest nesting of calls, lists, tables, parentheses and `not`. */
export const MAX_EXPRESSION_DEPTH = 24;

export interface ParsedExpression {
  readonly text: string;
  readonly root: ExpressionNode;
  readonly nodeCount: number;
  /** Every `src` path the expression reads, in order of appearance (provenance lists them). */
  readonly sources: readonly SourcePath[];
}

export type ParseExpressionResult =
  | { readonly ok: true; readonly expression: ParsedExpression }
  | { readonly ok: false; readonly issue: ExpressionIssue };

export interface ParseExpressionOptions {
  /** Extension URNs known to the tenant, so `src["urn:...:User.attr"]` (Entra's dotted form) resolves. */
  readonly schemaUrns?: readonly string[];
}

class ParseFailure extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const NAME_START = /[A-Za-z_]/;
const NAME_PART = /[A-Za-z0-9_]/;
const ATTRIBUTE_NAME = /\$?[A-Za-z][A-Za-z0-9_-]*/y;
const NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES: Readonly<Record<string, string>> = { '"': '"', "'": "'", '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
const EXCERPT_LENGTH = 24;

export function parseExpression(text: string, options: ParseExpressionOptions = {}): ParseExpressionResult {
  if (text.length > MAX_EXPRESSION_LENGTH) {
    return { ok: false, issue: issueAt(text, MAX_EXPRESSION_LENGTH, `expression is longer than ${MAX_EXPRESSION_LENGTH} characters`) };
  }
  const parser = new ExpressionParser(text, options.schemaUrns ?? []);
  try {
    return { ok: true, expression: parser.parseWhole() };
  } catch (error) {
    if (error instanceof ParseFailure) return { ok: false, issue: issueAt(text, error.offset, error.message) };
    throw error;
  }
}

class ExpressionParser {
  private pos = 0;
  private depth = 0;
  private nodeCount = 0;
  private readonly sources: SourcePath[] = [];

  constructor(
    private readonly text: string,
    private readonly schemaUrns: readonly string[],
  ) {}

  parseWhole(): ParsedExpression {
    this.skipSpace();
    if (this.pos >= this.text.length) this.fail('expression is empty');
    const root = this.parseOr();
    this.skipSpace();
    if (this.pos < this.text.length) {
      const char = this.text[this.pos];
      if (char === ')' || char === ']' || char === '}') this.fail(`unmatched '${char}'`);
      this.fail(`expected an operator (and, or, ==, ...) or the end of the expression, found ${this.describeFound()}`);
    }
    return { text: this.text, root, nodeCount: this.nodeCount, sources: this.sources };
  }

  private parseOr(): ExpressionNode {
    let left = this.parseAnd();
    while (this.consumeKeyword('or')) {
      const right = this.parseAnd();
      left = this.node({ kind: 'logical', operator: 'or', left, right, start: left.start, end: right.end });
    }
    return left;
  }

  private parseAnd(): ExpressionNode {
    let left = this.parseUnary();
    while (this.consumeKeyword('and')) {
      const right = this.parseUnary();
      left = this.node({ kind: 'logical', operator: 'and', left, right, start: left.start, end: right.end });
    }
    return left;
  }

  private parseUnary(): ExpressionNode {
    this.skipSpace();
    const start = this.pos;
    if (this.consumeKeyword('not')) {
      this.enter(start);
      const operand = this.parseUnary();
      this.depth--;
      return this.node({ kind: 'not', operand, start, end: operand.end });
    }
    return this.parseComparison();
  }

  private parseComparison(): ExpressionNode {
    const left = this.parsePrimary();
    const operator = this.readCompareOperator();
    if (operator === undefined) return left;
    const right = this.parsePrimary();
    const chained = this.readCompareOperator();
    if (chained !== undefined) this.fail('comparisons cannot be chained; combine them with and', this.pos - chained.length);
    return this.node({ kind: 'compare', operator, left, right, start: left.start, end: right.end });
  }

  private readCompareOperator(): CompareOperator | undefined {
    this.skipSpace();
    const two = this.text.slice(this.pos, this.pos + 2);
    const one = this.text[this.pos];
    if (two === '==' || two === '!=' || two === '<=' || two === '>=') {
      this.pos += 2;
      return two;
    }
    if (one === '<' || one === '>') {
      this.pos++;
      return one;
    }
    if (one === '=') this.fail("use '==' to compare");
    if (two === '&&') this.fail("use 'and' instead of '&&'");
    if (two === '||') this.fail("use 'or' instead of '||'");
    if (one === '?') this.fail('use if(condition, then, else) instead of ? :');
    if (one === '+' || one === '&') this.fail('there is no + operator: use join([a, b], " "), append(a, b) or template("{...}")');
    return undefined;
  }

  private parsePrimary(): ExpressionNode {
    this.skipSpace();
    const start = this.pos;
    const char = this.text[this.pos];
    if (char === undefined) this.fail('expected a value, found the end of the expression');
    if (char === '(') {
      this.enter(start);
      this.pos++;
      const inner = this.parseOr();
      this.expect(')', `expected ')' to close the '(' at offset ${start}, found ${this.describeFound()}`);
      this.depth--;
      return inner;
    }
    if (char === '"' || char === "'") return this.node({ kind: 'literal', value: this.readString(), start, end: this.pos });
    if (char === '/') return this.parseRegex();
    if (char === '[') return this.parseList();
    if (char === '{') return this.parseTable();
    if (char === '!') this.fail("use 'not' instead of '!'");
    NUMBER.lastIndex = this.pos;
    const number = NUMBER.exec(this.text);
    if (number !== null && (char !== '-' || number[0].length > 1)) {
      this.pos += number[0].length;
      const value = Number(number[0]);
      if (!Number.isFinite(value)) this.fail('number is out of range', start);
      return this.node({ kind: 'literal', value, start, end: this.pos });
    }
    if (NAME_START.test(char)) return this.parseName();
    return this.fail(`expected a value, found ${this.describeFound()}`);
  }

  private parseName(): ExpressionNode {
    const start = this.pos;
    const name = this.readName();
    const lower = name.toLowerCase();
    if (lower === 'true' || lower === 'false') return this.node({ kind: 'literal', value: lower === 'true', start, end: this.pos });
    if (lower === 'null') return this.node({ kind: 'literal', value: null, start, end: this.pos });
    if (lower === 'and' || lower === 'or' || lower === 'not') this.fail(`expected a value before '${name}'`, start);
    if (name === 'src') return this.parseSource(start);
    if (name === 'value') return this.node({ kind: 'value', start, end: this.pos });
    const nameEnd = this.pos;
    this.skipSpace();
    if (this.text[this.pos] !== '(') {
      this.fail(`unknown name '${name}': write src.${name} to read a source attribute, or ${name}(...) to call a function`, start);
    }
    this.enter(start);
    this.pos++;
    const args = this.parseItems(')', 'argument');
    this.depth--;
    return this.node({ kind: 'call', name, nameEnd, args, start, end: this.pos });
  }

  /** Comma-separated expressions up to `closer` (consumed); a trailing comma is allowed. */
  private parseItems(closer: ')' | ']', what: string): ExpressionNode[] {
    const items: ExpressionNode[] = [];
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === closer) {
        this.pos++;
        return items;
      }
      items.push(this.parseOr());
      this.skipSpace();
      if (this.text[this.pos] === ',') this.pos++;
      else if (this.text[this.pos] !== closer) this.fail(`expected ',' or '${closer}' after the ${what}, found ${this.describeFound()}`);
    }
  }

  private parseList(): ExpressionNode {
    const start = this.pos;
    this.enter(start);
    this.pos++;
    const items = this.parseItems(']', 'list item');
    this.depth--;
    return this.node({ kind: 'list', items, start, end: this.pos });
  }

  private parseTable(): ExpressionNode {
    const start = this.pos;
    this.enter(start);
    this.pos++;
    const entries: TableEntry[] = [];
    const seen = new Map<string, string>();
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === '}') {
        this.pos++;
        break;
      }
      const keyStart = this.pos;
      const key = this.readTableKey();
      const folded = foldForMatching(key);
      if (seen.has(folded)) this.fail(`duplicate key '${key}' (keys match ignoring case and spacing)`, keyStart);
      seen.set(folded, key);
      this.skipSpace();
      this.expect(':', `expected ':' after the key '${key}', found ${this.describeFound()}`);
      entries.push({ key, value: this.parseOr() });
      this.skipSpace();
      if (this.text[this.pos] === ',') this.pos++;
      else if (this.text[this.pos] !== '}') this.fail(`expected ',' or '}' after the table entry, found ${this.describeFound()}`);
    }
    this.depth--;
    return this.node({ kind: 'table', entries, start, end: this.pos });
  }

  private readTableKey(): string {
    const char = this.text[this.pos];
    if (char === '"' || char === "'") return this.readString();
    NUMBER.lastIndex = this.pos;
    const number = NUMBER.exec(this.text);
    if (number !== null) {
      this.pos += number[0].length;
      return number[0];
    }
    if (char !== undefined && NAME_START.test(char)) return this.readName();
    return this.fail(`expected a table key (a name or a string), found ${this.describeFound()}`);
  }

  private parseRegex(): ExpressionNode {
    const start = this.pos;
    let i = start + 1;
    let inClass = false;
    for (; ; i++) {
      const char = this.text[i];
      if (char === undefined || char === '\n') this.fail('unterminated regular expression', start);
      if (char === '\\') i++;
      else if (char === '[') inClass = true;
      else if (char === ']') inClass = false;
      else if (char === '/' && !inClass) break;
    }
    const pattern = this.text.slice(start + 1, i);
    if (pattern === '') this.fail('empty regular expression', start);
    const flagsStart = i + 1;
    let flagsEnd = flagsStart;
    while (flagsEnd < this.text.length && /[A-Za-z]/.test(this.text[flagsEnd])) flagsEnd++;
    const compiled = compileSafeRegex(pattern, this.text.slice(flagsStart, flagsEnd));
    if (!compiled.ok) {
      const offset = compiled.message.includes('flag') ? flagsStart : start + 1 + compiled.offset;
      this.fail(`invalid regular expression: ${compiled.message}`, offset);
    }
    this.pos = flagsEnd;
    return this.node({ kind: 'regex', regex: compiled.regex, start, end: this.pos });
  }

  private parseSource(start: number): ExpressionNode {
    const segments: SourceSegment[] = [];
    for (;;) {
      const char = this.text[this.pos];
      if (char === '.') {
        this.pos++;
        ATTRIBUTE_NAME.lastIndex = this.pos;
        const name = ATTRIBUTE_NAME.exec(this.text);
        if (name === null) this.fail(`expected an attribute name after '.', found ${this.describeFound()}`);
        this.pos += name[0].length;
        segments.push({ kind: 'property', name: name[0] });
      } else if (char === '[') {
        segments.push(...this.parseSourceBracket());
      } else {
        break;
      }
    }
    const path: SourcePath = { text: this.text.slice(start, this.pos), segments };
    this.sources.push(path);
    return this.node({ kind: 'source', path, start, end: this.pos });
  }

  /** `["key"]`, `["urn:...:attr"]` (a URN-qualified attribute path) or `[scim filter]`. */
  private parseSourceBracket(): SourceSegment[] {
    const open = this.pos;
    this.pos++;
    this.skipSpace();
    const char = this.text[this.pos];
    if (char === '"' || char === "'") {
      const keyStart = this.pos;
      const key = this.readString();
      this.skipSpace();
      this.expect(']', `expected ']' after the key, found ${this.describeFound()}`);
      if (key.slice(0, 4).toLowerCase() !== 'urn:') return [{ kind: 'property', name: key }];
      const schema = this.schemaUrns.find((urn) => urn.toLowerCase() === key.toLowerCase());
      if (schema !== undefined) return [{ kind: 'schema', urn: schema }];
      const parsed = parseSourcePath(key, this.schemaUrns);
      if (!parsed.ok) this.fail(parsed.message, keyStart + 1 + parsed.offset);
      return [...parsed.path.segments];
    }
    const close = findClosingBracket(this.text, open);
    if (close < 0) this.fail(`missing ']' for the '[' at offset ${open}`, open);
    const content = this.text.slice(open + 1, close);
    try {
      const filter = parseFilter(content);
      this.pos = close + 1;
      return [{ kind: 'filter', filter }];
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const position = /at position (\d+)/.exec(error.message);
      const message = error.message.replace(/ at position \d+/, '');
      return this.fail(`invalid filter: ${message}`, open + 1 + (position === null ? 0 : Number(position[1])));
    }
  }

  private readString(): string {
    const start = this.pos;
    const quote = this.text[this.pos];
    this.pos++;
    let result = '';
    for (;;) {
      const char = this.text[this.pos];
      if (char === undefined) this.fail('unterminated string', start);
      if (char === quote) {
        this.pos++;
        return result;
      }
      if (char !== '\\') {
        result += char;
        this.pos++;
        continue;
      }
      const kind = this.text[this.pos + 1];
      const simple = kind === undefined ? undefined : ESCAPES[kind];
      if (simple !== undefined) {
        result += simple;
        this.pos += 2;
      } else if (kind === 'u' && /^[0-9A-Fa-f]{4}$/.test(this.text.slice(this.pos + 2, this.pos + 6))) {
        result += String.fromCharCode(parseInt(this.text.slice(this.pos + 2, this.pos + 6), 16));
        this.pos += 6;
      } else {
        this.fail(`invalid escape '\\${kind ?? ''}' in string (write \\\\ for a backslash)`);
      }
    }
  }

  private readName(): string {
    const start = this.pos;
    while (this.pos < this.text.length && NAME_PART.test(this.text[this.pos])) this.pos++;
    return this.text.slice(start, this.pos);
  }

  private consumeKeyword(keyword: 'and' | 'or' | 'not'): boolean {
    this.skipSpace();
    const after = this.text[this.pos + keyword.length];
    if (this.text.slice(this.pos, this.pos + keyword.length).toLowerCase() !== keyword || (after !== undefined && NAME_PART.test(after))) {
      return false;
    }
    this.pos += keyword.length;
    return true;
  }

  private expect(char: string, message: string): void {
    this.skipSpace();
    if (this.text[this.pos] !== char) this.fail(message);
    this.pos++;
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos])) this.pos++;
  }

  private node(node: ExpressionNode): ExpressionNode {
    this.nodeCount++;
    if (this.nodeCount > MAX_EXPRESSION_NODES) this.fail(`expression has more than ${MAX_EXPRESSION_NODES} parts`, node.start);
    return node;
  }

  private enter(at: number): void {
    this.depth++;
    if (this.depth > MAX_EXPRESSION_DEPTH) this.fail(`expression is nested more than ${MAX_EXPRESSION_DEPTH} levels deep`, at);
  }

  private describeFound(): string {
    if (this.pos >= this.text.length) return 'the end of the expression';
    const rest = this.text.slice(this.pos).split(/\s/)[0] || this.text[this.pos];
    return `'${rest.length > EXCERPT_LENGTH ? `${rest.slice(0, EXCERPT_LENGTH)}...` : rest}'`;
  }

  private fail(message: string, offset = this.pos): never {
    throw new ParseFailure(message, offset);
  }
}
