import { REDACTED } from '../../src/scim/protocol/provisioning-record';
import { testDatabaseKind } from '../support/test-app';
import { ScimClient, USER_SCHEMA, expectStatus, useScimHub } from '../support/scim-client';

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

/** The provisioning log: every SCIM request of a tenant, filterable, with opt-in redacted bodies and retention. */
describe(`provisioning log on ${testDatabaseKind()}`, () => {
  const scim = useScimHub();

  async function tenantClient() {
    const created = await scim.hub.createTenant();
    return { created, client: new ScimClient(scim.hub, created.scimToken) };
  }

  async function entries(tenantId: string, criteria = {}) {
    await scim.hub.hub.services.provisioningLog.flush();
    return (await scim.hub.hub.services.provisioningLog.list(tenantId, criteria, { limit: 100 })).items.map((item) => item.node);
  }

  it('records each request with status, duration, resource, connection, request id and SCIM error', async () => {
    const { created, client } = await tenantClient();
    const user = await client.createUser('ada@example.com');
    expectStatus(await client.get(`/Users/${user.id}`), 200);
    const refused = await client.patch(`/Users/${user.id}`, [{ op: 'frobnicate', path: 'title', value: 'x' }], { 'X-Request-Id': 'req-bad-patch' });
    expect(refused.status).toBe(400);
    expectStatus(await client.get('/Users/00000000-0000-0000-0000-000000000000'), 404);

    const logged = await entries(created.tenant.id);
    expect(logged.map((entry) => [entry.method, entry.status])).toEqual([
      ['GET', 404],
      ['PATCH', 400],
      ['GET', 200],
      ['POST', 201],
    ]);
    const [missing, patch, read, create] = logged;
    expect(create).toMatchObject({ path: '/Users', resourceType: 'User', resourceId: user.id, connectionId: created.connection.id, errorDetail: null, body: null });
    expect(read).toMatchObject({ path: `/Users/${user.id}`, resourceId: user.id });
    expect(patch).toMatchObject({ requestId: 'req-bad-patch', scimType: refused.body.scimType, errorDetail: refused.body.detail, resourceId: user.id });
    expect(missing).toMatchObject({ status: 404, resourceId: '00000000-0000-0000-0000-000000000000', errorDetail: expect.any(String) });
    for (const entry of logged) {
      expect(entry.durationMs).toBeGreaterThanOrEqual(0);
      expect(entry.at).toBeGreaterThan(Date.now() - HOUR_MS);
    }
  });

  it('answers "all failed requests for user X in the last hour"', async () => {
    const { created, client } = await tenantClient();
    const x = await client.createUser('x@example.com');
    const y = await client.createUser('y@example.com');
    for (const id of [x.id, x.id, y.id]) expect((await client.patch(`/Users/${id}`, [{ op: 'bogus' }])).status).toBe(400);
    expectStatus(await client.patch(`/Users/${x.id}`, [{ op: 'replace', path: 'title', value: 'Boss' }]), 200);
    await scim.hub.hub.services.provisioningLog.flush();

    const failed = await entries(created.tenant.id, { outcome: 'failed', resourceId: x.id, from: Date.now() - HOUR_MS });
    expect(failed).toHaveLength(2);
    expect(failed.every((entry) => entry.status === 400 && entry.resourceId === x.id)).toBe(true);
    expect(await entries(created.tenant.id, { outcome: 'failed', resourceId: x.id, to: Date.now() - HOUR_MS })).toHaveLength(0);
    expect(await entries(created.tenant.id, { outcome: 'succeeded', method: 'patch' })).toHaveLength(1);
    expect(await entries(created.tenant.id, { resourceType: 'User', status: 201 })).toHaveLength(2);
  });

  it('keeps filter values out of the logged path and bodies out unless the tenant opts in, then redacted', async () => {
    const { created, client } = await tenantClient();
    expectStatus(await client.get(`/Users?filter=${encodeURIComponent('userName eq "secret.person@example.com"')}`), 200);
    await client.createUser('first.person@example.com', { name: { givenName: 'First' } });
    await scim.hub.hub.services.tenants.updateSettings(created.tenant.slug, { provisioningLogBodies: true });
    await client.createUser('second.person@example.com', { name: { givenName: 'Second' }, password: 'hunter22', title: 'Engineer' });

    const [second, first, search] = await entries(created.tenant.id);
    expect(search.path).toBe(`/Users?filter=userName eq "${REDACTED}"`);
    expect(first.body).toBeNull();
    expect(second.body).toEqual({ schemas: [USER_SCHEMA], userName: REDACTED, name: { givenName: REDACTED }, password: REDACTED, title: 'Engineer' });
    const stored = await scim.hub.hub.database.read((tx) => tx.all(tx.knex('provisioning_log').where({ tenant_id: created.tenant.id })));
    expect(JSON.stringify(stored)).not.toMatch(/person@example\.com|hunter22|Second/);
  });

  it('does not log requests that carry no valid token', async () => {
    const { created } = await tenantClient();
    await scim.hub.http.get('/scim/v2/Users').set('Authorization', 'Bearer ihscim_not-a-token');
    expect(await entries(created.tenant.id)).toHaveLength(0);
  });

  it('sweeps entries past retention and bodies past the tenant’s body retention', async () => {
    const { created } = await tenantClient();
    const log = scim.hub.hub.services.provisioningLog;
    const now = Date.now();
    const base = { tenantId: created.tenant.id, connectionId: created.connection.id, method: 'POST', path: '/Users', status: 201, durationMs: 3, errorDetail: null, scimType: null, resourceType: 'User', resourceId: null, requestId: 'r' };
    for (const ageDays of [40, 31, 10, 2]) log.submit({ ...base, at: now - ageDays * DAY_MS, body: { userName: REDACTED } });
    await log.flush();

    const swept = await log.sweep(now);
    expect(swept.deleted).toBeGreaterThanOrEqual(2);
    const left = await entries(created.tenant.id);
    expect(left.map((entry) => [Math.round((now - entry.at) / DAY_MS), entry.body])).toEqual([
      [2, { userName: REDACTED }],
      [10, null],
    ]);
  });
});
