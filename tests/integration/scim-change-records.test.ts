import { testDatabaseKind } from '../support/test-app';
import { ScimClient, expectStatus, useScimHub } from '../support/scim-client';

/** SCIM writes leave their trail in the same transaction: change events (outbox), audit rows, ownership transfers. */
describe(`change events and audit of SCIM writes on ${testDatabaseKind()}`, () => {
  const scim = useScimHub();

  async function eventsOf(tenantId: string) {
    return scim.hub.hub.database.read((tx) =>
      tx.all<{ type: string; resource_id: string; payload: unknown }>(tx.knex('outbox_events').select('type', 'resource_id', 'payload').where({ tenant_id: tenantId }).orderBy(['created_at', 'id'])),
    );
  }

  it('user and group writes enqueue events in order and write audit rows naming the connection and request', async () => {
    const tenant = await scim.hub.createTenant();
    const client = new ScimClient(scim.hub, tenant.scimToken);
    const user = await client.createUser('evented@example.com', { active: true });
    expectStatus(await client.patch(`/Users/${user.id}`, [{ op: 'replace', path: 'displayName', value: 'E' }]), 200);
    expectStatus(await client.patch(`/Users/${user.id}`, [{ op: 'replace', path: 'active', value: false }]), 200);
    expectStatus(await client.patch(`/Users/${user.id}`, [{ op: 'replace', path: 'active', value: true }]), 200);
    const group = await client.createGroup('Evented');
    expectStatus(await client.patch(`/Groups/${group.id}`, [{ op: 'add', path: 'members', value: [{ value: user.id }] }]), 204);
    expectStatus(await client.patch(`/Groups/${group.id}`, [{ op: 'remove', path: `members[value eq "${user.id}"]` }]), 204);
    expectStatus(await client.delete(`/Groups/${group.id}`), 204);
    expectStatus(await client.delete(`/Users/${user.id}`), 204);
    const events = await eventsOf(tenant.tenant.id);
    expect(events.map((event) => event.type)).toEqual([
      'user.created',
      'user.updated',
      'user.deactivated',
      'user.reactivated',
      'group.created',
      'membership.added',
      'membership.removed',
      'group.deleted',
      'user.deleted',
    ]);
    const audit = await scim.hub.hub.database.read((tx) =>
      tx.all<{ action: string; actor_type: string; actor_id: string; request_id: string | null }>(tx.knex('audit_events').where({ tenant_id: tenant.tenant.id, target_id: user.id }).orderBy(['at', 'id'])),
    );
    expect(audit.map((row) => row.action)).toEqual(['user.created', 'user.updated', 'user.deactivated', 'user.reactivated', 'user.deleted']);
    expect(new Set(audit.map((row) => `${row.actor_type}:${row.actor_id}`))).toEqual(new Set([`connection:${tenant.connection.id}`]));
    expect(audit.every((row) => typeof row.request_id === 'string' && row.request_id.length > 0)).toBe(true);
  });

  it('a group created with members announces them; every membership change has an audit row naming its members', async () => {
    const tenant = await scim.hub.createTenant();
    const client = new ScimClient(scim.hub, tenant.scimToken);
    const [ada, bob] = [await client.createUser('ada@example.com'), await client.createUser('bob@example.com')];
    const group = await client.createGroup('Founders', [ada.id]);
    expectStatus(await client.patch(`/Groups/${group.id}`, [{ op: 'add', path: 'members', value: [{ value: bob.id }] }]), 204);
    expectStatus(await client.patch(`/Groups/${group.id}`, [{ op: 'remove', path: 'members' }]), 204);
    const events = (await eventsOf(tenant.tenant.id)).filter((event) => event.resource_id === group.id);
    expect(events.map((event) => event.type)).toEqual(['group.created', 'membership.added', 'membership.added', 'membership.removed']);
    const audit = await scim.hub.hub.database.read((tx) =>
      tx.all<{ action: string; actor_id: string; diff: unknown }>(tx.knex('audit_events').select('action', 'actor_id', 'diff').where({ tenant_id: tenant.tenant.id, target_id: group.id }).orderBy(['at', 'id'])),
    );
    expect(audit.map((row) => [row.action, row.actor_id, typeof row.diff === 'string' ? JSON.parse(row.diff) : row.diff])).toEqual([
      ['group.created', tenant.connection.id, expect.anything()],
      ['membership.added', tenant.connection.id, { details: { memberIds: [ada.id], count: 1 } }],
      ['membership.added', tenant.connection.id, { details: { memberIds: [bob.id], count: 1 } }],
      ['membership.removed', tenant.connection.id, { details: { allMembers: true } }],
    ]);
  });

  it('a failed write leaves no event and no audit row', async () => {
    const tenant = await scim.hub.createTenant();
    const client = new ScimClient(scim.hub, tenant.scimToken);
    await client.createUser('dup@example.com');
    expectStatus(await client.post('/Users', { userName: 'DUP@example.com' }), 409);
    expect((await eventsOf(tenant.tenant.id)).map((event) => event.type)).toEqual(['user.created']);
  });

  it('an IdP DELETE hands everything the user owned to the default substitute in the same transaction', async () => {
    const tenant = await scim.hub.createTenant();
    const client = new ScimClient(scim.hub, tenant.scimToken);
    const leaver = await client.createUser('leaver@example.com');
    const substitute = await client.createUser('substitute@example.com');
    const ownership = scim.hub.hub.services.ownership;
    const context = { actor: { type: 'system' as const, id: 'test' } };
    await ownership.setDefaultSubstitute(tenant.tenant.id, substitute.id, context);
    for (let index = 0; index < 25; index += 1) {
      await ownership.registerOwnership(tenant.tenant.id, { resourceType: 'contract', resourceId: `c-${index}`, ownerUserId: leaver.id }, context);
    }
    expectStatus(await client.delete(`/Users/${leaver.id}`), 204);
    for (const index of [0, 24]) {
      expect((await ownership.getOwnership(tenant.tenant.id, 'contract', `c-${index}`))?.ownerUserId).toBe(substitute.id);
    }
    expect((await eventsOf(tenant.tenant.id)).map((event) => event.type)).toContain('ownership.transferred');
  });
});
