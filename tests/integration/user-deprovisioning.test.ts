import { testDatabaseKind } from '../support/test-app';
import { expectScimError, expectStatus, USER_SCHEMA } from '../support/scim-client';
import { errorCodes, useGraphqlHub, type GraphqlTestTenant } from '../graphql/graphql-hub';
import { EventWatch } from '../support/event-watch';

const SETTINGS = 'mutation($input: UpdateTenantSettingsInput!) { updateTenantSettings(input: $input) { settings { scimUserDelete idpMayChangeUserName } } }';
const USERS = 'query { users(first: 50) { nodes { id userName } } }';
const DEPROVISIONED = 'query { deprovisionedUsers { nodes { id userName externalId deprovisionedAt substituteUserId } } }';
const RESTORE = 'mutation($id: ID!) { restoreUser(input: { id: $id }) { user { id userName } } }';
const PURGE = 'mutation($id: ID!) { purgeUser(input: { id: $id }) { purgedUserId } }';
const REGISTER = 'mutation($input: RegisterOwnershipInput!) { registerOwnership(input: $input) { ownership { ownerUserId } } }';
const OWNED = 'query($owner: ID!) { ownedResources(ownerUserId: $owner) { nodes { resourceId } } }';
const AUDIT = 'query($target: String!) { auditEvents(filter: { targetId: $target }) { nodes { action } } }';

/** Deprovisioning policy per tenant (SCIM DELETE removes or keeps as deprovisioned) and whether the IdP may change a userName. */
describe(`user deprovisioning policy on ${testDatabaseKind()}`, () => {
  const graphql = useGraphqlHub({ WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_POLL_INTERVAL_MS: '20' });
  const watches: EventWatch[] = [];
  afterAll(async () => {
    for (const watch of watches) await watch.close();
  });

  async function watch(tenant: GraphqlTestTenant): Promise<EventWatch> {
    const started = await EventWatch.start(graphql.hub, tenant);
    watches.push(started);
    return started;
  }

  async function data<T = Record<string, any>>(tenant: GraphqlTestTenant, query: string, variables?: Record<string, unknown>): Promise<T> {
    const response = await tenant.admin.sendText<T>(query, variables);
    if (response.errors || !response.data) throw new Error(JSON.stringify(response.body));
    return response.data;
  }

  async function userNames(tenant: GraphqlTestTenant): Promise<string[]> {
    return (await data(tenant, USERS)).users.nodes.map((user: { userName: string }) => user.userName).sort();
  }

  it('removes the user for good by default, announced as user.deleted', async () => {
    const tenant = await graphql.tenant();
    const events = await watch(tenant);
    const ann = await tenant.scim.createUser('ann@example.com');
    expect((await data(tenant, 'query { viewer { tenant { settings { scimUserDelete idpMayChangeUserName } } } }')).viewer.tenant.settings).toEqual({ scimUserDelete: 'REMOVE', idpMayChangeUserName: true });
    expectStatus(await tenant.scim.delete(`/Users/${ann.id}`), 204);
    expect((await data(tenant, DEPROVISIONED)).deprovisionedUsers.nodes).toEqual([]);
    const hooks = await events.webhooks('user.created', 'user.deleted');
    expect(hooks.map((event) => event.type)).not.toContain('user.deprovisioned');
    const restore = await tenant.admin.sendText(RESTORE, { id: ann.id });
    expect(errorCodes(restore)).toEqual(['NOT_FOUND']);
  });

  it('keeps a deleted user as deprovisioned: out of SCIM and GraphQL reads, userName free, restorable with history and ownership, purgeable', async () => {
    const tenant = await graphql.tenant();
    const events = await watch(tenant);
    const leaver = await tenant.scim.createUser('leaver@example.com', { externalId: 'obj-1', name: { givenName: 'Lea', familyName: 'Ver' } });
    const substitute = await tenant.scim.createUser('substitute@example.com');
    await data(tenant, 'mutation($id: ID) { setDefaultSubstitute(input: { userId: $id }) { settings { defaultSubstituteUserId } } }', { id: substitute.id });
    const key = await data(tenant, 'mutation { createApiKey(input: { name: "contracts app", scopes: [READ, OWNERSHIP] }) { secret } }');
    const app = tenant.client(key.createApiKey.secret);
    for (const resourceId of ['k-1', 'k-2']) expect((await app.sendText(REGISTER, { input: { resourceType: 'contract', resourceId, ownerUserId: leaver.id } })).errors).toBeUndefined();
    const group = await tenant.scim.createGroup('Legal', [leaver.id]);
    expect((await data(tenant, SETTINGS, { input: { scimUserDelete: 'DEPROVISION' } })).updateTenantSettings.settings.scimUserDelete).toBe('DEPROVISION');

    expectStatus(await tenant.scim.delete(`/Users/${leaver.id}`), 204);

    expectScimError(await tenant.scim.get(`/Users/${leaver.id}`), 404);
    expect((await tenant.scim.filterUsers('userName eq "leaver@example.com"')).totalResults).toBe(0);
    expect((await tenant.scim.get('/Users')).body.totalResults).toBe(1);
    expect(await tenant.scim.memberIds(group.id)).toEqual([]);
    expect(await userNames(tenant)).toEqual(['substitute@example.com']);
    expect((await data(tenant, 'query($id: ID!) { user(id: $id) { id } }', { id: leaver.id })).user).toBeNull();
    const [kept] = (await data(tenant, DEPROVISIONED)).deprovisionedUsers.nodes;
    expect(kept).toMatchObject({ id: leaver.id, userName: 'leaver@example.com', externalId: 'obj-1', substituteUserId: substitute.id });
    const owned = async (owner: string) => ((await app.sendText<any>(OWNED, { owner })).data?.ownedResources.nodes ?? []).map((node: { resourceId: string }) => node.resourceId).sort();
    expect(await owned(substitute.id)).toEqual(['k-1', 'k-2']);

    // The userName is free: the IdP creates a new user with it; the kept one cannot come back while it is taken.
    const successor = await tenant.scim.createUser('LEAVER@example.com');
    const refused = await tenant.admin.sendText(RESTORE, { id: leaver.id });
    expect(errorCodes(refused)).toEqual(['CONFLICT']);
    expect(refused.errors?.[0].message).toContain('leaver@example.com');
    expectStatus(await tenant.scim.delete(`/Users/${successor.id}`), 204);
    expect((await data(tenant, DEPROVISIONED)).deprovisionedUsers.nodes.map((user: { id: string }) => user.id)).toEqual([successor.id, leaver.id]);

    const restored = await data(tenant, RESTORE, { id: leaver.id });
    expect(restored.restoreUser.user).toEqual({ id: leaver.id, userName: 'leaver@example.com' });
    const back = await tenant.scim.get(`/Users/${leaver.id}`);
    expectStatus(back, 200);
    expect(back.body).toMatchObject({ id: leaver.id, userName: 'leaver@example.com', externalId: 'obj-1', name: { givenName: 'Lea', familyName: 'Ver' } });
    expect(back.body.meta.created).toBe(leaver.meta.created);
    expect(back.headers.etag).toBe('W/"3"');
    expect(await owned(leaver.id)).toEqual(['k-1', 'k-2']);
    expect(await owned(substitute.id)).toEqual([]);
    const history = (await data(tenant, AUDIT, { target: leaver.id })).auditEvents.nodes.map((event: { action: string }) => event.action);
    expect(history).toEqual(expect.arrayContaining(['user.created', 'user.deprovisioned', 'ownership.transferred', 'user.restored', 'ownership.returned']));
    expect(await userNames(tenant)).toEqual(['leaver@example.com', 'substitute@example.com']);

    expect((await data(tenant, PURGE, { id: successor.id })).purgeUser.purgedUserId).toBe(successor.id);
    expect((await data(tenant, DEPROVISIONED)).deprovisionedUsers.nodes).toEqual([]);
    expect(errorCodes(await tenant.admin.sendText(PURGE, { id: successor.id }))).toEqual(['NOT_FOUND']);

    for (const seen of [await events.webhooks('user.deprovisioned', 'user.restored', 'user.deleted'), await events.subscription('user.deprovisioned', 'user.restored', 'user.deleted')]) {
      const about = (id: string) => seen.filter((event) => event.resource.id === id && event.type.startsWith('user.')).map((event) => event.type);
      expect(about(leaver.id)).toEqual(['user.created', 'user.deprovisioned', 'user.restored']);
      expect(about(successor.id)).toEqual(['user.created', 'user.deprovisioned', 'user.deleted']);
      expect(seen.find((event) => event.type === 'user.restored')?.data).toMatchObject({ userId: leaver.id, userName: 'leaver@example.com', active: true, ownershipReturned: 2 });
      const versions = seen.filter((event) => event.resource.id === leaver.id && event.type.startsWith('user.')).map((event) => event.resource.version);
      expect(versions).toEqual([1, 2, 3]);
    }
  });

  it('refuses a userName change from the IdP with 400 mutability when the tenant does not allow it', async () => {
    const tenant = await graphql.tenant();
    const user = await tenant.scim.createUser('fixed@example.com', { displayName: 'Fixed' });
    await data(tenant, SETTINGS, { input: { idpMayChangeUserName: false } });

    const patch = await tenant.scim.patch(`/Users/${user.id}`, [{ op: 'replace', path: 'userName', value: 'renamed@example.com' }]);
    expectScimError(patch, 400, 'mutability');
    expect(patch.body.detail).toContain('idpMayChangeUserName');
    expectScimError(await tenant.scim.put(`/Users/${user.id}`, { schemas: [USER_SCHEMA], userName: 'renamed@example.com' }), 400, 'mutability');
    expectStatus(await tenant.scim.patch(`/Users/${user.id}`, [{ op: 'replace', path: 'displayName', value: 'Still fixed' }]), 200);
    expectStatus(await tenant.scim.put(`/Users/${user.id}`, { schemas: [USER_SCHEMA], userName: 'fixed@example.com', displayName: 'Put' }), 200);
    expect((await tenant.scim.get(`/Users/${user.id}`)).body.userName).toBe('fixed@example.com');

    await data(tenant, SETTINGS, { input: { idpMayChangeUserName: true } });
    const allowed = await tenant.scim.patch(`/Users/${user.id}`, [{ op: 'replace', path: 'userName', value: 'renamed@example.com' }]);
    expectStatus(allowed, 200);
    expect(allowed.body.userName).toBe('renamed@example.com');
  });

  it('refuses an unknown deletion policy with a clear error', async () => {
    const tenant = await graphql.tenant();
    const response = await tenant.admin.sendText(SETTINGS, { input: { scimUserDelete: 'ARCHIVE' } });
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors?.[0].message).toContain('ARCHIVE');
    expect(response.errors?.[0].message).toContain('ScimUserDelete');
  });
});
