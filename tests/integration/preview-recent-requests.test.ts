import { testDatabaseKind } from '../support/test-app';
import { expectStatus } from '../support/scim-client';
import { useGraphqlHub, type GraphqlTestTenant } from '../graphql/graphql-hub';

const PREVIEW = 'query($limit: Int!) { previewMapping(input: { recentRequests: $limit }) { notes results { label error notes steps { values } } } }';
const SETTINGS = 'mutation($on: Boolean!) { updateTenantSettings(input: { keepRecentRequests: $on }) { settings { keepRecentRequests } } }';

interface Preview {
  notes: string[];
  results: { label: string; error: string | null; notes: string[] | null; steps: { values: Record<string, any> }[] }[];
}

/** previewMapping(recentRequests) replays what the IdP really sent, by default, on the users' stored states. */
describe(`mapping preview of recent requests on ${testDatabaseKind()}`, () => {
  const graphql = useGraphqlHub({ PREVIEW_REQUESTS_KEPT: '3', PREVIEW_REQUESTS_RETENTION_HOURS: '24' });

  async function preview(tenant: GraphqlTestTenant, limit = 10): Promise<Preview> {
    await graphql.hub.hub.services.recentRequests.flush();
    const response = await tenant.admin.sendText<{ previewMapping: Preview }>(PREVIEW, { limit });
    if (response.errors || !response.data) throw new Error(JSON.stringify(response.body));
    return response.data.previewMapping;
  }

  function keptRows(tenantId: string) {
    return graphql.hub.hub.database.read((tx) => tx.all<{ method: string; body: unknown; before: unknown }>(tx.knex('recent_requests').where({ tenant_id: tenantId }).orderBy('id')));
  }
  const json = (value: unknown) => (typeof value === 'string' ? JSON.parse(value) : value);

  it('keeps the last N user writes per connection by default, secrets redacted, and replays each PATCH on the user as it was before it', async () => {
    const tenant = await graphql.tenant();
    const ann = await tenant.scim.createUser('ann@example.com', { userType: 'user', password: 'hunter2-secret' });
    const bob = await tenant.scim.createUser('bob@example.com', { userType: 'viewer' });
    expectStatus(await tenant.scim.patch(`/Users/${ann.id}`, [{ op: 'replace', path: 'userType', value: 'admin' }]), 200);
    expectStatus(await tenant.scim.patch(`/Users/${bob.id}`, [{ op: 'replace', path: 'title', value: 'Lead' }]), 200);

    const report = await preview(tenant);
    expect(report.notes).toEqual(['3 recent user write(s) of the connection replayed (this hub keeps the last 3 per connection for 24 hours, secrets redacted)']);
    const byUser = Object.fromEntries(report.results.map((result) => [result.label.split(':')[0], result]));
    // Ann's create fell out of the last 3: her PATCH applies to Ann as stored before it, not to an empty user.
    const annResult = byUser[`user ${ann.id}`]!;
    expect(annResult.label).toMatch(/: PATCH \(200\) at /);
    expect(annResult.notes).toEqual([expect.stringMatching(/^starts from the user as stored before its PATCH at /)]);
    expect(annResult.steps).toHaveLength(1);
    expect(annResult.steps[0]!.values).toMatchObject({ email: 'ann@example.com', appRoles: ['Admin'], active: true });
    const bobResult = byUser[`user ${bob.id}`]!;
    expect(bobResult.label).toMatch(/: POST \(201\) at .*, PATCH \(200\) at /);
    expect(bobResult.steps.map((step) => [step.values.email, step.values.title, step.values.appRoles])).toEqual([
      ['bob@example.com', null, ['Viewer']],
      ['bob@example.com', 'Lead', ['Viewer']],
    ]);

    const rows = await keptRows(tenant.credentials.tenant.id);
    expect(rows.map((row) => row.method)).toEqual(['POST', 'PATCH', 'PATCH']);
    expect(JSON.stringify(rows.map((row) => [json(row.body), json(row.before)]))).not.toContain('hunter2');
    const stored = await tenant.scim.get(`/Users/${ann.id}`);
    expect(stored.body.password).toBeUndefined();
  });

  it('redacts a password sent on create before keeping it', async () => {
    const tenant = await graphql.tenant();
    await tenant.scim.createUser('okta@example.com', { password: 'p@ss-word-1' });
    await graphql.hub.hub.services.recentRequests.flush();
    const [row] = await keptRows(tenant.credentials.tenant.id);
    expect(json(row!.body)).toMatchObject({ userName: 'okta@example.com', password: '[redacted]' });
    expect((await preview(tenant)).results[0]!.notes).toEqual([expect.stringMatching(/secrets in these requests were redacted/)]);
  });

  it('does not keep a write larger than 256 KiB, and still serves it', async () => {
    const tenant = await graphql.tenant();
    const addresses = Array.from({ length: 150 }, (_, index) => ({ formatted: `${'x'.repeat(1900)} ${index}`, type: 'other' }));
    await tenant.scim.createUser('big@example.com', { addresses });
    await tenant.scim.createUser('small@example.com');
    await graphql.hub.hub.services.recentRequests.flush();
    expect((await keptRows(tenant.credentials.tenant.id)).map((row) => (json(row.body) as { userName: string }).userName)).toEqual(['small@example.com']);
  });

  it('a tenant turns keeping off: nothing more is kept, the preview says why, and the sweep deletes what was kept', async () => {
    const tenant = await graphql.tenant();
    await tenant.scim.createUser('kept@example.com');
    await graphql.hub.hub.services.recentRequests.flush();
    expect(await keptRows(tenant.credentials.tenant.id)).toHaveLength(1);

    expect((await tenant.admin.sendText<any>(SETTINGS, { on: false })).data.updateTenantSettings.settings.keepRecentRequests).toBe(false);
    await tenant.scim.createUser('unkept@example.com');
    const report = await preview(tenant);
    expect(report).toEqual({ notes: ['the tenant does not keep recent requests (setting keepRecentRequests is off)'], results: [] });
    await graphql.hub.hub.services.recentRequests.sweep();
    expect(await keptRows(tenant.credentials.tenant.id)).toEqual([]);

    await tenant.admin.sendText(SETTINGS, { on: true });
    await tenant.scim.createUser('again@example.com');
    expect((await preview(tenant)).results).toHaveLength(1);
  });

  it('the sweep deletes requests older than the retention', async () => {
    const tenant = await graphql.tenant();
    await tenant.scim.createUser('old@example.com');
    await graphql.hub.hub.services.recentRequests.flush();
    await graphql.hub.hub.services.recentRequests.sweep(Date.now() + 23 * 3_600_000);
    expect(await keptRows(tenant.credentials.tenant.id)).toHaveLength(1);
    await graphql.hub.hub.services.recentRequests.sweep(Date.now() + 25 * 3_600_000);
    expect(await keptRows(tenant.credentials.tenant.id)).toEqual([]);
  });
});
