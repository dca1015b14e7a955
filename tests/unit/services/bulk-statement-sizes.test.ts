import { statementSizes } from '../../../src/persistence/repositories/bulk-rows';

describe('statementSizes (rows per multi-row INSERT of a bulk write)', () => {
  it.each([1, 7, 255, 256, 257, 1000, 8000, 12_345])('SQLite: %i rows in full statements of 256, then powers of two, largest first', (rows) => {
    const sizes = statementSizes('sqlite', rows, 11);
    expect(sizes.reduce((total, size) => total + size, 0)).toBe(rows);
    for (const size of sizes) expect([256, 128, 64, 32, 16, 8, 4, 2, 1]).toContain(size);
    expect([...sizes].sort((a, b) => b - a)).toEqual(sizes);
    expect(sizes.filter((size) => size < 256).length).toBe(new Set(sizes.filter((size) => size < 256)).size);
  });

  it('SQLite: a wide table stays under the bound-parameter limit with a power-of-two remainder', () => {
    const sizes = statementSizes('sqlite', 1000, 200);
    expect(Math.max(...sizes) * 200).toBeLessThanOrEqual(30_000);
    expect(sizes.reduce((total, size) => total + size, 0)).toBe(1000);
    expect(sizes.slice(0, 6)).toEqual([150, 150, 150, 150, 150, 150]);
    expect(sizes.slice(6)).toEqual([64, 32, 4]);
  });

  it('PostgreSQL: as many rows per statement as the parameter limit allows, any remainder', () => {
    expect(statementSizes('postgresql', 10_000, 7)).toEqual([4285, 4285, 1430]);
    expect(statementSizes('postgresql', 3, 7)).toEqual([3]);
  });
});
