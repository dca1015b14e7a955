import { OffloadPool, type OffloadLimits } from '../../../src/services/offload/offload-pool';

const LIMITS: OffloadLimits = { threads: 1, taskTimeoutMs: 60_000, maxQueue: 8, tasksPerTenant: 4 };

describe('OffloadPool', () => {
  const pools: OffloadPool[] = [];
  const poolWith = (limits: Partial<OffloadLimits>) => {
    const pool = new OffloadPool({ ...LIMITS, ...limits });
    pools.push(pool);
    return pool;
  };
  afterAll(async () => {
    for (const pool of pools) await pool.close();
  });

  it('runs a mapping task on a worker thread and answers plain data', async () => {
    const pool = poolWith({});
    const parsed = await pool.run('tenant-a', 'parseMappingText', 'rules: [{ id: a, target: email, from: userName }]\n');
    expect(parsed).toEqual({ definition: { rules: [{ id: 'a', target: 'email', from: 'userName' }] }, errors: [] });
    const hostile = await pool.run('tenant-a', 'parseMappingText', `rules: [${Array.from({ length: 200 }, (_, index) => `&a${index} y, *a${index}`).join(', ')}]`);
    expect(hostile.errors.map((error) => error.message)).toEqual(['the file has more than 100 anchors and aliases']);
  });

  it('ends a task past its deadline (waiting for a thread included) with TOO_MANY', async () => {
    const pool = poolWith({ taskTimeoutMs: 1 });
    await expect(pool.run('tenant-a', 'parseMappingText', 'rules: []')).rejects.toMatchObject({ code: 'TOO_MANY', message: expect.stringContaining('did not finish within 1 ms') });
  });

  it('answers UNAVAILABLE when the line of waiting tasks is full, TOO_MANY past a tenant\'s share, and serves the rest', async () => {
    const pool = poolWith({ maxQueue: 1, tasksPerTenant: 1 });
    const outcomes = await Promise.allSettled(['a', 'b', 'c', 'd', 'a'].map((tenant) => pool.run(`tenant-${tenant}`, 'parseMappingText', 'rules: []')));
    const codes = outcomes.map((outcome) => (outcome.status === 'fulfilled' ? 'ok' : (outcome.reason as { code: string }).code));
    expect(codes[4]).toBe('TOO_MANY');
    expect(codes).toContain('UNAVAILABLE');
    expect(codes[0]).toBe('ok');
    expect(await pool.run('tenant-a', 'parseMappingText', 'rules: []')).toEqual({ definition: { rules: [] }, errors: [] });
  });
});
