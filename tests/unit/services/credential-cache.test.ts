import { CredentialCache } from '../../../src/services/credential-cache';

describe('CredentialCache', () => {
  let clock = 0;
  const cache = () => new CredentialCache<string>({ ttlMs: 1000, maxEntries: 2, now: () => clock });
  beforeEach(() => {
    clock = 0;
  });

  it('answers a remembered credential without loading it again until it expires', async () => {
    const credentials = cache();
    const load = jest.fn(async () => ({ value: 'alice', tenantId: 't1' }));
    expect(await credentials.remember('h1', load)).toBe('alice');
    clock = 999;
    expect(await credentials.remember('h1', load)).toBe('alice');
    expect(load).toHaveBeenCalledTimes(1);
    clock = 1000;
    expect(await credentials.remember('h1', load)).toBe('alice');
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('never remembers an unknown credential', async () => {
    const credentials = cache();
    const load = jest.fn(async () => undefined);
    expect(await credentials.remember('h1', load)).toBeUndefined();
    expect(await credentials.remember('h1', load)).toBeUndefined();
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('forgets the credentials of one tenant only', async () => {
    const credentials = cache();
    await credentials.remember('h1', async () => ({ value: 'alice', tenantId: 't1' }));
    await credentials.remember('h2', async () => ({ value: 'bob', tenantId: 't2' }));
    credentials.forgetTenant('t1');
    expect(credentials.get('h1')).toBeUndefined();
    expect(credentials.get('h2')).toBe('bob');
  });

  it('does not store what a lookup read before a forget that happened while it ran', async () => {
    const credentials = cache();
    let finish: (value: { value: string; tenantId: string }) => void = () => undefined;
    const pending = credentials.remember('h1', () => new Promise((resolve) => (finish = resolve)));
    credentials.forgetTenant('t1');
    finish({ value: 'alice (revoked meanwhile)', tenantId: 't1' });
    expect(await pending).toBe('alice (revoked meanwhile)');
    expect(credentials.get('h1')).toBeUndefined();
  });

  it('keeps at most maxEntries, dropping the oldest', async () => {
    const credentials = cache();
    for (const [hash, name] of [['h1', 'a'], ['h2', 'b'], ['h3', 'c']]) await credentials.remember(hash, async () => ({ value: name, tenantId: 't1' }));
    expect([credentials.get('h1'), credentials.get('h2'), credentials.get('h3')]).toEqual([undefined, 'b', 'c']);
  });

  it('catches up with changes made elsewhere before answering: a tenant announced, or all', async () => {
    let pending: (string | undefined)[] = [];
    const listeners: ((tenantId: string | undefined) => void)[] = [];
    const changes = {
      async catchUp() {
        for (const tenantId of pending.splice(0)) for (const listener of listeners) listener(tenantId);
      },
      subscribe: (listener: (tenantId: string | undefined) => void) => listeners.push(listener),
      async close() {},
    };
    const credentials = new CredentialCache<string>({ ttlMs: 60_000, maxEntries: 10, now: () => clock, changes });
    const load = jest.fn(async () => ({ value: 'alice', tenantId: 't1' }));
    const other = jest.fn(async () => ({ value: 'bob', tenantId: 't2' }));
    await credentials.remember('h1', load);
    await credentials.remember('h2', other);
    pending = ['t1'];
    await credentials.remember('h1', load);
    await credentials.remember('h2', other);
    expect([load.mock.calls.length, other.mock.calls.length]).toEqual([2, 1]);
    pending = [undefined];
    await credentials.remember('h2', other);
    expect(other).toHaveBeenCalledTimes(2);
  });
});
