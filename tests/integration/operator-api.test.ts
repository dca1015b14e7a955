import type { Tx } from '../../src/persistence/database';
import { bearer, createTestHub, testDatabaseKind, type TestHub } from '../support/test-app';
import { GROUP_SCHEMA, SCIM, USER_SCHEMA } from '../support/scim-client';
import { customSchemaUrnFor } from '../../src/domain/mapping/presets';

const admin = { actor: { type: 'system' as const, id: 'test' } };

/** Tables with a tenant_id column, read from the database itself (not from the code under test). */
async function tenantTables(tx: Tx): Promise<string[]> {
  const rows =
    tx.dialect === 'sqlite'
      ? await tx.all<{ name: string }>("select m.name from sqlite_master m join pragma_table_info(m.name) c on c.name = 'tenant_id' where m.type = 'table' order by m.name")
      : await tx.all<{ name: string }>("select table_name as name from information_schema.columns where column_name = 'tenant_id' and table_schema = current_schema() order by table_name");
  return rows.map((row) => row.name);
}

async function rowCounts(testHub: TestHub, tenantId: string): Promise<Record<string, number>> {
  return testHub.hub.database.read(async (tx) => {
    const counts: Record<string, number> = {};
    for (const table of await tenantTables(tx)) {
      const row = await tx.first<{ total: number | string }>(`select count(*) as total from ${table} where tenant_id = ?`, [tenantId]);
      counts[table] = Number(row?.total ?? 0);
    }
    const tenant = await tx.first<{ total: number | string }>('select count(*) as total from tenants where id = ?', [tenantId]);
    counts.tenants = Number(tenant?.total ?? 0);
    return counts;
  });
}

/** The operator API end to end: operator keys, tenant lifecycle, usage, suspension, API keys, deletion. */
describe(`operator API on ${testDatabaseKind()}`, () => {
  let hub: TestHub;
  let operatorKey: string;

  beforeAll(async () => {
    hub = await createTestHub({ WEBHOOK_ALLOW_HTTP: 'true', OIDC_ALLOW_HTTP_JWKS: 'true', PUBLIC_URL: 'https://hub.example.com' }, { backgroundJobs: false });
    operatorKey = (await hub.hub.services.operator.createKey('test operator')).secret;
  });
  afterAll(async () => {
    await hub.close();
  });

  const operator = (query: string, variables: Record<string, unknown> = {}, key = operatorKey) =>
    hub.http.post('/operator/graphql').set(bearer(key)).send({ query, variables });

  const TENANT_FIELDS = 'id slug name suspended suspendedAt suspensionReason scimBaseUrl usage { users groups lastScimRequestAt scimTokenExpiresAt }';

  async function createTenant(slug: string) {
    const response = await operator(
      `mutation($input: CreateTenantInput!) { createTenant(input: $input) { tenant { ${TENANT_FIELDS} } scimBaseUrl scimToken adminApiKey setupLink { url expiresAt } } }`,
      { input: { slug, name: `Tenant ${slug}`, dialect: 'ENTRA', scimTokenExpiresInDays: 30 } },
    );
    expect(response.body.errors).toBeUndefined();
    return response.body.data.createTenant;
  }

  it('refuses requests without an operator key, with a tenant API key, and a revoked operator key; operator keys are refused on /graphql', async () => {
    const created = await hub.createTenant();
    const none = await hub.http.post('/operator/graphql').send({ query: '{ tenants { nodes { slug } } }' });
    expect(none.status).toBe(401);
    expect(none.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    const tenantKey = await operator('{ tenants { nodes { slug } } }', {}, created.adminApiKey);
    expect(tenantKey.status).toBe(401);

    const extra = await hub.hub.services.operator.createKey('to revoke');
    expect(extra.secret).toMatch(/^ihop_/);
    expect((await operator('{ tenants(first: 1) { nodes { slug } } }', {}, extra.secret)).status).toBe(200);
    await hub.hub.services.operator.revokeKey(extra.key.id);
    expect((await operator('{ tenants(first: 1) { nodes { slug } } }', {}, extra.secret)).status).toBe(401);

    const onTenantApi = await hub.http.post('/graphql').set(bearer(operatorKey)).send({ query: '{ viewer { scopes } }' });
    expect(onTenantApi.status).toBe(401);
    const keys = await hub.hub.services.operator.listKeys();
    expect(keys.find((key) => key.id === extra.key.id)?.revokedAt).toEqual(expect.any(Number));
  });

  it('createTenant returns working credentials once; tenants and tenant show usage', async () => {
    const created = await createTenant('op-acme');
    expect(created.scimBaseUrl).toBe('https://hub.example.com/scim/v2');
    expect(created.scimToken).toMatch(/^ihscim_/);
    expect(created.adminApiKey).toMatch(/^ihapi_/);
    expect(created.tenant).toMatchObject({ slug: 'op-acme', name: 'Tenant op-acme', suspended: false, suspendedAt: null, usage: { users: 0, groups: 0, lastScimRequestAt: null } });
    expect(Date.parse(created.tenant.usage.scimTokenExpiresAt) - Date.now()).toBeGreaterThan(29 * 86_400_000);

    const user = await hub.http.post(`${SCIM}/Users`).set(bearer(created.scimToken)).send({ schemas: [USER_SCHEMA], userName: 'ada@acme.example' });
    expect(user.status).toBe(201);
    expect((await hub.http.post('/graphql').set(bearer(created.adminApiKey)).send({ query: '{ viewer { tenant { slug } } }' })).body.data.viewer.tenant.slug).toBe('op-acme');
    await hub.hub.services.provisioningLog.flush();

    const one = await operator(`query($slug: String!) { tenant(slug: $slug) { ${TENANT_FIELDS} } }`, { slug: 'op-acme' });
    expect(one.body.data.tenant.usage).toMatchObject({ users: 1, groups: 0, lastScimRequestAt: expect.any(String) });
    expect((await operator('{ tenant(slug: "nobody") { slug } }')).body.data.tenant).toBeNull();

    await createTenant('op-beta');
    const first = await operator('query($after: String) { tenants(first: 1, after: $after) { nodes { slug } endCursor hasNextPage } }', { after: 'op-acme' });
    expect(first.body.data.tenants).toEqual({ nodes: [{ slug: 'op-beta' }], endCursor: 'op-beta', hasNextPage: expect.any(Boolean) });
    const tooMany = await operator('{ tenants(first: 1000) { nodes { slug } } }');
    expect(tooMany.body.errors[0].extensions.code).toBe('INVALID_INPUT');
    // The tenant API's limits hold here too: 40 aliases are over GRAPHQL_MAX_ALIASES.
    const aliased = await operator(`{ tenants { nodes { ${Array.from({ length: 40 }, (_, index) => `a${index}: slug`).join(' ')} } } }`);
    expect(aliased.body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const duplicate = await operator('mutation { createTenant(input: { slug: "op-acme" }) { scimToken } }');
    expect(duplicate.body.errors[0].extensions.code).toBe('CONFLICT');
  });

  it('createTenant and createTenantSetupLink hand out one-time console setup links for the tenant', async () => {
    const created = await createTenant('op-links');
    expect(created.setupLink.url).toMatch(/^https:\/\/hub\.example\.com\/console\/.*#ihsetup_/);
    expect(Date.parse(created.setupLink.expiresAt) - Date.now()).toBeGreaterThan(23 * 3_600_000);
    const minted = await operator('mutation { createTenantSetupLink(slug: "op-links", expiresInHours: 2) { url expiresAt } }');
    expect(minted.body.errors).toBeUndefined();
    expect(minted.body.data.createTenantSetupLink.url).not.toBe(created.setupLink.url);
    expect(Date.parse(minted.body.data.createTenantSetupLink.expiresAt) - Date.now()).toBeLessThanOrEqual(2 * 3_600_000);
    const tenant = await hub.hub.services.tenants.getTenantBySlug('op-links');
    expect((await hub.hub.services.consoleAccess.listSetupLinks(tenant.id)).length).toBe(2);
    const tooLong = await operator('mutation { createTenantSetupLink(slug: "op-links", expiresInHours: 100000) { url } }');
    expect(tooLong.body.errors[0].extensions.code).toBe('INVALID_INPUT');
    const unknown = await operator('mutation { createTenantSetupLink(slug: "nobody") { url } }');
    expect(unknown.body.errors[0].extensions.code).toBe('NOT_FOUND');
  });

  it('suspendTenant: SCIM answers a 403 SCIM error and GraphQL TENANT_SUSPENDED, events say so; resumeTenant restores everything', async () => {
    const created = await createTenant('op-gamma');
    const scimUsers = () => hub.http.get(`${SCIM}/Users`).set(bearer(created.scimToken));
    const graphql = () => hub.http.post('/graphql').set(bearer(created.adminApiKey)).send({ query: '{ users { totalCount } }' });
    expect((await hub.http.post(`${SCIM}/Users`).set(bearer(created.scimToken)).send({ schemas: [USER_SCHEMA], userName: 'grace@gamma.example' })).status).toBe(201);

    const suspended = await operator(`mutation { suspendTenant(slug: "op-gamma", reason: "invoice unpaid") { ${TENANT_FIELDS} } }`);
    expect(suspended.body.data.suspendTenant).toMatchObject({ suspended: true, suspendedAt: expect.any(String), suspensionReason: 'invoice unpaid' });

    const scim = await scimUsers();
    expect(scim.status).toBe(403);
    expect(scim.body).toEqual({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '403', detail: expect.stringContaining('suspended') });
    const refused = await graphql();
    expect(refused.status).toBe(403);
    expect(refused.body.errors[0].extensions.code).toBe('TENANT_SUSPENDED');

    const resumed = await operator(`mutation { resumeTenant(slug: "op-gamma") { ${TENANT_FIELDS} } }`);
    expect(resumed.body.data.resumeTenant).toMatchObject({ suspended: false, suspendedAt: null, suspensionReason: null });
    const listed = await scimUsers();
    expect(listed.status).toBe(200);
    expect(listed.body.totalResults).toBe(1);
    expect((await graphql()).body.data.users.totalCount).toBe(1);

    const events = await hub.hub.database.read((tx) =>
      tx.all<{ type: string; payload: unknown }>("select type, payload from outbox_events where tenant_id = ? and type like 'tenant.%' order by id", [created.tenant.id]),
    );
    expect(events.map((event) => event.type)).toEqual(['tenant.suspended', 'tenant.resumed']);
    const stored = events[0].payload;
    const payload = typeof stored === 'string' ? JSON.parse(stored) : stored;
    expect(payload).toMatchObject({ tenantId: created.tenant.id, reason: 'invoice unpaid', suspendedAt: expect.any(String) });
  });

  it('issues, lists and revokes tenant API keys (a lost admin key is replaced)', async () => {
    await createTenant('op-delta');
    const issued = await operator('mutation { createTenantApiKey(slug: "op-delta", name: "replacement admin", scopes: [ADMIN]) { apiKey { id name scopes revokedAt } secret } }');
    const { apiKey, secret } = issued.body.data.createTenantApiKey;
    expect(apiKey).toMatchObject({ name: 'replacement admin', scopes: ['READ', 'ADMIN'], revokedAt: null });
    expect((await hub.http.post('/graphql').set(bearer(secret)).send({ query: '{ apiKeys { id } }' })).body.data.apiKeys).toHaveLength(2);

    const listed = await operator('{ tenantApiKeys(slug: "op-delta") { id name revokedAt } }');
    expect(listed.body.data.tenantApiKeys).toHaveLength(2);
    const original = listed.body.data.tenantApiKeys.find((key: { id: string }) => key.id !== apiKey.id);
    const revoked = await operator('mutation($id: ID!) { revokeTenantApiKey(slug: "op-delta", id: $id) { id revokedAt } }', { id: original.id });
    expect(revoked.body.data.revokeTenantApiKey.revokedAt).toEqual(expect.any(String));
    const last = await operator('mutation($id: ID!) { revokeTenantApiKey(slug: "op-delta", id: $id) { id } }', { id: apiKey.id });
    expect(last.body.errors[0].extensions.code).toBe('CONFLICT');
    expect((await operator('{ tenantApiKeys(slug: "nobody") { id } }')).body.errors[0].extensions.code).toBe('NOT_FOUND');
  });

  it('issues, shows and revokes the SCIM OAuth client of a tenant', async () => {
    await createTenant('op-oauth');
    expect((await operator('{ tenant(slug: "op-oauth") { scimOAuthClient { clientId } } }')).body.data.tenant.scimOAuthClient).toBeNull();
    const issued = (await operator('mutation { issueScimOAuthClientSecret(slug: "op-oauth", tokenLifetimeMinutes: 90) { clientId clientSecret tokenEndpoint tokenLifetimeMinutes } }')).body.data.issueScimOAuthClientSecret;
    expect(issued).toEqual({ clientId: expect.stringMatching(/^ihcid_/), clientSecret: expect.stringMatching(/^ihcsec_/), tokenEndpoint: 'https://hub.example.com/scim/v2/oauth/token', tokenLifetimeMinutes: 90 });
    const shown = (await operator('{ tenant(slug: "op-oauth") { scimOAuthClient { clientId tokenEndpoint tokenLifetimeMinutes secretCreatedAt } } }')).body.data.tenant.scimOAuthClient;
    expect(shown).toEqual({ clientId: issued.clientId, tokenEndpoint: issued.tokenEndpoint, tokenLifetimeMinutes: 90, secretCreatedAt: expect.any(String) });
    const token = await hub.http.post('/scim/v2/oauth/token').type('form').send({ grant_type: 'client_credentials', client_id: issued.clientId, client_secret: issued.clientSecret });
    expect(token.status).toBe(200);
    expect((await hub.http.get(`${SCIM}/Users`).set(bearer(token.body.access_token))).status).toBe(200);
    expect((await operator('mutation { revokeScimOAuthClient(slug: "op-oauth") }')).body.data.revokeScimOAuthClient).toBe(true);
    expect((await operator('mutation { revokeScimOAuthClient(slug: "op-oauth") }')).body.data.revokeScimOAuthClient).toBe(false);
    expect((await hub.http.get(`${SCIM}/Users`).set(bearer(token.body.access_token))).status).toBe(401);
    const badLifetime = await operator('mutation { issueScimOAuthClientSecret(slug: "op-oauth", tokenLifetimeMinutes: 5) { clientId } }');
    expect(badLifetime.body.errors[0].extensions.code).toBe('INVALID_INPUT');
  });

  it('deleteTenant removes every row of the tenant from every table and leaves other tenants alone', async () => {
    const doomed = await createTenant('op-doomed');
    const survivor = await createTenant('op-survivor');
    const services = hub.hub.services;
    for (const created of [doomed, survivor]) {
      const scim = (path: string, body: object) => hub.http.post(`${SCIM}${path}`).set(bearer(created.scimToken)).send(body);
      const users: string[] = [];
      for (const name of ['a', 'b']) {
        const user = await scim('/Users', { schemas: [USER_SCHEMA], userName: `${name}@${created.tenant.slug}.example`, emails: [{ value: `${name}@${created.tenant.slug}.example`, primary: true }], name: { givenName: name } });
        expect(user.status).toBe(201);
        users.push(user.body.id);
      }
      expect((await scim('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Staff', members: users.map((value) => ({ value })) })).status).toBe(201);
      const tenantId = created.tenant.id;
      await services.webhooks.createEndpoint(tenantId, { url: 'http://127.0.0.1:9/hook' }, admin);
      await services.ownership.registerOwnership(tenantId, { resourceType: 'contract', resourceId: 'k-1', ownerUserId: users[0] }, admin);
      await services.access.configureOidcProvider(tenantId, { issuer: `https://idp.example/${created.tenant.slug}`, audience: 'hub', jwksUrl: 'http://127.0.0.1:9/jwks', scopeClaim: 'scope', readScope: 'read', adminScope: 'admin' }, admin);
      const tenant = await services.tenants.getTenantBySlug(created.tenant.slug);
      await services.mappingLifecycle.startReapply(tenant, await services.mappingLifecycle.connectionOf(tenant), admin);
      // A user created after the endpoint (its event has a pending delivery) with a value its option list adds.
      const link = await services.consoleAccess.mintSetupLink(tenantId, {}, admin);
      await services.consoleAccess.redeemSetupLink(link.token, null);
      await services.consoleSignIn.configure(tenantId, { issuer: `https://idp.example/${created.tenant.slug}`, clientId: 'hub-console', displayName: 'Example IdP' }, admin);
      const urn = customSchemaUrnFor(created.tenant.slug);
      expect((await scim('/Users', { schemas: [USER_SCHEMA, urn], userName: `c@${created.tenant.slug}.example`, [urn]: { region: 'Nordics' } })).status).toBe(201);
    }
    // Both are written in the background: settle them before counting.
    await services.provisioningLog.flush();
    await services.recentRequests.flush();

    const before = await rowCounts(hub, doomed.tenant.id);
    const survivorBefore = await rowCounts(hub, survivor.tenant.id);
    // Every table holds rows of the tenant (but deprovisioned_users, which needs a deprovisioning policy, and
    // job_leases, whose periodic jobs today all run over every tenant as `*`), so the deletion is shown to
    // reach them; the reported tables below are all of them.
    const notPopulatedHere = ['deprovisioned_users', 'job_leases'];
    expect(Object.entries(before).filter(([table, count]) => count === 0 && !notPopulatedHere.includes(table))).toEqual([]);

    const wrong = await operator('mutation { deleteTenant(slug: "op-doomed", confirmSlug: "op-survivor") { totalRows } }');
    expect(wrong.body.errors[0].extensions.code).toBe('INVALID_INPUT');
    expect(await rowCounts(hub, doomed.tenant.id)).toEqual(before);

    const deleted = await operator('mutation { deleteTenant(slug: "op-doomed", confirmSlug: "op-doomed") { slug deletedRows { table rows } totalRows } }');
    expect(deleted.body.errors).toBeUndefined();
    const reported = Object.fromEntries(deleted.body.data.deleteTenant.deletedRows.map((row: { table: string; rows: number }) => [row.table, row.rows]));
    expect(Object.keys(reported).sort()).toEqual(Object.keys(before).sort());
    for (const table of ['users', 'groups', 'group_members', 'user_emails', 'api_keys', 'connections', 'webhook_endpoints', 'webhook_deliveries', 'tenants']) {
      expect(reported[table]).toBe(before[table]);
    }

    const after = await rowCounts(hub, doomed.tenant.id);
    expect(Object.entries(after).filter(([, count]) => count > 0)).toEqual([]);
    expect(await rowCounts(hub, survivor.tenant.id)).toEqual(survivorBefore);
    expect((await hub.http.get(`${SCIM}/Users`).set(bearer(doomed.scimToken))).status).toBe(401);
    expect((await hub.http.get(`${SCIM}/Users`).set(bearer(survivor.scimToken))).status).toBe(200);
    expect((await operator('mutation { deleteTenant(slug: "op-doomed", confirmSlug: "op-doomed") { totalRows } }')).body.errors[0].extensions.code).toBe('NOT_FOUND');
  });
});
