import { SignJWT } from 'jose';
import { testDatabaseKind } from '../support/test-app';
import { expectScimError, expectStatus, SCIM } from '../support/scim-client';
import { errorCodes, useGraphqlHub, type GraphqlTestTenant } from '../graphql/graphql-hub';
import { LocalOidcProvider } from '../graphql/local-oidc-provider';
import {
  ApiKeysDocument,
  ConfigureOidcProviderDocument,
  CreateApiKeyDocument,
  RemoveOidcProviderDocument,
  RevokeApiKeyDocument,
  TenantConfigurationDocument,
  UserDocument,
  UsersDocument,
  ViewerDocument,
  type ConfigureOidcProviderInput,
} from '../graphql/generated/operations';

/** Who may call /graphql (issue 5, Auth): API keys with scopes, OIDC access tokens, and what is refused. */
describe(`GraphQL authentication and scopes on ${testDatabaseKind()}`, () => {
  const graphql = useGraphqlHub({ OIDC_ALLOW_HTTP_JWKS: 'true', AUTH_FAILURES_PER_MINUTE: '1000' });
  let oidc: LocalOidcProvider;

  beforeAll(async () => {
    oidc = await LocalOidcProvider.start();
  });
  afterAll(async () => {
    await oidc.stop();
  });

  async function readKey(tenant: GraphqlTestTenant): Promise<string> {
    const created = await tenant.admin.data(CreateApiKeyDocument, { input: { name: 'reporting', scopes: ['READ'] } });
    return created.createApiKey.secret;
  }

  /** Each test's tenant trusts the local provider for its own audience, so tests never share tokens. */
  async function trustProvider(tenant: GraphqlTestTenant, input: Partial<ConfigureOidcProviderInput> = {}): Promise<string> {
    const audience = input.audience ?? `hub-${tenant.credentials.tenant.slug}`;
    await tenant.admin.data(ConfigureOidcProviderDocument, { input: { issuer: oidc.issuer, jwksUrl: oidc.jwksUrl, ...input, audience } });
    return audience;
  }

  it('no credential, an unknown one, a SCIM token or a token in the URL is 401 UNAUTHENTICATED before Apollo runs', async () => {
    const tenant = await graphql.tenant();
    const key = tenant.credentials.adminApiKey;
    const mistyped = `${key.slice(0, -1)}${key.endsWith('x') ? 'y' : 'x'}`;
    for (const token of [undefined, 'nonsense', tenant.credentials.scimToken, mistyped]) {
      const response = await tenant.client(token).send(ViewerDocument);
      expect(response.status).toBe(401);
      expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
      expect(response.headers['www-authenticate']).toBe('Bearer realm="graphql"');
      expect(response.data).toBeUndefined();
    }
    const inUrl = await graphql.hub.http
      .post(`/graphql?access_token=${tenant.credentials.adminApiKey}`)
      .set('Content-Type', 'application/json')
      .send({ query: '{ viewer { scopes } }' });
    expect(inUrl.status).toBe(401);
    const inBody = await graphql.hub.http
      .post('/graphql')
      .set('Content-Type', 'application/json')
      .send({ query: '{ viewer { scopes } }', access_token: tenant.credentials.adminApiKey });
    expect(inBody.status).toBe(401);
  });

  it('an API key or an OIDC token is refused on /scim/v2; the SCIM token still works there', async () => {
    const tenant = await graphql.tenant();
    const audience = await trustProvider(tenant);
    const jwt = await oidc.token({ audience, claims: { scope: 'read admin' } });
    for (const token of [tenant.credentials.adminApiKey, jwt]) {
      expectScimError(await graphql.hub.http.get(`${SCIM}/Users`).set('Authorization', `Bearer ${token}`), 401);
    }
    expectStatus(await tenant.scim.get('/Users'), 200);
  });

  it('a READ key reads but cannot administer: admin fields and mutations are FORBIDDEN with the scope named', async () => {
    const tenant = await graphql.tenant();
    const reader = tenant.client(await readKey(tenant));
    expect((await reader.data(ViewerDocument)).viewer).toMatchObject({ scopes: ['READ'], credential: 'API_KEY' });
    expect((await reader.data(UsersDocument, {})).users.totalCount).toBe(0);
    const keys = await reader.send(ApiKeysDocument);
    expect(errorCodes(keys)).toEqual(['FORBIDDEN']);
    expect(keys.errors?.[0].message).toMatch(/admin scope/);
    const create = await reader.send(CreateApiKeyDocument, { input: { name: 'escalate', scopes: ['ADMIN'] } });
    expect(errorCodes(create)).toEqual(['FORBIDDEN']);
    expect(create.data).toBeNull();
    const settings = await reader.send(TenantConfigurationDocument);
    expect(errorCodes(settings)).toEqual(['FORBIDDEN', 'FORBIDDEN']);
    expect((await tenant.admin.data(ApiKeysDocument)).apiKeys.map((key) => key.name)).toEqual(['admin (created with the tenant)', 'reporting']);
  });

  it('a revoked key is 401 at once; the key of another tenant cannot be revoked (NOT_FOUND)', async () => {
    const tenant = await graphql.tenant();
    const other = await graphql.tenant();
    const key = await tenant.admin.data(CreateApiKeyDocument, { input: { name: 'short-lived', scopes: ['READ'] } });
    const reader = tenant.client(key.createApiKey.secret);
    expect((await reader.send(ViewerDocument)).status).toBe(200);
    expect(errorCodes(await other.admin.send(RevokeApiKeyDocument, { input: { id: key.createApiKey.apiKey.id } }))).toEqual(['NOT_FOUND']);
    expect((await reader.send(ViewerDocument)).status).toBe(200);
    await tenant.admin.data(RevokeApiKeyDocument, { input: { id: key.createApiKey.apiKey.id } });
    expect((await reader.send(ViewerDocument)).status).toBe(401);
  });

  it('an OIDC access token of the trusted issuer and audience authenticates; its scope claim maps to scopes', async () => {
    const tenant = await graphql.tenant();
    const audience = await trustProvider(tenant);
    const reader = tenant.client(await oidc.token({ audience, claims: { scope: 'openid read profile' } }));
    expect((await reader.data(ViewerDocument)).viewer).toEqual({
      tenant: expect.objectContaining({ id: tenant.credentials.tenant.id }),
      scopes: ['READ'],
      credential: 'OIDC_TOKEN',
      subject: 'employee-42',
    });
    const user = await tenant.scim.createUser('jwt@example.com');
    expect((await reader.data(UserDocument, { id: user.id })).user?.userName).toBe('jwt@example.com');
    expect(errorCodes(await reader.send(ApiKeysDocument))).toEqual(['FORBIDDEN']);
    const admin = tenant.client(await oidc.token({ audience, claims: { scope: 'admin' } }));
    expect((await admin.data(ViewerDocument)).viewer.scopes).toEqual(['READ', 'ADMIN']);
    expect((await admin.data(ApiKeysDocument)).apiKeys).toHaveLength(1);
    const noScope = tenant.client(await oidc.token({ audience }));
    expect((await noScope.data(ViewerDocument)).viewer.scopes).toEqual([]);
    expect(errorCodes(await noScope.send(UsersDocument, {}))).toEqual(['FORBIDDEN']);
  });

  it('the scope claim and values are configurable (Entra-style scp array)', async () => {
    const tenant = await graphql.tenant();
    const audience = await trustProvider(tenant, { scopeClaim: 'scp', readScope: 'Directory.Read', adminScope: 'Hub.Admin' });
    const reader = tenant.client(await oidc.token({ audience, claims: { scp: ['Directory.Read'], scope: 'admin' } }));
    expect((await reader.data(ViewerDocument)).viewer.scopes).toEqual(['READ']);
    const admin = tenant.client(await oidc.token({ audience, claims: { scp: 'Hub.Admin' } }));
    expect((await admin.data(ViewerDocument)).viewer.scopes).toEqual(['READ', 'ADMIN']);
  });

  it('expired, foreign-signed, HS256, wrong-issuer and wrong-audience tokens are 401', async () => {
    const tenant = await graphql.tenant();
    const audience = await trustProvider(tenant);
    const claims = { scope: 'read' };
    const bad = [
      await oidc.token({ audience, claims, expiresIn: -120 }),
      await oidc.token({ audience, claims, foreignKey: true }),
      await oidc.token({ audience: 'someone-else', claims }),
      await oidc.token({ audience, claims, issuer: 'https://evil.example.test' }),
      await new SignJWT({ scope: 'read' })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer(oidc.issuer)
        .setAudience(audience)
        .setExpirationTime('5m')
        .sign(new TextEncoder().encode('a shared secret anyone could guess at')),
    ];
    for (const token of bad) {
      const response = await tenant.client(token).send(ViewerDocument);
      expect(response.status).toBe(401);
      expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
    }
    expect((await tenant.client(await oidc.token({ audience, claims })).send(ViewerDocument)).status).toBe(200);
  });

  it('a token maps to the one tenant trusting its issuer and audience; an issuer and audience pair has one tenant', async () => {
    const first = await graphql.tenant();
    const second = await graphql.tenant();
    const firstAudience = await trustProvider(first);
    const secondAudience = await trustProvider(second);
    const firstUser = await first.scim.createUser('first@example.com');
    const secondToken = second.client(await oidc.token({ audience: secondAudience, claims: { scope: 'read' } }));
    expect((await secondToken.data(ViewerDocument)).viewer.tenant.id).toBe(second.credentials.tenant.id);
    expect((await secondToken.data(UserDocument, { id: firstUser.id })).user).toBeNull();
    expect((await first.client(await oidc.token({ audience: firstAudience, claims: { scope: 'read' } })).data(UserDocument, { id: firstUser.id })).user?.id).toBe(firstUser.id);
    const claimed = await second.admin.send(ConfigureOidcProviderDocument, { input: { issuer: oidc.issuer, jwksUrl: oidc.jwksUrl, audience: firstAudience } });
    expect(errorCodes(claimed)).toEqual(['CONFLICT']);
  });

  it('the provider keys are fetched once and cached; removing the provider stops its tokens', async () => {
    const tenant = await graphql.tenant();
    const audience = await trustProvider(tenant);
    const before = oidc.jwksFetches;
    for (let index = 0; index < 3; index += 1) {
      expect((await tenant.client(await oidc.token({ audience, claims: { scope: 'read' } })).send(ViewerDocument)).status).toBe(200);
    }
    expect(oidc.jwksFetches - before).toBeLessThanOrEqual(1);
    const configured = await tenant.admin.data(TenantConfigurationDocument);
    expect(configured.viewer.tenant.oidcProvider).toEqual({ issuer: oidc.issuer, audience, jwksUrl: oidc.jwksUrl, scopeClaim: 'scope', readScope: 'read', adminScope: 'admin' });
    expect((await tenant.admin.data(RemoveOidcProviderDocument)).removeOidcProvider.oidcProvider?.issuer).toBe(oidc.issuer);
    expect((await tenant.client(await oidc.token({ audience, claims: { scope: 'read' } })).send(ViewerDocument)).status).toBe(401);
    expect((await tenant.admin.data(RemoveOidcProviderDocument)).removeOidcProvider.oidcProvider).toBeNull();
  });

  it('an unreachable JWKS is 503 UNAVAILABLE (retry later), not a verdict on the token', async () => {
    const tenant = await graphql.tenant();
    const unreachable = await LocalOidcProvider.start('https://down.example.test');
    const jwksUrl = unreachable.jwksUrl;
    await unreachable.stop();
    const audience = `hub-${tenant.credentials.tenant.slug}`;
    await tenant.admin.data(ConfigureOidcProviderDocument, { input: { issuer: unreachable.issuer, jwksUrl, audience } });
    const response = await tenant.client(await unreachable.token({ audience })).send(ViewerDocument);
    expect(response.status).toBe(503);
    expect(errorCodes(response)).toEqual(['UNAVAILABLE']);
    expect(response.headers['retry-after']).toBe('5');
  });

  it('configuring a provider checks its settings: URLs, claim names, distinct scope values', async () => {
    const tenant = await graphql.tenant();
    const base = { issuer: oidc.issuer, audience: 'hub', jwksUrl: oidc.jwksUrl };
    for (const input of [
      { ...base, jwksUrl: 'ftp://keys.example.test/jwks' },
      { ...base, jwksUrl: 'not a url' },
      { ...base, jwksUrl: 'https://user:pass@keys.example.test/jwks' },
      { ...base, issuer: ' ' },
      { ...base, scopeClaim: 'has space' },
      { ...base, readScope: 'same', adminScope: 'same' },
    ]) {
      expect(errorCodes(await tenant.admin.send(ConfigureOidcProviderDocument, { input }))).toEqual(['INVALID_INPUT']);
    }
    expect((await tenant.admin.data(TenantConfigurationDocument)).viewer.tenant.oidcProvider).toBeNull();
  });
});
