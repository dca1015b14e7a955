import { containsNul, exceedsMaxStringBytes, MAX_STRING_BYTES } from '../../../src/domain/string-limits';
import { truncateUtf8 } from '../../../src/domain/text';

describe('containsNul', () => {
  it.each<[unknown, boolean]>([
    ['a\u0000b', true],
    ['\\u0000', false],
    [{ userName: 'x', emails: [{ value: 'y\u0000' }] }, true],
    [{ 'bad\u0000key': 1 }, true],
    [[1, true, null, 'ok', { a: ['b'] }], false],
    [undefined, false],
  ])('%j -> %s', (value, expected) => {
    expect(containsNul(value)).toBe(expected);
  });
});

describe('exceedsMaxStringBytes', () => {
  it.each<[string, boolean]>([
    ['', false],
    ['x'.repeat(MAX_STRING_BYTES), false],
    ['x'.repeat(MAX_STRING_BYTES + 1), true],
    // 682 three-byte characters are 2,046 bytes; one more is 2,049.
    ['\u20ac'.repeat(682), false],
    ['\u20ac'.repeat(683), true],
    // A pair of surrogates is one four-byte character.
    ['\u{1F600}'.repeat(512), false],
    ['\u{1F600}'.repeat(512) + 'x', true],
    // U+FDFA is 3 bytes and 18 characters (33 bytes) under NFKC: the folded key would not fit.
    ['\ufdfa'.repeat(62), false],
    ['\ufdfa'.repeat(63), true],
  ])('case %#', (text, expected) => {
    expect(exceedsMaxStringBytes(text)).toBe(expected);
  });
});

describe('truncateUtf8', () => {
  it.each<[string, number, string]>([
    ['abc', 2, 'ab'],
    ['abc', 3, 'abc'],
    ['\u20ac\u20ac', 5, '\u20ac'],
    ['a\u{1F600}b', 4, 'a'],
    ['a\u{1F600}b', 5, 'a\u{1F600}'],
  ])('%j to %d bytes', (text, bytes, expected) => {
    expect(truncateUtf8(text, bytes)).toBe(expected);
  });
});
