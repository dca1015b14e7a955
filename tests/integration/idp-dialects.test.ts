import { randomUUID } from 'node:crypto';
import { testDatabaseKind } from '../support/test-app';
import { databaseUrl, runCli } from '../support/processes';
import { ENTERPRISE, expectStatus, ScimClient } from '../support/scim-client';
import { EventWatch } from '../support/event-watch';
import { errorCodes, GraphqlClient, useGraphqlHub, type GraphqlTestTenant } from '../graphql/graphql-hub';

const SET_DIALECT = 'mutation($dialect: String!) { setScimConnectionDialect(input: { dialect: $dialect }) { connection { dialect } settings { transferOnDeactivate } presetDraftVersion } }';
const CONNECTION = 'query { scimConnection { dialect } viewer { tenant { settings { transferOnDeactivate } } } }';
const MANAGER = 'query($id: ID!) { user(id: $id) { manager { id userName } directReports { nodes { userName } } } }';
const ROLES = 'query($id: ID!) { user(id: $id) { appRoles } }';

async function data<T = Record<string, any>>(client: GraphqlClient, query: string, variables?: Record<string, unknown>): Promise<T> {
  const response = await client.sendText<T>(query, variables);
  if (response.errors || !response.data) throw new Error(JSON.stringify(response.body));
  return response.data;
}

/** IdP dialects: chosen on tenant creation (CLI) or over GraphQL, with the defaults the seeds describe. */
describe(`IdP dialects on ${testDatabaseKind()}`, () => {
  const graphql = useGraphqlHub({ WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_POLL_INTERVAL_MS: '20' });
  const watches: EventWatch[] = [];
  afterAll(async () => {
    for (const watch of watches) await watch.close();
  });

  /** A tenant created in `dialect` the way the CLI does, with its admin and SCIM clients. */
  async function tenantIn(dialect: string): Promise<GraphqlTestTenant> {
    const credentials = await graphql.hub.hub.services.tenants.createTenant({ slug: `t-${randomUUID().slice(0, 8)}`, dialect });
    return {
      credentials,
      admin: new GraphqlClient(graphql.hub, credentials.adminApiKey),
      scim: new ScimClient(graphql.hub, credentials.scimToken),
      client: (token) => new GraphqlClient(graphql.hub, token),
    };
  }

  it('tenant create --dialect picks the connection dialect; an unknown dialect is refused with the list', async () => {
    const env = { DATABASE_URL: databaseUrl(graphql.hub.config.database) };
    const slug = `okta-${randomUUID().slice(0, 8)}`;
    const created = await runCli(['tenant', 'create', slug, '--dialect', 'okta', '--json'], env);
    expect(created.stderr).toBe('');
    expect(created.status).toBe(0);
    const printed = JSON.parse(created.stdout);
    expect(printed.dialect).toBe('okta');
    const admin = new GraphqlClient(graphql.hub, printed.adminApiKey);
    expect(await data(admin, CONNECTION)).toEqual({ scimConnection: { dialect: 'okta' }, viewer: { tenant: { settings: { transferOnDeactivate: true } } } });

    const refused = await runCli(['tenant', 'create', `x-${randomUUID().slice(0, 8)}`, '--dialect', 'pingone'], env);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain('unknown dialect "pingone": choose one of entra, okta, onelogin, generic');
  });

  it('Okta: deprovisioning by active:false hands the resources to the default substitute, announced on webhooks and subscriptions', async () => {
    const tenant = await tenantIn('okta');
    const events = await EventWatch.start(graphql.hub, tenant);
    watches.push(events);
    const leaver = await tenant.scim.createUser('leaver@okta.local');
    const substitute = await tenant.scim.createUser('substitute@okta.local');
    await data(tenant.admin, 'mutation($id: ID) { setDefaultSubstitute(input: { userId: $id }) { settings { defaultSubstituteUserId } } }', { id: substitute.id });
    const key = await data(tenant.admin, 'mutation { createApiKey(input: { name: "app", scopes: [OWNERSHIP] }) { secret } }');
    const app = tenant.client(key.createApiKey.secret);
    expect((await app.sendText('mutation { registerOwnership(input: { resourceType: "contract", resourceId: "k-1", ownerUserId: "' + leaver.id + '" }) { ownership { ownerUserId } } }')).errors).toBeUndefined();

    // What Okta sends on unassignment (okta/update_user_patch.json): a no-path replace of active.
    expectStatus(await tenant.scim.patch(`/Users/${leaver.id}`, [{ op: 'replace', value: { active: false } }]), 200);

    const owner = await app.sendText<any>('query { ownedResources(ownerUserId: "' + substitute.id + '") { nodes { resourceId previousOwnerUserId } } }');
    expect(owner.data.ownedResources.nodes).toEqual([{ resourceId: 'k-1', previousOwnerUserId: leaver.id }]);
    for (const seen of [await events.webhooks('user.deactivated', 'ownership.transferred'), await events.subscription('user.deactivated', 'ownership.transferred')]) {
      expect(seen.find((event) => event.type === 'ownership.transferred')?.data).toMatchObject({ fromUserId: leaver.id, toUserId: substitute.id, reason: 'deactivated', transferred: 1 });
    }
  });

  it('setScimConnectionDialect changes the dialect, applies its defaults and offers its preset as a draft (OneLogin: role from title)', async () => {
    const tenant = await tenantIn('generic');
    const before = await tenant.scim.createUser('first@example.com', { title: 'manager', userType: 'user' });
    expect((await data(tenant.admin, ROLES, { id: before.id })).user.appRoles).toEqual(['Contributor']);

    const refused = await tenant.admin.sendText(SET_DIALECT, { dialect: 'jumpcloud' });
    expect(errorCodes(refused)).toEqual(['INVALID_INPUT']);
    expect(refused.errors?.[0].message).toContain('choose one of entra, okta, onelogin, generic');

    const changed = (await data(tenant.admin, SET_DIALECT, { dialect: 'onelogin' })).setScimConnectionDialect;
    expect(changed).toEqual({ connection: { dialect: 'onelogin' }, settings: { transferOnDeactivate: false }, presetDraftVersion: 2 });
    expect((await data(tenant.admin, SET_DIALECT, { dialect: 'onelogin' })).setScimConnectionDialect.presetDraftVersion).toBeNull();
    expect((await data(tenant.admin, 'mutation { validateMappingSet(version: 2) { ok } }')).validateMappingSet.ok).toBe(true);
    await data(tenant.admin, 'mutation { activateMappingSet(version: 2) { version } }');

    const after = await tenant.scim.createUser('second@example.com', { title: 'manager', userType: 'user' });
    expect((await data(tenant.admin, ROLES, { id: after.id })).user.appRoles).toEqual(['Manager']);

    expect((await data(tenant.admin, SET_DIALECT, { dialect: 'OKTA' })).setScimConnectionDialect.settings).toEqual({ transferOnDeactivate: true });
    expect((await data(tenant.admin, CONNECTION)).scimConnection.dialect).toBe('okta');
  });

  it('OneLogin: the manager named by managerId or value resolves to the user with that externalId, in either order', async () => {
    const tenant = await tenantIn('onelogin');
    const early = await tenant.scim.createUser('early@example.com', { [ENTERPRISE]: { manager: { managerId: 'ol-42', displayName: 'Boss Lady' } } });
    const boss = await tenant.scim.createUser('boss@example.com', { externalId: 'ol-42', title: 'admin' });
    const late = await tenant.scim.createUser('late@example.com', { [ENTERPRISE]: { manager: { value: 'ol-42' } } });
    const direct = await tenant.scim.createUser('direct@example.com', { [ENTERPRISE]: { manager: { value: boss.id } } });

    for (const report of [early, late, direct]) {
      expect((await data(tenant.admin, MANAGER, { id: report.id })).user.manager).toEqual({ id: boss.id, userName: 'boss@example.com' });
    }
    const reports = (await data(tenant.admin, MANAGER, { id: boss.id })).user.directReports.nodes.map((node: { userName: string }) => node.userName).sort();
    expect(reports).toEqual(['direct@example.com', 'early@example.com', 'late@example.com']);
    expect((await data(tenant.admin, ROLES, { id: boss.id })).user.appRoles).toEqual(['Admin']);

    // SCIM echoes the reference as received (managerId read as value); a later write of the report keeps the manager resolved.
    expect((await tenant.scim.get(`/Users/${early.id}`)).body[ENTERPRISE].manager).toEqual({ value: 'ol-42', displayName: 'Boss Lady' });
    expectStatus(await tenant.scim.patch(`/Users/${early.id}`, [{ op: 'replace', path: 'displayName', value: 'Early Bird' }]), 200);
    expect((await data(tenant.admin, MANAGER, { id: early.id })).user.manager).toEqual({ id: boss.id, userName: 'boss@example.com' });

    // A report kept as deprovisioned and restored names its manager again.
    await data(tenant.admin, 'mutation { updateTenantSettings(input: { scimUserDelete: DEPROVISION }) { settings { scimUserDelete } } }');
    expectStatus(await tenant.scim.delete(`/Users/${late.id}`), 204);
    await data(tenant.admin, 'mutation($id: ID!) { restoreUser(input: { id: $id }) { user { id } } }', { id: late.id });
    expect((await data(tenant.admin, MANAGER, { id: late.id })).user.manager).toEqual({ id: boss.id, userName: 'boss@example.com' });
  });

  it('a generic tenant does not read manager references as externalIds', async () => {
    const tenant = await tenantIn('generic');
    await tenant.scim.createUser('boss@example.com', { externalId: 'ext-1' });
    const report = await tenant.scim.createUser('report@example.com', { [ENTERPRISE]: { manager: { value: 'ext-1' } } });
    expect((await data(tenant.admin, MANAGER, { id: report.id })).user.manager).toBeNull();
  });
});
