import { testDatabaseKind } from '../support/test-app';
import { expectStatus, SCIM } from '../support/scim-client';
import { errorCodes, useGraphqlHub, type GraphqlTestTenant } from '../graphql/graphql-hub';
import {
  ApiKeysDocument,
  ConfigureOidcProviderDocument,
  CreateApiKeyDocument,
  RevokeApiKeyDocument,
  RotateScimTokenDocument,
  TenantConfigurationDocument,
  UpdateTenantSettingsDocument,
  ViewerDocument,
} from '../graphql/generated/operations';

/** Admin mutations of issue 5: API keys, SCIM token rotation, tenant settings (scope admin). */
describe(`GraphQL admin on ${testDatabaseKind()}`, () => {
  const graphql = useGraphqlHub();

  async function auditActions(tenant: GraphqlTestTenant): Promise<{ action: string; actor_type: string; actor_id: string; request_id: string | null; diff: unknown }[]> {
    return graphql.hub.hub.database.read((tx) =>
      tx.all(tx.knex('audit_events').select('action', 'actor_type', 'actor_id', 'request_id', 'diff').where({ tenant_id: tenant.credentials.tenant.id }).orderBy('id')),
    );
  }

  it('createApiKey shows the secret once; only its hash is stored; the key works with the scopes asked for', async () => {
    const tenant = await graphql.tenant();
    const { createApiKey } = await tenant.admin.data(CreateApiKeyDocument, { input: { name: '  dashboards ', scopes: ['ADMIN'] } });
    expect(createApiKey.secret).toMatch(/^ihapi_[0-9A-Za-z]{49}$/);
    expect(createApiKey.apiKey).toMatchObject({ name: 'dashboards', scopes: ['READ', 'ADMIN'], revokedAt: null });
    const stored = await graphql.hub.hub.database.read((tx) => tx.all(tx.knex('api_keys').select('*').where({ id: createApiKey.apiKey.id })));
    expect(JSON.stringify(stored)).not.toContain(createApiKey.secret);
    const listed = await tenant.admin.send(ApiKeysDocument);
    expect(JSON.stringify(listed.body)).not.toContain(createApiKey.secret);
    expect(listed.data?.apiKeys.map((key) => key.id)).toContain(createApiKey.apiKey.id);
    expect((await tenant.client(createApiKey.secret).data(ViewerDocument)).viewer).toMatchObject({ scopes: ['READ', 'ADMIN'], subject: createApiKey.apiKey.id });
  });

  it('createApiKey refuses an empty name, a too long one and no scopes (INVALID_INPUT)', async () => {
    const tenant = await graphql.tenant();
    for (const input of [
      { name: ' ', scopes: ['READ' as const] },
      { name: 'x'.repeat(201), scopes: ['READ' as const] },
      { name: 'none', scopes: [] },
    ]) {
      expect(errorCodes(await tenant.admin.send(CreateApiKeyDocument, { input }))).toEqual(['INVALID_INPUT']);
    }
    expect(errorCodes(await tenant.admin.send(CreateApiKeyDocument, { input: { name: 'x', scopes: ['WRITE' as never] } }))).toEqual(['BAD_USER_INPUT']);
    expect((await tenant.admin.data(ApiKeysDocument)).apiKeys).toHaveLength(1);
  });

  it('revokeApiKey keeps the last admin key; with another admin key the first can go; revoking twice changes nothing', async () => {
    const tenant = await graphql.tenant();
    const [original] = (await tenant.admin.data(ApiKeysDocument)).apiKeys;
    const last = await tenant.admin.send(RevokeApiKeyDocument, { input: { id: original.id } });
    expect(errorCodes(last)).toEqual(['CONFLICT']);
    const reader = await tenant.admin.data(CreateApiKeyDocument, { input: { name: 'reader', scopes: ['READ'] } });
    expect(errorCodes(await tenant.admin.send(RevokeApiKeyDocument, { input: { id: original.id } }))).toEqual(['CONFLICT']);
    const second = await tenant.admin.data(CreateApiKeyDocument, { input: { name: 'second admin', scopes: ['ADMIN'] } });
    const revoked = await tenant.admin.data(RevokeApiKeyDocument, { input: { id: original.id } });
    expect(Date.parse(revoked.revokeApiKey.apiKey.revokedAt ?? '')).not.toBeNaN();
    expect((await tenant.admin.send(ViewerDocument)).status).toBe(401);
    const successor = tenant.client(second.createApiKey.secret);
    const again = await successor.data(RevokeApiKeyDocument, { input: { id: original.id } });
    expect(again.revokeApiKey.apiKey.revokedAt).toBe(revoked.revokeApiKey.apiKey.revokedAt);
    expect(errorCodes(await successor.send(RevokeApiKeyDocument, { input: { id: '00000000-0000-4000-8000-000000000000' } }))).toEqual(['NOT_FOUND']);
    await successor.data(RevokeApiKeyDocument, { input: { id: reader.createApiKey.apiKey.id } });
    expect((await tenant.client(reader.createApiKey.secret).send(ViewerDocument)).status).toBe(401);
  });

  it('rotateScimToken shows the new token once; the old one stops on /scim/v2 at once; an expiry can be set', async () => {
    const tenant = await graphql.tenant();
    const old = tenant.credentials.scimToken;
    const { rotateScimToken } = await tenant.admin.data(RotateScimTokenDocument, {});
    expect(rotateScimToken.scimToken).toMatch(/^ihscim_/);
    expect(rotateScimToken).toMatchObject({ expiresAt: null, previousTokenValidUntil: null });
    expect((await graphql.hub.http.get(`${SCIM}/Users`).set('Authorization', `Bearer ${old}`)).status).toBe(401);
    expectStatus(await graphql.hub.http.get(`${SCIM}/Users`).set('Authorization', `Bearer ${rotateScimToken.scimToken}`), 200);
    const expiring = await tenant.admin.data(RotateScimTokenDocument, { input: { expiresInDays: 30 } });
    const days = (Date.parse(expiring.rotateScimToken.expiresAt ?? '') - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);
    expect(errorCodes(await tenant.admin.send(RotateScimTokenDocument, { input: { expiresInDays: 0 } }))).toEqual(['INVALID_INPUT']);
  });

  it('updateTenantSettings changes what SCIM PATCH on a user answers; other values are INVALID_INPUT', async () => {
    const tenant = await graphql.tenant();
    const user = await tenant.scim.createUser('patch@example.com');
    const patch = () => tenant.scim.patch(`/Users/${user.id}`, [{ op: 'replace', path: 'displayName', value: 'P' }]);
    expect((await patch()).status).toBe(200);
    const { updateTenantSettings } = await tenant.admin.data(UpdateTenantSettingsDocument, { input: { userPatchStatus: 204 } });
    expect(updateTenantSettings.settings.userPatchStatus).toBe(204);
    expect((await patch()).status).toBe(204);
    expect((await tenant.admin.data(TenantConfigurationDocument)).viewer.tenant.settings.userPatchStatus).toBe(204);
    expect(errorCodes(await tenant.admin.send(UpdateTenantSettingsDocument, { input: { userPatchStatus: 201 } }))).toEqual(['INVALID_INPUT']);
    expect((await tenant.admin.data(UpdateTenantSettingsDocument, { input: {} })).updateTenantSettings.settings.userPatchStatus).toBe(204);
  });

  it('every credential change is audited with the acting key and the request id, never with a secret', async () => {
    const tenant = await graphql.tenant();
    const created = await tenant.admin.send(CreateApiKeyDocument, { input: { name: 'audited', scopes: ['READ'] } });
    const key = created.data?.createApiKey;
    await tenant.admin.data(RevokeApiKeyDocument, { input: { id: key?.apiKey.id ?? '' } });
    const rotated = await tenant.admin.data(RotateScimTokenDocument, {});
    await tenant.admin.data(UpdateTenantSettingsDocument, { input: { userPatchStatus: 204 } });
    await tenant.admin.send(ConfigureOidcProviderDocument, { input: { issuer: 'https://login.example.test', audience: 'hub', jwksUrl: 'https://login.example.test/jwks' } });
    const events = await auditActions(tenant);
    expect(events.map((event) => event.action)).toEqual(['api_key.created', 'api_key.revoked', 'scim_token.rotated', 'tenant.settings_changed', 'oidc_provider.configured']);
    const adminKeyId = (await tenant.admin.data(ViewerDocument)).viewer.subject;
    for (const event of events) expect(event).toMatchObject({ actor_type: 'apiKey', actor_id: adminKeyId });
    expect(events[0].request_id).toBe(created.headers['x-request-id']);
    const everything = JSON.stringify(events);
    expect(everything).not.toContain(key?.secret);
    expect(everything).not.toContain(rotated.rotateScimToken.scimToken);
  });
});
