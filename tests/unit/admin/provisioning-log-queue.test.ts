import type { Database } from '../../../src/persistence/database';
import { ProvisioningLogService, type ProvisioningRecord } from '../../../src/services/provisioning-log.service';

/** A database stand-in: each transaction is one multi-row insert (its rows counted from the `(?, ...)` tuples), or fails when told to. */
function fakeDatabase(state: { batches: number[]; failing: boolean }): Database {
  return {
    async transaction(work: (tx: unknown) => Promise<unknown>) {
      if (state.failing) throw new Error('database unreachable');
      const tx = { run: async (sql: string) => state.batches.push(sql.match(/\(\?/g)?.length ?? 0) };
      return work(tx);
    },
  } as unknown as Database;
}

function record(index: number): ProvisioningRecord {
  return {
    tenantId: 't-1',
    at: Date.now(),
    connectionId: 'c-1',
    method: 'GET',
    path: `/Users/${index}`,
    status: 200,
    durationMs: 1,
    errorDetail: null,
    scimType: null,
    resourceType: 'User',
    resourceId: String(index),
    body: null,
    requestId: `r-${index}`,
  };
}

describe('provisioning log queue', () => {
  it('writes queued entries in batches, one flush after another', async () => {
    const state = { batches: [] as number[], failing: false };
    const log = new ProvisioningLogService(fakeDatabase(state), { retentionDays: 30, batchSize: 4, flushDelayMs: 10_000, onDropped: () => undefined });
    for (let index = 0; index < 10; index += 1) log.submit(record(index));
    await log.flush();
    expect(state.batches).toEqual([4, 4, 2]);
  });

  it('drops (and reports) entries beyond its bound instead of growing', async () => {
    const state = { batches: [] as number[], failing: false };
    const dropped: number[] = [];
    const log = new ProvisioningLogService(fakeDatabase(state), { retentionDays: 30, maxQueued: 3, batchSize: 100, flushDelayMs: 10_000, onDropped: (count) => dropped.push(count) });
    for (let index = 0; index < 5; index += 1) log.submit(record(index));
    expect(dropped).toEqual([1, 1]);
    await log.flush();
    expect(state.batches).toEqual([3]);
  });

  it('never rejects when the database fails: the batch is reported dropped', async () => {
    const state = { batches: [] as number[], failing: true };
    const dropped: { count: number; reason: unknown }[] = [];
    const log = new ProvisioningLogService(fakeDatabase(state), { retentionDays: 30, flushDelayMs: 10_000, onDropped: (count, reason) => dropped.push({ count, reason }) });
    log.submit(record(1));
    log.submit(record(2));
    await expect(log.flush()).resolves.toBeUndefined();
    expect(dropped).toEqual([{ count: 2, reason: expect.objectContaining({ message: 'database unreachable' }) }]);
    state.failing = false;
    log.submit(record(3));
    await log.flush();
    expect(state.batches).toEqual([1]);
  });

  it('flushes on its own after the delay', async () => {
    const state = { batches: [] as number[], failing: false };
    const log = new ProvisioningLogService(fakeDatabase(state), { retentionDays: 30, flushDelayMs: 5, onDropped: () => undefined });
    log.submit(record(1));
    expect(state.batches).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(state.batches).toEqual([1]);
  });
});
