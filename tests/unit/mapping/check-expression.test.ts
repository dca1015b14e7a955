import type { StaticType } from '../../../src/domain/mapping/expression-ast';
import { check } from './mapping-fixtures';

function errorsOf(text: string, valueType?: StaticType): { message: string; offset: number }[] {
  return check(text, valueType)
    .issues.filter((issue) => issue.severity === 'error')
    .map(({ message, offset }) => ({ message, offset }));
}

describe('checkExpression', () => {
  describe('reports problems at the offending node', () => {
    it.each<[string, string, number]>([
      ['IIF(true, 1, 2)', "unknown function 'IIF'; did you mean 'if'?", 0],
      ['ToLower(src.a)', "unknown function 'ToLower'; did you mean 'lower'?", 0],
      ['Switch(src.a, "x", "a", "b")', "unknown function 'Switch'; did you mean 'switch'?", 0],
      ['lowr(src.a)', "unknown function 'lowr'; did you mean 'lower'?", 0],
      ['frobnicate(src.a)', "unknown function 'frobnicate'", 0],
      ['trim(lower())', 'lower takes 1 argument, got 0: lower(text)', 5],
      ['left(src.a)', 'left takes 2 arguments, got 1: left(text, n)', 0],
      ['mid(src.a, 1, 2, 3)', 'mid takes 2 to 3 arguments, got 4', 0],
      ['coalesce()', 'coalesce takes at least 1 argument, got 0', 0],
      ['switch(src.a, "d", "k")', 'switch takes at least 4 arguments, got 3', 0],
      ['switch(src.a, "d", "k1", "r1", "k2")', 'switch needs a result for every key', 0],
      ['lower(true)', "lower: argument 'text' must be text, got a boolean", 6],
      ['lower({a: 1})', "lower: argument 'text' must be text, got a table", 6],
      ['left(src.a, "three")', "left: argument 'n' must be a number, got \"three\"", 12],
      ['left(src.a, [1])', "left: argument 'n' must be a number, got a list", 12],
      ['if("yes", 1, 2)', "if: argument 'condition' must be a condition (true or false), got text", 3],
      ['not "x"', "'not' needs a condition (true or false), got text; compare with == or use isPresent(...)", 4],
      ['1 and true', "'and' needs a condition (true or false), got a number", 0],
      ['true or [1]', "'or' needs a condition (true or false), got a list", 8],
      ['regexMatch(src.a, src.pattern)', "regexMatch: argument 'pattern' must be a regular expression literal", 18],
      ['regexMatch(src.a, "(x")', "regexMatch: argument 'pattern': invalid regular expression: missing ')'", 21],
      ['lower(/x/)', 'a regular expression can only be given to', 6],
      ['map(src.a, src.table)', "map: argument 'table' must be a table literal", 11],
      ['map(src.a, {a: 1}, 0, "fuzzy")', "map: argument 'match' must be \"caseInsensitive\" or \"exact\"", 22],
      ['optionList(src.a, "nope")', "optionList: argument 'list': there is no option list 'nope'", 18],
      ['optionList(src.a, src.list)', "optionList: argument 'list' must be the name of an option list in quotes", 18],
      ['formatDate(src.d, "YYYY-MM-DD")', "formatDate: argument 'format': unknown date format letter 'Y' at offset 0", 18],
      ['formatDate(src.d, "\'open")', 'unterminated quoted text in date format', 18],
      ['template(src.t)', "template: argument 'template' must be a template text in quotes", 9],
      ['template("{a")', "template: unclosed '{' in template", 10],
      ['template("a}")', "template: unmatched '}' in template", 11],
      ['template("{}")', 'template: empty placeholder {} in template', 10],
      ['template("{emails[}")', 'template: placeholder {emails[} is not a source path', 9],
      ['template("{x}", {y: 1})', 'template: placeholder {x} is not a key of the values table', 9],
      ['template("{value}")', 'template: {value} means the value flowing through a pipe', 9],
      ['value', "'value' means the value flowing through a pipe", 0],
      ['src.a < true', "'<' orders numbers or text, not a boolean", 8],
      ['[1] > [0]', "'>' orders numbers or text, not a list", 0],
      ['{a: 1} == 1', "'==' cannot compare a table", 0],
    ])('%s', (text, message, offset) => {
      expect(errorsOf(text)).toContainEqual({ message: expect.stringContaining(message), offset });
    });
  });

  it('accepts value where a pipe provides it', () => {
    expect(errorsOf('lower(value)', 'string')).toEqual([]);
    expect(errorsOf('template("{value}@x.com")', 'string')).toEqual([]);
  });

  it('warns when a map has no default', () => {
    expect(check('map(src.a, {a: "A"})').issues).toEqual([
      { severity: 'warning', message: 'map has no default: values missing from the table become null', offset: 0 },
    ]);
    expect(check('map(src.a, {a: "A"}, "B")').issues).toEqual([]);
  });

  describe('infers result types', () => {
    it.each<[string, StaticType]>([
      ['lower(src.a)', 'string'],
      ['lower(["A", "B"])', 'list'],
      ['len(src.a)', 'number'],
      ['isEmpty(src.a)', 'boolean'],
      ['src.a == 1', 'boolean'],
      ['src.a', 'any'],
      ['coalesce("a", "b")', 'string'],
      ['coalesce("a", 1)', 'any'],
      ['if(true, 1, 2)', 'number'],
      ['if(true, 1)', 'number'],
      ['default(src.a, "x")', 'any'],
      ['switch(src.a, "d", "k", "v")', 'string'],
      ['switch(src.a, 0, "k", true)', 'any'],
      ['map(src.a, {a: "A", b: "B"}, "C")', 'string'],
      ['map(src.a, {a: ["A"]}, ["B"])', 'list'],
      ['split(src.a, ",")', 'list'],
      ['toBool(src.a)', 'boolean'],
      ['[1]', 'list'],
    ])('%s is %s', (text, type) => {
      expect(check(text).type).toBe(type);
    });
  });
});
