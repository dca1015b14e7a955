import { deterministicTimeOrderedId, nextTimeOrderedId } from '../../../src/domain/time-ordered-id';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[78][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('time-ordered ids', () => {
  it('are UUIDv7 and sort in the order they were made, even within one millisecond', () => {
    const ids = Array.from({ length: 5000 }, () => nextTimeOrderedId(1_700_000_000_000));
    for (const { id } of ids) expect(id).toMatch(UUID);
    const made = ids.map(({ id }) => id);
    expect([...made].sort()).toEqual(made);
    expect(new Set(made).size).toBe(made.length);
  });

  it('never go back in time when the clock does', () => {
    const first = nextTimeOrderedId(1_800_000_000_000);
    const second = nextTimeOrderedId(1_700_000_000_000);
    expect(second.at).toBeGreaterThanOrEqual(first.at);
    expect(second.id > first.id).toBe(true);
  });

  it('deterministic ids repeat for the same key and time and still sort by time', () => {
    const day = Date.UTC(2026, 0, 1);
    expect(deterministicTimeOrderedId(day, 'a')).toBe(deterministicTimeOrderedId(day, 'a'));
    expect(deterministicTimeOrderedId(day, 'a')).not.toBe(deterministicTimeOrderedId(day, 'b'));
    expect(deterministicTimeOrderedId(day, 'a')).toMatch(UUID);
    expect(deterministicTimeOrderedId(day + 86_400_000, 'a') > deterministicTimeOrderedId(day, 'z')).toBe(true);
  });
});
