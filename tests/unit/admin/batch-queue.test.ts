import { BatchQueue } from '../../../src/services/batch-queue';

/** A queue whose writes are recorded as batch sizes, failing while `state.failing` is set. */
function recordingQueue(state: { batches: number[]; failing: boolean }, options: { maxQueued?: number; batchSize?: number; flushDelayMs?: number; onDropped?: (count: number, reason: unknown) => void } = {}) {
  return new BatchQueue<number>({
    maxQueued: options.maxQueued ?? 10_000,
    batchSize: options.batchSize ?? 200,
    flushDelayMs: options.flushDelayMs ?? 10_000,
    write: async (batch) => {
      if (state.failing) throw new Error('database unreachable');
      state.batches.push(batch.length);
    },
    onDropped: options.onDropped ?? (() => undefined),
  });
}

describe('batch queue (the provisioning log writes through it)', () => {
  it('writes queued items in batches, one flush after another', async () => {
    const state = { batches: [] as number[], failing: false };
    const queue = recordingQueue(state, { batchSize: 4 });
    for (let index = 0; index < 10; index += 1) queue.submit(index);
    await queue.flush();
    expect(state.batches).toEqual([4, 4, 2]);
  });

  it('drops (and reports) items beyond its bound instead of growing', async () => {
    const state = { batches: [] as number[], failing: false };
    const dropped: number[] = [];
    const queue = recordingQueue(state, { maxQueued: 3, batchSize: 100, onDropped: (count) => dropped.push(count) });
    for (let index = 0; index < 5; index += 1) queue.submit(index);
    expect(dropped).toEqual([1, 1]);
    await queue.flush();
    expect(state.batches).toEqual([3]);
  });

  it('never rejects when a write fails: the batch is reported dropped', async () => {
    const state = { batches: [] as number[], failing: true };
    const dropped: { count: number; reason: unknown }[] = [];
    const queue = recordingQueue(state, { onDropped: (count, reason) => dropped.push({ count, reason }) });
    queue.submit(1);
    queue.submit(2);
    await expect(queue.flush()).resolves.toBeUndefined();
    expect(dropped).toEqual([{ count: 2, reason: expect.objectContaining({ message: 'database unreachable' }) }]);
    state.failing = false;
    queue.submit(3);
    await queue.flush();
    expect(state.batches).toEqual([1]);
  });

  it('flushes on its own after the delay', async () => {
    const state = { batches: [] as number[], failing: false };
    const queue = recordingQueue(state, { flushDelayMs: 5 });
    queue.submit(1);
    expect(state.batches).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(state.batches).toEqual([1]);
  });
});
