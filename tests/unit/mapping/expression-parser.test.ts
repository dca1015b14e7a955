import type { ExpressionNode } from '../../../src/domain/mapping/expression-ast';
import {
  MAX_EXPRESSION_DEPTH,
  MAX_EXPRESSION_LENGTH,
  MAX_EXPRESSION_NODES,
  parseExpression,
} from '../../../src/domain/mapping/expression-parser';
import type { SourceSegment } from '../../../src/domain/mapping/source-path';
import { CUSTOM, ENTERPRISE } from './mapping-fixtures';

/** The tree as an s-expression, so grammar tests read like the grammar. */
function show(node: ExpressionNode): string {
  switch (node.kind) {
    case 'literal':
      return JSON.stringify(node.value);
    case 'list':
      return `[${node.items.map(show).join(' ')}]`;
    case 'table':
      return `{${node.entries.map((entry) => `${entry.key}: ${show(entry.value)}`).join(', ')}}`;
    case 'regex':
      return `/${node.regex.source}/${node.regex.ignoreCase ? 'i' : ''}`;
    case 'value':
      return 'value';
    case 'source':
      return `(src${node.path.segments.map(showSegment).join('')})`;
    case 'call':
      return `(${node.name}${node.args.map((arg) => ` ${show(arg)}`).join('')})`;
    case 'not':
      return `(not ${show(node.operand)})`;
    case 'logical':
    case 'compare':
      return `(${node.operator} ${show(node.left)} ${show(node.right)})`;
  }
}

function showSegment(segment: SourceSegment): string {
  if (segment.kind === 'schema') return ` <${segment.urn.split(':').slice(-3).join(':')}>`;
  if (segment.kind === 'property') return ` .${segment.name}`;
  return ' [filter]';
}

function parse(text: string): string {
  const result = parseExpression(text, { schemaUrns: [ENTERPRISE, CUSTOM] });
  if (!result.ok) throw new Error(`${result.issue.message} at ${result.issue.offset}`);
  return show(result.expression.root);
}

function parseError(text: string): { message: string; offset: number; line: number; column: number } {
  const result = parseExpression(text, { schemaUrns: [ENTERPRISE, CUSTOM] });
  if (result.ok) throw new Error(`expected a parse error for ${text}`);
  return result.issue;
}

describe('parseExpression', () => {
  describe('grammar', () => {
    it.each<[string, string]>([
      ['"text"', '"text"'],
      ["'single'", '"single"'],
      ['"esc \\" \\\\ \\n \\u00e9"', JSON.stringify('esc " \\ \n é')],
      ["'it\\'s'", JSON.stringify("it's")],
      ['42', '42'],
      ['-3.5', '-3.5'],
      ['1e3', '1000'],
      ['true', 'true'],
      ['FALSE', 'false'],
      ['Null', 'null'],
      ['value', 'value'],
      ['[]', '[]'],
      ['[1, "a", [true],]', '[1 "a" [true]]'],
      ['{}', '{}'],
      ['{admin: "Admin", "power user": 2, 3: null}', '{admin: "Admin", power user: 2, 3: null}'],
      ['/^App-.*$/i', '/^App-.*$/i'],
      ['/a\\/b[/]/', '/a\\/b[/]/'],
      ['src', '(src)'],
      ['src.userType', '(src .userType)'],
      ['src.name.givenName', '(src .name .givenName)'],
      ['src.$ref', '(src .$ref)'],
      ['src.emails[type eq "work"].value', '(src .emails [filter] .value)'],
      ['src.emails[type eq "work" and primary eq true]', '(src .emails [filter])'],
      ['src.emails[value co "]"].value', '(src .emails [filter] .value)'],
      ['src["userType"]', '(src .userType)'],
      [`src["${ENTERPRISE}:department"]`, '(src <enterprise:2.0:User> .department)'],
      [`src["${ENTERPRISE}:manager.value"]`, '(src <enterprise:2.0:User> .manager .value)'],
      [`src["${ENTERPRISE}.manager"]`, '(src <enterprise:2.0:User> .manager)'],
      [`src["${CUSTOM}:region"]`, '(src <acme:2.0:User> .region)'],
      [`src["${ENTERPRISE}"].costCenter`, '(src <enterprise:2.0:User> .costCenter)'],
      ['lower(src.title)', '(lower (src .title))'],
      ['groups()', '(groups)'],
      ['f(a(), b(1, 2,),)', '(f (a) (b 1 2))'],
      ['not isEmpty(value)', '(not (isEmpty value))'],
      ['Not(true)', '(not true)'],
      ['not not true', '(not (not true))'],
      ['a() and b() or c()', '(or (and (a) (b)) (c))'],
      ['a() or b() and c()', '(or (a) (and (b) (c)))'],
      ['a() AND (b() Or c())', '(and (a) (or (b) (c)))'],
      ['not a() and b()', '(and (not (a)) (b))'],
      ['src.a == "x"', '(== (src .a) "x")'],
      ['src.a != null', '(!= (src .a) null)'],
      ['count(src.emails) >= 2', '(>= (count (src .emails)) 2)'],
      ['1 < 2 and 2 <= 3 and 4 > 3 and 4 >= 4', '(and (and (and (< 1 2) (<= 2 3)) (> 4 3)) (>= 4 4))'],
      ['  lower (\n  src.title\n)  ', '(lower (src .title))'],
    ])('%s', (text, expected) => {
      expect(parse(text)).toBe(expected);
    });

    it('lists every source path it reads, as written', () => {
      const result = parseExpression('coalesce(src.a, src.emails[type eq "work"].value, template("{b}"))');
      expect(result.ok && result.expression.sources.map((source) => source.text)).toEqual(['src.a', 'src.emails[type eq "work"].value']);
    });
  });

  describe('errors name the problem and where it is', () => {
    it.each<[string, string, number, number, number]>([
      ['', 'expression is empty', 0, 1, 1],
      ['lower(src.x', "expected ',' or ')' after the argument, found the end of the expression", 11, 1, 12],
      ['lower(src.x))', "unmatched ')'", 12, 1, 13],
      ['"abc', 'unterminated string', 0, 1, 1],
      ['"a\\qb"', "invalid escape '\\q' in string", 2, 1, 3],
      ['userType', "unknown name 'userType': write src.userType to read a source attribute, or userType(...) to call a function", 0, 1, 1],
      ['src.a = "x"', "use '==' to compare", 6, 1, 7],
      ['src.a && true', "use 'and' instead of '&&'", 6, 1, 7],
      ['src.a || true', "use 'or' instead of '||'", 6, 1, 7],
      ['!src.a', "use 'not' instead of '!'", 0, 1, 1],
      ['src.a ? 1 : 2', 'use if(condition, then, else) instead of ? :', 6, 1, 7],
      ['src.a + "x"', 'there is no + operator', 6, 1, 7],
      ['1 == 2 == 3', 'comparisons cannot be chained', 7, 1, 8],
      ['and', "expected a value before 'and'", 0, 1, 1],
      ['lower(src.a) src.b', 'expected an operator (and, or, ==, ...) or the end of the expression, found', 13, 1, 14],
      ['src.', "expected an attribute name after '.'", 4, 1, 5],
      ['src.emails[type eq ]', 'invalid filter: expected a value, found the end of the filter', 19, 1, 20],
      ['src.emails[type eq "work"', "missing ']' for the '[' at offset 10", 10, 1, 11],
      ['src["urn:x:y:2.0:User:bad name"]', "Invalid attribute path 'urn:x:y:2.0:User:bad name': expected '[', '.' or the end of the path", 25, 1, 26],
      ['/(a/', "invalid regular expression: missing ')' for the group opened at offset 0", 3, 1, 4],
      ['/a/g', "invalid regular expression: unsupported regular expression flag 'g'", 3, 1, 4],
      ['//', 'empty regular expression', 0, 1, 1],
      ['/abc', 'unterminated regular expression', 0, 1, 1],
      ['{a: 1, A: 2}', "duplicate key 'A' (keys match ignoring case and spacing)", 7, 1, 8],
      ['{a 1}', "expected ':' after the key 'a'", 3, 1, 4],
      ['[1 2]', "expected ',' or ']' after the list item", 3, 1, 4],
      ['coalesce(\n  src.a,\n  src.b src.c\n)', "expected ',' or ')' after the argument, found 'src.c'", 27, 3, 9],
      ['1e999', 'number is out of range', 0, 1, 1],
    ])('%j', (text, message, offset, line, column) => {
      expect(parseError(text)).toEqual({ message: expect.stringContaining(message), offset, line, column });
    });
  });

  describe('limits', () => {
    it(`refuses more than ${MAX_EXPRESSION_LENGTH} characters`, () => {
      const text = `"${'x'.repeat(MAX_EXPRESSION_LENGTH)}"`;
      expect(parseError(text)).toMatchObject({ message: `expression is longer than ${MAX_EXPRESSION_LENGTH} characters`, offset: MAX_EXPRESSION_LENGTH });
    });

    it(`refuses more than ${MAX_EXPRESSION_NODES} nodes`, () => {
      const text = `[${Array.from({ length: MAX_EXPRESSION_NODES }, () => '1').join(',')}]`;
      expect(parseError(text).message).toBe(`expression has more than ${MAX_EXPRESSION_NODES} parts`);
      expect(parse(`[${Array.from({ length: MAX_EXPRESSION_NODES - 1 }, () => '1').join(',')}]`)).toMatch(/^\[1 /);
    });

    it(`refuses nesting deeper than ${MAX_EXPRESSION_DEPTH}`, () => {
      const nested = (depth: number): string => `${'lower('.repeat(depth)}src.a${')'.repeat(depth)}`;
      expect(parse(nested(MAX_EXPRESSION_DEPTH))).toMatch(/^\(lower/);
      expect(parseError(nested(MAX_EXPRESSION_DEPTH + 1))).toMatchObject({
        message: `expression is nested more than ${MAX_EXPRESSION_DEPTH} levels deep`,
        offset: MAX_EXPRESSION_DEPTH * 6,
      });
      expect(parseError(`${'('.repeat(MAX_EXPRESSION_DEPTH + 1)}1${')'.repeat(MAX_EXPRESSION_DEPTH + 1)}`).message).toContain('nested more than');
      expect(parseError(`${'not '.repeat(MAX_EXPRESSION_DEPTH + 1)}true`).message).toContain('nested more than');
    });
  });
});
