import fc from 'fast-check';
import {
  compileSafeRegex,
  execSafeRegex,
  matchAllSafeRegex,
  MAX_REGEX_PATTERN_LENGTH,
  replaceSafeRegex,
  testSafeRegex,
  type SafeRegex,
  type StepMeter,
} from '../../../src/domain/mapping/safe-regex';

class CountingMeter implements StepMeter {
  steps = 0;
  constructor(private readonly limit = Infinity) {}
  charge(steps: number): void {
    this.steps += steps;
    if (this.steps > this.limit) throw new Error('budget');
  }
}

function compile(pattern: string, flags = ''): SafeRegex {
  const result = compileSafeRegex(pattern, flags);
  if (!result.ok) throw new Error(`${pattern}: ${result.message}`);
  return result.regex;
}

/**
 * What JavaScript's RegExp reports for the first match: the groups, or null. Code points as with the
 * `u` flag, except for the literal braces that only Annex B (no `u`) accepts.
 */
function jsMatch(pattern: string, flags: string, input: string): (string | undefined)[] | null {
  let regex: RegExp;
  try {
    regex = new RegExp(pattern, `${flags}u`);
  } catch {
    regex = new RegExp(pattern, flags);
  }
  const match = regex.exec(input);
  return match === null ? null : [...match];
}

function safeMatch(pattern: string, flags: string, input: string): (string | undefined)[] | null {
  return execSafeRegex(compile(pattern, flags), input, 0, new CountingMeter())?.groups.slice() ?? null;
}

describe('safe regular expressions', () => {
  describe('match like JavaScript on the supported syntax', () => {
    it.each<[string, string, string]>([
      ['^App-Mgr-.*$', 'i', 'app-mgr-east'],
      ['^App-Mgr-.*$', '', 'app-mgr-east'],
      ['(\\w+)@(\\w+)\\.com', '', 'mail jo@acme.com now'],
      ['(a|ab)(c|bcd)(d*)', '', 'abcd'],
      ['a{2,3}', '', 'aaaa'],
      ['a{2,3}?', '', 'aaaa'],
      ['a{2,}', '', 'aaaaa'],
      ['a{3}', '', 'aa'],
      ['x*', '', 'yyy'],
      ['(?<first>\\w+)\\s(?<last>\\w+)', '', 'Jane Doe'],
      ['(?:ab)+', '', 'xxababab'],
      ['[^a-c]+', 'i', 'ABCdefA'],
      ['[a-c]+', 'i', 'xxABCaz'],
      ['\\bfoo\\b', '', 'a foo b'],
      ['\\Boo', '', 'foo'],
      ['\\d{4}-\\d{2}', '', 'on 2024-12-31'],
      ['\\D+', '', '12ab34'],
      ['\\s+', '', 'a \t b'],
      ['\\S+', '', '  word  '],
      ['\\W', '', 'ab_c-d'],
      ['.+', '', 'line1\nline2'],
      ['^$', '', ''],
      ['a|b|c', '', 'zzc'],
      ['(a)|(b)', '', 'b'],
      ['(a*)*', '', 'aaa'],
      ['(a*)+b', '', 'aaab'],
      ['\\x41\\u0042', '', 'xAB'],
      ['[\\d.]+', '', 'v1.20.3'],
      ['[-a]+', '', '--a-'],
      ['[a-]+', '', 'a-a'],
      ['a{', '', 'a{'],
      ['a{1,x}', '', 'a{1,x}'],
      ['\\.\\*\\+\\?\\(\\)\\[\\]\\{\\}\\|\\/\\^\\$\\\\', '', '.*+?()[]{}|/^$\\'],
      ['colou?r', '', 'my color'],
      ['(?:Mr|Ms)\\.? (\\w+)', '', 'Ms Smith'],
      ['é+', 'i', 'ÉÉé'],
      ['😀+', '', 'a😀😀b'],
      ['.', '', '😀'],
      ['[😀-😂]', '', 'x😁'],
      ['', '', 'abc'],
      ['a*?b', '', 'aaab'],
      ['(a+?)(a*)', '', 'aaa'],
    ])('/%s/%s on %j', (pattern, flags, input) => {
      expect(safeMatch(pattern, flags, input)).toEqual(jsMatch(pattern, flags, input));
    });

    it('agrees with RegExp on generated patterns and inputs', () => {
      const atom = fc.constantFrom('a', 'b', '.', '[ab]', '[^a]', '\\d', '\\w', '(a|b)', '(?:ab)', '(a)', '(a?b*)', '(|a)', '(?:(a)|b)', '((a)|(b))');
      const quantifier = fc.constantFrom('', '', '*', '+', '?', '{1,2}', '*?', '+?');
      const pattern = fc.array(fc.tuple(atom, quantifier).map(([a, q]) => a + q), { minLength: 1, maxLength: 5 }).map((parts) => parts.join(''));
      const input = fc.stringMatching(/^[ab1 ]{0,12}$/);
      fc.assert(
        fc.property(pattern, fc.boolean(), input, (source, anchored, text) => {
          const full = anchored ? `^${source}$` : source;
          expect(safeMatch(full, '', text)).toEqual(jsMatch(full, '', text));
        }),
        { numRuns: 500 },
      );
    });
  });

  describe('stay linear where backtracking explodes', () => {
    it.each<[string, string]>([
      ['(a+)+$', `${'a'.repeat(1000)}!`],
      ['(a|aa)*b', 'a'.repeat(1000)],
      ['(x+x+)+y', 'x'.repeat(1000)],
      ['(.*a){12}', 'a'.repeat(200)],
      ['^(\\w+\\s?)*$', `${'word '.repeat(200)}!`],
    ])('/%s/ costs at most program size x (input + 1) steps', (pattern, input) => {
      const regex = compile(pattern);
      const meter = new CountingMeter();
      const started = Date.now();
      testSafeRegex(regex, input, meter);
      expect(meter.steps).toBeLessThanOrEqual(regex.program.length * (input.length + 1) * 2);
      expect(Date.now() - started).toBeLessThan(1_000);
    });

    it('stops when the meter says the budget is spent', () => {
      expect(() => testSafeRegex(compile('(a|aa)*b'), 'a'.repeat(1000), new CountingMeter(500))).toThrow('budget');
    });

    it('seeds no threads after position 0 for a pattern anchored with ^', () => {
      const anchored = new CountingMeter();
      const floating = new CountingMeter();
      testSafeRegex(compile('^App-'), 'x'.repeat(500), anchored);
      testSafeRegex(compile('App-'), 'x'.repeat(500), floating);
      expect(compile('^App-').anchoredAtStart).toBe(true);
      expect(compile('^a|b').anchoredAtStart).toBe(false);
      expect(anchored.steps).toBeLessThan(10);
      expect(floating.steps).toBeGreaterThan(500);
    });

    it('rejects input without the characters an anchored pattern starts with in one step', () => {
      const regex = compile('^App-Mgr-.*$', 'i');
      expect(regex.requiredStart).toHaveLength(8);
      const rejected = new CountingMeter();
      expect(testSafeRegex(regex, 'Department group number 1999', rejected)).toBe(false);
      expect(rejected.steps).toBe(1);
      expect(testSafeRegex(regex, 'APP-MGR-East', new CountingMeter())).toBe(true);
      expect(compile('^(a)b').requiredStart).toHaveLength(0);
      expect(compile('^\\d\\d-x').requiredStart).toHaveLength(4);
    });
  });

  describe('refuse what cannot be bounded or is not supported, with an offset', () => {
    it.each<[string, string, string, number]>([
      ['(a', '', "missing ')' for the group opened at offset 0", 2],
      ['a)', '', "unmatched ')'", 1],
      ['*a', '', 'nothing to repeat', 0],
      ['a**', '', 'a quantifier cannot follow another', 2],
      ['^*', '', 'nothing to repeat', 1],
      ['\\b+', '', 'nothing to repeat', 2],
      ['(a)\\1', '', 'backreferences are not supported', 3],
      ['\\k<x>', '', 'named backreferences are not supported', 0],
      ['(?=a)', '', 'lookahead and lookbehind assertions are not supported', 0],
      ['(?<=a)b', '', 'lookahead and lookbehind assertions are not supported', 0],
      ['(?<1x>a)', '', 'invalid group name', 1],
      ['(?<n>a)(?<n>b)', '', "duplicate group name 'n'", 8],
      ['[z-a]', '', 'range out of order', 1],
      ['[\\d-z]', '', 'a class escape such as \\d cannot bound a range', 1],
      ['[abc', '', "missing ']'", 4],
      ['a{5,2}', '', 'numbers out of order', 1],
      ['a{2000}', '', 'repetition count is larger than 1000', 1],
      ['((a{100}){100})', '', 'regular expression is too complex', 0],
      ['\\p{L}', '', 'Unicode property escapes are not supported', 0],
      ['\\q', '', "unknown escape '\\q'", 0],
      ['\\x4', '', '\\x needs 2 hexadecimal digits', 0],
      ['a\\', '', '\\ at the end of the pattern', 1],
      ['a', 'g', "unsupported regular expression flag 'g'", 0],
      ['a', 'ii', "unsupported regular expression flag 'i'", 0],
      ['a'.repeat(MAX_REGEX_PATTERN_LENGTH + 1), '', `longer than ${MAX_REGEX_PATTERN_LENGTH} characters`, MAX_REGEX_PATTERN_LENGTH],
    ])('/%s/%s', (pattern, flags, message, offset) => {
      const result = compileSafeRegex(pattern, flags);
      expect(result.ok).toBe(false);
      if (!result.ok) expect({ message: result.message, offset: result.offset }).toEqual({ message: expect.stringContaining(message), offset });
    });
  });

  describe('replace and scan like String.prototype.replace with /g', () => {
    it.each<[string, string, string]>([
      ['\\s+', '  a   b  ', ' '],
      ['(\\w+)\\.(\\w+)', 'jane.doe', '$2, $1 $$ $&'],
      ['(?<user>[^@]+)@', 'jo@acme.com', '<$<user>>'],
      ['', 'abc', '-'],
      ['x*', 'axxb', '-'],
      ['(a)', 'aa', '$12'],
      ['(a)(b)?', 'a', '[$2]'],
      ['😀', 'a😀b😀', '*'],
    ])('/%s/ on %j with %j', (pattern, input, replacement) => {
      expect(replaceSafeRegex(compile(pattern), input, replacement, new CountingMeter())).toBe(input.replace(new RegExp(pattern, 'gu'), replacement));
    });

    it('lists every non-overlapping match', () => {
      expect(matchAllSafeRegex(compile('\\d+'), 'a1b22c333', new CountingMeter()).map((match) => [match.start, match.end])).toEqual([
        [1, 2],
        [3, 5],
        [6, 9],
      ]);
    });
  });
});
