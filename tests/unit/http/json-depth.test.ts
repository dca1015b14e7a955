import { nestsDeeperThan } from '../../../src/http/json-depth';

const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('nestsDeeperThan', () => {
  it.each<[string, number, boolean]>([
    ['{}', 1, false],
    ['{}', 0, true],
    ['{"a":[{"b":[1]}]}', 4, false],
    ['{"a":[{"b":[1]}]}', 3, true],
    ['[[],[],[[]]]', 3, false],
    ['[[],[],[[]]]', 2, true],
    ['{"a":"[[[[[[[[["}', 1, false],
    ['{"a":"\\"[[[["}', 1, false],
    ['{"a":"\\\\","b":[[1]]}', 2, true],
    ['{"ü":"[[[","b":"✓"}', 1, false],
  ])('%s deeper than %d: %s', (text, limit, expected) => {
    expect(nestsDeeperThan(bytes(text), limit)).toBe(expected);
  });

  it('finds a 10,000-deep document without parsing it', () => {
    expect(nestsDeeperThan(bytes(`${'['.repeat(10_000)}${']'.repeat(10_000)}`), 64)).toBe(true);
  });
});
