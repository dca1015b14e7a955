import { TenantTurns, type Turn } from '../../../src/domain/tenants/tenant-turns';

describe('TenantTurns: one turn at a time per tenant', () => {
  it("gives a tenant's work the turn in the order it came, and another tenant's at once", () => {
    const turns = new TenantTurns(8);
    const log: string[] = [];
    const held: Record<string, Turn> = {};
    const begin = (name: string) => (turn: Turn) => {
      log.push(name);
      held[name] = turn;
    };
    turns.enter('a', begin('a1'));
    turns.enter('a', begin('a2'));
    turns.enter('a', begin('a3'));
    turns.enter('b', begin('b1'));
    expect(log).toEqual(['a1', 'b1']);
    held.a1.pass();
    expect(log).toEqual(['a1', 'b1', 'a2']);
    // Passing a turn twice hands on only once.
    held.a1.pass();
    expect(log).toEqual(['a1', 'b1', 'a2']);
    held.a2.pass();
    expect(log).toEqual(['a1', 'b1', 'a2', 'a3']);
  });

  it('refuses a place once the line is full, and takes work again after the line moved', () => {
    const turns = new TenantTurns(2);
    let first: Turn | undefined;
    expect(turns.enter('a', (turn) => (first = turn))).toBeDefined();
    expect(turns.enter('a', () => undefined)).toBeDefined();
    expect(turns.enter('a', () => undefined)).toBeDefined();
    expect(turns.enter('a', () => undefined)).toBeUndefined();
    expect(turns.enter('b', () => undefined)).toBeDefined();
    first?.pass();
    expect(turns.enter('a', () => undefined)).toBeDefined();
  });

  it('never begins work that left its place, and the turn goes to the one behind it', () => {
    const turns = new TenantTurns(8);
    const log: string[] = [];
    let first: Turn | undefined;
    turns.enter('a', (turn) => (first = turn));
    const gone = turns.enter('a', () => log.push('gone'));
    turns.enter('a', () => log.push('stayed'));
    gone?.leave();
    first?.pass();
    expect(log).toEqual(['stayed']);
  });

  it('frees the line when the last turn passes: the next work begins at once', () => {
    const turns = new TenantTurns(8);
    let turn: Turn | undefined;
    turns.enter('a', (granted) => (turn = granted));
    turn?.pass();
    let began = false;
    turns.enter('a', () => (began = true));
    expect(began).toBe(true);
  });

  it('hands a turn passed with a delay on after that delay, and the line holds until then', async () => {
    const turns = new TenantTurns(8);
    const first = await turns.wait('a');
    const passedAt = performance.now();
    first?.pass(40);
    const second = turns.wait('a');
    expect(second).toBeDefined();
    await second;
    expect(performance.now() - passedAt).toBeGreaterThanOrEqual(35);
  });

  it('wait() is undefined when the line is full', async () => {
    const turns = new TenantTurns(1);
    await turns.wait('a');
    expect(turns.wait('a')).toBeDefined();
    expect(turns.wait('a')).toBeUndefined();
  });
});
