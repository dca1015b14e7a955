import { SYSTEM_ACTOR, type Actor } from '../../src/domain/audit';
import { testDatabaseKind } from '../support/test-app';
import { useScimHub } from '../support/scim-client';

/** The audit trail: append-only rows in the caller's transaction, read by tenant, actor, target and time. */
describe(`audit trail on ${testDatabaseKind()}`, () => {
  const scim = useScimHub();
  const admin: Actor = { type: 'apiKey', id: 'key-1' };

  it('writes in the caller transaction: a rolled-back change leaves no audit row', async () => {
    const { tenant } = await scim.hub.createTenant();
    const { audit } = scim.hub.hub.services;
    await expect(
      scim.hub.hub.database.transaction(async (tx) => {
        await audit.record(tx, { tenantId: tenant.id, actor: admin, action: 'test.rolled_back', target: { type: 'thing', id: 't-1' } });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    await scim.hub.hub.database.transaction((tx) =>
      audit.record(tx, { tenantId: tenant.id, actor: admin, action: 'test.committed', target: { type: 'thing', id: 't-1' }, before: { a: 1, b: 2 }, after: { a: 1, b: 3 }, requestId: 'req-1' }),
    );
    const page = await audit.list(tenant.id, {}, { limit: 10 });
    expect(page.items.map((item) => item.node)).toEqual([
      {
        tenantId: tenant.id,
        id: expect.any(String),
        at: expect.any(Number),
        actor: admin,
        action: 'test.committed',
        target: { type: 'thing', id: 't-1' },
        diff: { before: { b: 2 }, after: { b: 3 } },
        requestId: 'req-1',
      },
    ]);
  });

  it('filters by actor, target, action and time range, newest first, in keyset pages without repeats', async () => {
    const { tenant } = await scim.hub.createTenant();
    const other = await scim.hub.createTenant();
    const { audit } = scim.hub.hub.services;
    const actors: Actor[] = [admin, { type: 'connection', id: 'c-1' }, SYSTEM_ACTOR];
    const recorded: { id: string; at: number }[] = [];
    for (let index = 0; index < 25; index += 1) {
      recorded.push(
        await scim.hub.hub.database.transaction((tx) =>
          audit.record(tx, { tenantId: tenant.id, actor: actors[index % 3], action: index % 2 === 0 ? 'thing.changed' : 'thing.deleted', target: { type: 'thing', id: `t-${index % 5}` } }),
        ),
      );
    }
    await scim.hub.hub.database.transaction((tx) => audit.record(tx, { tenantId: other.tenant.id, actor: admin, action: 'thing.changed', target: { type: 'thing', id: 't-0' } }));

    const seen: string[] = [];
    let after = undefined;
    for (;;) {
      const page = await audit.list(tenant.id, {}, { after, limit: 10 });
      seen.push(...page.items.map((item) => item.node.id));
      if (!page.hasMore) break;
      after = page.items[page.items.length - 1].position;
    }
    expect(seen).toEqual(recorded.map((event) => event.id).reverse());

    const byActor = await audit.list(tenant.id, { actor: { type: 'apiKey', id: 'key-1' } }, { limit: 100 });
    expect(byActor.items).toHaveLength(9);
    expect(byActor.items.every((item) => item.node.actor.id === 'key-1')).toBe(true);
    expect((await audit.list(tenant.id, { actor: { type: 'user', id: 'key-1' } }, { limit: 100 })).items).toHaveLength(0);

    const byTarget = await audit.list(tenant.id, { target: { type: 'thing', id: 't-0' }, action: 'thing.changed' }, { limit: 100 });
    expect(byTarget.items.map((item) => item.node.id)).toEqual([recorded[20].id, recorded[10].id, recorded[0].id]);

    const window = await audit.list(tenant.id, { from: recorded[5].at, to: recorded[9].at }, { limit: 100 });
    const expected = recorded.filter((event) => event.at >= recorded[5].at && event.at < recorded[9].at).map((event) => event.id).reverse();
    expect(window.items.map((item) => item.node.id)).toEqual(expected);
  });
});
