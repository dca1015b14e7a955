import { retryDelayMs } from '../../../src/services/webhook-delivery';

describe('webhook retry delay', () => {
  it('doubles per attempt from the base, capped, with jitter in the upper half', () => {
    const low = () => 0;
    const high = () => 1;
    expect([1, 2, 3, 4].map((attempt) => retryDelayMs(attempt, 1000, 60_000, high))).toEqual([1000, 2000, 4000, 8000]);
    expect([1, 2, 3, 4].map((attempt) => retryDelayMs(attempt, 1000, 60_000, low))).toEqual([500, 1000, 2000, 4000]);
    expect(retryDelayMs(20, 1000, 60_000, high)).toBe(60_000);
    expect(retryDelayMs(20, 1000, 60_000, low)).toBe(30_000);
  });

  it('spreads receivers that fail together', () => {
    const delays = new Set(Array.from({ length: 50 }, () => retryDelayMs(5, 1000, 60_000)));
    expect(delays.size).toBeGreaterThan(40);
    for (const delay of delays) expect(delay).toBeGreaterThanOrEqual(8000);
  });
});
