import { KeyedBatches } from '../../../src/services/keyed-batches';

/** A job runs at once when its key is idle; those arriving meanwhile run together next, per key. */
describe('KeyedBatches', () => {
  function recorder(maxBatch = 8) {
    const batches: string[][] = [];
    const gates: (() => void)[] = [];
    const batcher = new KeyedBatches<string, string>(maxBatch, async (jobs) => {
      batches.push([...jobs]);
      await new Promise<void>((resolve) => gates.push(resolve));
      return jobs.map((job) => (job.startsWith('bad') ? { status: 'rejected', reason: new Error(job) } : { status: 'fulfilled', value: `done ${job}` }));
    });
    const release = async () => {
      await new Promise((resolve) => setImmediate(resolve));
      gates.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    };
    return { batcher, batches, release };
  }

  it('runs a job on an idle key alone and at once', async () => {
    const { batcher, batches, release } = recorder();
    const result = batcher.submit('g1', 'a');
    expect(batches).toEqual([['a']]);
    await release();
    await expect(result).resolves.toBe('done a');
  });

  it('runs the jobs that arrived during a batch together as the next one, in arrival order', async () => {
    const { batcher, batches, release } = recorder();
    const results = ['a', 'b', 'c', 'd'].map((job) => batcher.submit('g1', job));
    expect(batches).toEqual([['a']]);
    await release();
    expect(batches).toEqual([['a'], ['b', 'c', 'd']]);
    await release();
    await expect(Promise.all(results)).resolves.toEqual(['done a', 'done b', 'done c', 'done d']);
  });

  it('keeps keys apart: another key does not wait for a running batch', async () => {
    const { batcher, batches, release } = recorder();
    const first = batcher.submit('g1', 'a');
    const second = batcher.submit('g2', 'b');
    expect(batches).toEqual([['a'], ['b']]);
    await release();
    await release();
    await expect(Promise.all([first, second])).resolves.toEqual(['done a', 'done b']);
  });

  it('takes at most maxBatch jobs a batch', async () => {
    const { batcher, batches, release } = recorder(2);
    const results = ['a', 'b', 'c', 'd', 'e'].map((job) => batcher.submit('g1', job));
    for (let round = 0; round < 3; round += 1) await release();
    expect(batches).toEqual([['a'], ['b', 'c'], ['d', 'e']]);
    await expect(Promise.all(results)).resolves.toHaveLength(5);
  });

  it('settles each job with its own outcome, and all of them when the batch itself fails', async () => {
    const { batcher, release } = recorder();
    const first = batcher.submit('g1', 'a');
    const good = batcher.submit('g1', 'b');
    const bad = expect(batcher.submit('g1', 'bad c')).rejects.toThrow('bad c');
    await release();
    await release();
    await expect(first).resolves.toBe('done a');
    await expect(good).resolves.toBe('done b');
    await bad;

    const failing = new KeyedBatches<string, string>(4, async () => {
      throw new Error('the transaction failed');
    });
    await expect(Promise.all([failing.submit('g1', 'x'), failing.submit('g1', 'y')])).rejects.toThrow('the transaction failed');
    await expect(failing.submit('g1', 'z')).rejects.toThrow('the transaction failed');
  });

  it('forgets an idle key, so a later job runs at once again', async () => {
    const { batcher, batches, release } = recorder();
    const first = batcher.submit('g1', 'a');
    await release();
    await first;
    const later = batcher.submit('g1', 'b');
    expect(batches).toEqual([['a'], ['b']]);
    await release();
    await expect(later).resolves.toBe('done b');
  });
});
