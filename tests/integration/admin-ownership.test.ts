import type { AuditContext } from '../../src/domain/audit';
import { OwnershipRepository } from '../../src/persistence/repositories/ownership.repository';
import type { KeysetPosition } from '../../src/persistence/repositories/keyset';
import { testDatabaseKind } from '../support/test-app';
import { ScimClient, expectStatus, useScimHub } from '../support/scim-client';

const connection: AuditContext = { actor: { type: 'connection', id: 'c-entra' }, requestId: 'req-delete' };
const app: AuditContext = { actor: { type: 'apiKey', id: 'contracts-app' } };

/** Default substitute and ownership transfer on deprovisioning. */
describe(`ownership and default substitute on ${testDatabaseKind()}`, () => {
  const scim = useScimHub();

  async function tenantWithUsers(...userNames: string[]) {
    const created = await scim.hub.createTenant();
    const client = new ScimClient(scim.hub, created.scimToken);
    const ids: string[] = [];
    for (const userName of userNames) ids.push((await client.createUser(userName)).id as string);
    return { tenantId: created.tenant.id, slug: created.tenant.slug, client, ids };
  }

  /** Registers `count` resources owned by `ownerUserId` in one transaction (fixture speed). */
  async function ownMany(tenantId: string, ownerUserId: string, count: number, resourceType = 'contract') {
    const repository = new OwnershipRepository();
    await scim.hub.hub.database.transaction(async (tx) => {
      for (let index = 0; index < count; index += 1) {
        await repository.upsert(tx, { tenantId, resourceType, resourceId: `${resourceType}-${index}`, ownerUserId, registeredBy: 'test', orphanedAt: null, previousOwnerUserId: null, updatedAt: Date.now() });
      }
    });
  }

  async function ownedBy(tenantId: string, userId: string): Promise<number> {
    let total = 0;
    let after: KeysetPosition | undefined;
    for (;;) {
      const page = await scim.hub.hub.services.ownership.listOwnedBy(tenantId, userId, { after, limit: 500 });
      total += page.items.length;
      if (!page.hasMore) return total;
      after = page.items[page.items.length - 1].position;
    }
  }

  /** Events other than the users' own lifecycle events (creating the test users emits user.created). */
  function outboxEvents(tenantId: string) {
    return scim.hub.hub.database.read((tx) =>
      tx.all<{ type: string; resource_id: string; payload: unknown }>(
        tx.knex('outbox_events').where({ tenant_id: tenantId }).whereNot('type', 'like', 'user.%').orderBy(['created_at', 'id']),
      ),
    );
  }

  const payloadOf = (row: { payload: unknown }) => (typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload);

  it('registers owners that are users of the tenant, keeping the previous owner on a change', async () => {
    const { tenantId, ids } = await tenantWithUsers('ann@example.com', 'bob@example.com');
    const { ownership } = scim.hub.hub.services;
    await ownership.registerOwnership(tenantId, { resourceType: 'contract', resourceId: 'k-1', ownerUserId: ids[0] }, app);
    const changed = await ownership.registerOwnership(tenantId, { resourceType: 'contract', resourceId: 'k-1', ownerUserId: ids[1] }, app);
    expect(changed).toMatchObject({ ownerUserId: ids[1], previousOwnerUserId: ids[0], registeredBy: 'apiKey:contracts-app', orphanedAt: null });
    expect(await ownership.getOwnership(tenantId, 'contract', 'k-1')).toEqual(changed);
    await expect(ownership.registerOwnership(tenantId, { resourceType: 'contract', resourceId: 'k-2', ownerUserId: 'not-a-user' }, app)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(ownership.registerOwnership(tenantId, { resourceType: 'bad type!', resourceId: 'k-2', ownerUserId: ids[0] }, app)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(await ownership.releaseOwnership(tenantId, 'contract', 'k-1')).toBe(true);
    expect(await ownership.getOwnership(tenantId, 'contract', 'k-1')).toBeUndefined();
  });

  it('transfers 1,000 resources to the default substitute in one transaction, with an audit row and an event', async () => {
    const { tenantId, ids } = await tenantWithUsers('leaver@example.com', 'substitute@example.com');
    const [leaver, substitute] = ids;
    const { ownership, audit } = scim.hub.hub.services;
    await ownership.setDefaultSubstitute(tenantId, substitute, app);
    await ownMany(tenantId, leaver, 900, 'contract');
    await ownMany(tenantId, leaver, 100, 'folder');

    const transfer = await scim.hub.hub.database.transaction((tx) => ownership.transferOwnership(tx, tenantId, leaver, 'deleted', connection));

    const expected = { fromUserId: leaver, toUserId: substitute, reason: 'deleted', transferred: 1000, orphaned: 0, byResourceType: { contract: 900, folder: 100 }, substituteCleared: false };
    expect(transfer).toEqual(expected);
    expect(await ownedBy(tenantId, leaver)).toBe(0);
    expect(await ownedBy(tenantId, substitute)).toBe(1000);
    expect(await ownership.getOwnership(tenantId, 'folder', 'folder-7')).toMatchObject({ ownerUserId: substitute, previousOwnerUserId: leaver, orphanedAt: null });
    const [row] = (await audit.list(tenantId, { action: 'ownership.transferred' }, { limit: 10 })).items.map((item) => item.node);
    expect(row).toMatchObject({ actor: connection.actor, requestId: 'req-delete', target: { type: 'user', id: leaver }, diff: { details: expected } });
    const events = await outboxEvents(tenantId);
    expect(events.map((event) => [event.type, event.resource_id])).toEqual([['ownership.transferred', leaver]]);
    expect(payloadOf(events[0])).toEqual(expected);
  });

  it('commits nothing when the deprovisioning transaction fails afterwards', async () => {
    const { tenantId, ids } = await tenantWithUsers('leaver@example.com', 'substitute@example.com');
    const { ownership, audit } = scim.hub.hub.services;
    await ownership.setDefaultSubstitute(tenantId, ids[1], app);
    await ownMany(tenantId, ids[0], 5);
    await expect(
      scim.hub.hub.database.transaction(async (tx) => {
        await ownership.transferOwnership(tx, tenantId, ids[0], 'deleted', connection);
        throw new Error('the delete failed');
      }),
    ).rejects.toThrow('the delete failed');
    expect(await ownedBy(tenantId, ids[0])).toBe(5);
    expect((await audit.list(tenantId, { action: 'ownership.transferred' }, { limit: 10 })).items).toHaveLength(0);
    expect(await outboxEvents(tenantId)).toHaveLength(0);
  });

  it('without a substitute marks the resources orphaned and lists them for admins, who can assign them', async () => {
    const { tenantId, ids } = await tenantWithUsers('leaver@example.com', 'heir@example.com');
    const { ownership } = scim.hub.hub.services;
    await ownMany(tenantId, ids[0], 3);
    const transfer = await scim.hub.hub.database.transaction((tx) => ownership.transferOwnership(tx, tenantId, ids[0], 'deleted', connection));
    expect(transfer).toMatchObject({ toUserId: null, transferred: 0, orphaned: 3 });
    const orphaned = await ownership.listOrphaned(tenantId, { limit: 2 });
    expect(orphaned.hasMore).toBe(true);
    expect(orphaned.items[0].node).toMatchObject({ ownerUserId: null, previousOwnerUserId: ids[0], orphanedAt: expect.any(Number) });
    expect(await ownership.listWarnings(tenantId)).toEqual([{ code: 'ORPHANED_RESOURCES', count: 3, byResourceType: { contract: 3 } }]);

    expect(await ownership.assignOrphanedResources(tenantId, ids[1], app)).toBe(3);
    expect(await ownedBy(tenantId, ids[1])).toBe(3);
    expect(await ownership.listWarnings(tenantId)).toEqual([]);
  });

  it('when the IdP deprovisions the substitute itself: the setting is cleared, its resources orphaned, admins warned', async () => {
    const { tenantId, slug, client, ids } = await tenantWithUsers('substitute@example.com', 'next@example.com');
    const [substitute, next] = ids;
    const { ownership, tenants } = scim.hub.hub.services;
    await ownership.setDefaultSubstitute(tenantId, substitute, app);
    await ownMany(tenantId, substitute, 4);

    const transfer = await scim.hub.hub.database.transaction((tx) => ownership.transferOwnership(tx, tenantId, substitute, 'deleted', connection));
    // The IdP's own request is untouched by all this: it succeeds.
    expectStatus(await client.delete(`/Users/${substitute}`), 204);

    expect(transfer).toMatchObject({ toUserId: null, orphaned: 4, substituteCleared: true });
    const settings = (await tenants.getTenantBySlug(slug)).settings;
    expect(settings.defaultSubstituteUserId).toBeNull();
    expect(settings.deprovisionedSubstitute).toEqual({ userId: substitute, at: expect.any(Number), reason: 'deleted' });
    expect(await ownership.listWarnings(tenantId)).toEqual([
      { code: 'DEFAULT_SUBSTITUTE_DEPROVISIONED', userId: substitute, at: settings.deprovisionedSubstitute?.at, reason: 'deleted' },
      { code: 'ORPHANED_RESOURCES', count: 4, byResourceType: { contract: 4 } },
    ]);
    expect(payloadOf((await outboxEvents(tenantId))[0])).toMatchObject({ substituteCleared: true, orphaned: 4 });

    await ownership.setDefaultSubstitute(tenantId, next, app);
    expect((await ownership.listWarnings(tenantId)).map((warning) => warning.code)).toEqual(['ORPHANED_RESOURCES']);
  });

  it('a substitute who owns nothing still clears the setting and is announced', async () => {
    const { tenantId, ids } = await tenantWithUsers('substitute@example.com');
    const { ownership } = scim.hub.hub.services;
    await ownership.setDefaultSubstitute(tenantId, ids[0], app);
    const transfer = await scim.hub.hub.database.transaction((tx) => ownership.transferOwnership(tx, tenantId, ids[0], 'deleted', connection));
    expect(transfer).toMatchObject({ transferred: 0, orphaned: 0, substituteCleared: true });
    expect((await outboxEvents(tenantId)).map((event) => event.type)).toEqual(['ownership.transferred']);
  });

  it('a user who owns nothing and is not the substitute leaves no trace', async () => {
    const { tenantId, ids } = await tenantWithUsers('nobody@example.com', 'substitute@example.com');
    const { ownership, audit } = scim.hub.hub.services;
    await ownership.setDefaultSubstitute(tenantId, ids[1], app);
    const transfer = await scim.hub.hub.database.transaction((tx) => ownership.transferOwnership(tx, tenantId, ids[0], 'deleted', connection));
    expect(transfer).toMatchObject({ transferred: 0, orphaned: 0, substituteCleared: false });
    expect(await outboxEvents(tenantId)).toHaveLength(0);
    expect((await audit.list(tenantId, { action: 'ownership.transferred' }, { limit: 10 })).items).toHaveLength(0);
  });

  it('transfers on deactivation only when the tenant chose it', async () => {
    const { tenantId, slug, ids } = await tenantWithUsers('leaver@example.com', 'substitute@example.com');
    const { ownership, tenants } = scim.hub.hub.services;
    await ownership.setDefaultSubstitute(tenantId, ids[1], app);
    await ownMany(tenantId, ids[0], 2);
    expect(await scim.hub.hub.database.transaction((tx) => ownership.transferOwnership(tx, tenantId, ids[0], 'deactivated', connection))).toBeNull();
    expect(await ownedBy(tenantId, ids[0])).toBe(2);
    await tenants.updateSettings(slug, { transferOnDeactivate: true });
    const transfer = await scim.hub.hub.database.transaction((tx) => ownership.transferOwnership(tx, tenantId, ids[0], 'deactivated', connection));
    expect(transfer).toMatchObject({ reason: 'deactivated', transferred: 2, toUserId: ids[1] });
  });

  it('orphans rather than hands to a substitute who was deactivated, and warns', async () => {
    const { tenantId, client, ids } = await tenantWithUsers('leaver@example.com', 'substitute@example.com');
    const { ownership } = scim.hub.hub.services;
    await ownership.setDefaultSubstitute(tenantId, ids[1], app);
    expectStatus(await client.patch(`/Users/${ids[1]}`, [{ op: 'replace', path: 'active', value: false }]), 200);
    await ownMany(tenantId, ids[0], 1);
    const transfer = await scim.hub.hub.database.transaction((tx) => ownership.transferOwnership(tx, tenantId, ids[0], 'deleted', connection));
    expect(transfer).toMatchObject({ toUserId: null, orphaned: 1 });
    expect((await ownership.listWarnings(tenantId)).map((warning) => warning.code)).toEqual(['DEFAULT_SUBSTITUTE_UNAVAILABLE', 'ORPHANED_RESOURCES']);
  });

  it('accepts only active users of the tenant as the default substitute, and audits the choice', async () => {
    const { tenantId, client, ids } = await tenantWithUsers('active@example.com', 'inactive@example.com');
    const other = await tenantWithUsers('elsewhere@example.com');
    const { ownership, audit } = scim.hub.hub.services;
    expectStatus(await client.patch(`/Users/${ids[1]}`, [{ op: 'replace', path: 'active', value: false }]), 200);
    await expect(ownership.setDefaultSubstitute(tenantId, ids[1], app)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(ownership.setDefaultSubstitute(tenantId, other.ids[0], app)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    const settings = await ownership.setDefaultSubstitute(tenantId, ids[0], app);
    expect(settings.defaultSubstituteUserId).toBe(ids[0]);
    const [row] = (await audit.list(tenantId, { action: 'tenant.default_substitute_set' }, { limit: 10 })).items.map((item) => item.node);
    expect(row.diff).toEqual({ before: { defaultSubstituteUserId: null }, after: { defaultSubstituteUserId: ids[0] } });
  });
});
