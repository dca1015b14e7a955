import { DomainError } from '../../../src/domain/errors';
import { FilteredReads, FILTERED_READS_WAITING_PER_TENANT } from '../../../src/persistence/filtered-reads';

/** A read that ends when the test says so. */
function pendingRead(log: string[], name: string) {
  let finish!: (value: string) => void;
  let fail!: (error: Error) => void;
  const ended = new Promise<string>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  return {
    read: () => {
      log.push(`start ${name}`);
      return ended;
    },
    finish: () => finish(name),
    fail: (error: Error) => fail(error),
  };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('FilteredReads: one filtered read of a tenant at a time', () => {
  it("runs a tenant's reads one after another, in the order they came, while another tenant's run beside them", async () => {
    const reads = new FilteredReads();
    const log: string[] = [];
    const a1 = pendingRead(log, 'a1');
    const a2 = pendingRead(log, 'a2');
    const b1 = pendingRead(log, 'b1');
    const results = [reads.run('a', a1.read), reads.run('a', a2.read), reads.run('b', b1.read)];
    await turn();
    expect(log).toEqual(['start a1', 'start b1']);
    a1.finish();
    await turn();
    expect(log).toEqual(['start a1', 'start b1', 'start a2']);
    a2.finish();
    b1.finish();
    expect(await Promise.all(results)).toEqual(['a1', 'a2', 'b1']);
  });

  it('passes the turn on when a read fails', async () => {
    const reads = new FilteredReads();
    const log: string[] = [];
    const first = pendingRead(log, 'first');
    const second = pendingRead(log, 'second');
    const failed = reads.run('a', first.read);
    const next = reads.run('a', second.read);
    first.fail(new DomainError('TOO_MANY', 'past the budget'));
    await expect(failed).rejects.toThrow('past the budget');
    await turn();
    second.finish();
    expect(await next).toBe('second');
    expect(log).toEqual(['start first', 'start second']);
  });

  it(`refuses a tenant's read with UNAVAILABLE when ${FILTERED_READS_WAITING_PER_TENANT} already wait, and takes reads again once the line moves`, async () => {
    const reads = new FilteredReads();
    const log: string[] = [];
    const running = pendingRead(log, 'running');
    const waiting = Array.from({ length: FILTERED_READS_WAITING_PER_TENANT }, (_, index) => pendingRead(log, `waiting ${index}`));
    const started = [reads.run('a', running.read), ...waiting.map((read) => reads.run('a', read.read))];
    await expect(reads.run('a', () => Promise.resolve('one too many'))).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    // Another tenant is not affected.
    expect(await reads.run('b', () => Promise.resolve('other tenant'))).toBe('other tenant');
    running.finish();
    for (const read of waiting) read.finish();
    expect(await Promise.all(started)).toHaveLength(FILTERED_READS_WAITING_PER_TENANT + 1);
    expect(await reads.run('a', () => Promise.resolve('after'))).toBe('after');
  });
});

describe('FilteredReads: pacing', () => {
  it("starts a tenant's next read no sooner than a slow read's own duration after it ended (half the time at most), another tenant's at once", async () => {
    const reads = new FilteredReads();
    const slowRead = () => new Promise<number>((resolve) => setTimeout(() => resolve(performance.now()), 60));
    const first = reads.run('a', slowRead);
    const next = reads.run('a', async () => performance.now());
    const other = reads.run('b', async () => performance.now());
    const firstEnded = await first;
    const otherStarted = await other;
    const nextStarted = await next;
    expect(otherStarted).toBeLessThan(firstEnded);
    // Timers never fire early: the tenant's next read waited at least the 60 ms its first one took.
    expect(nextStarted - firstEnded).toBeGreaterThanOrEqual(55);
  });

});
