import { containsNul } from '../../../src/scim/protocol/nul-characters';

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
