import { randomUUID } from 'node:crypto';
import { decodeJwt, SignJWT } from 'jose';
import { bearer, createTestHub, testDatabaseKind, type TestHub } from '../support/test-app';
import { PATCH_OP, SCIM, USER_SCHEMA } from '../support/scim-client';
import { ScimOAuthService } from '../../src/services/scim-oauth.service';

const admin = { actor: { type: 'system' as const, id: 'test' } };
const TOKEN_PATH = `${SCIM}/oauth/token`;
const AUDIENCE = 'https://hub.example.com/scim/v2';

/** SCIM OAuth 2.0 client credentials (RFC 6749 section 4.4) beside the static token. */
describe(`SCIM OAuth client credentials on ${testDatabaseKind()}`, () => {
  let hub: TestHub;

  beforeAll(async () => {
    hub = await createTestHub({ PUBLIC_URL: 'https://hub.example.com' }, { backgroundJobs: false });
  });
  afterAll(async () => {
    await hub.close();
  });

  async function tenantWithClient(tokenLifetimeMinutes?: number) {
    const credentials = await hub.createTenant();
    const client = await hub.hub.services.scimOAuth.issueClientSecret(credentials.tenant.id, { tokenLifetimeMinutes }, admin);
    return { credentials, client };
  }

  const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
  const requestToken = (body: string, headers: Record<string, string> = {}) =>
    hub.http.post(TOKEN_PATH).set({ 'Content-Type': 'application/x-www-form-urlencoded', ...headers }).send(body);
  const basic = (id: string, secret: string) => ({ Authorization: `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}` });

  it("replays Entra's client-credentials provisioning: token request (client_secret_post), test connection, create, update, deactivate", async () => {
    const { client } = await tenantWithClient();
    // What the provisioning service posts to the token endpoint configured in the app's admin credentials.
    const token = await requestToken(form({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.clientSecret }));
    expect(token.status).toBe(200);
    expect(token.headers['cache-control']).toBe('no-store');
    expect(token.body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 3600 });
    const claims = decodeJwt(token.body.access_token);
    expect(claims).toMatchObject({ aud: AUDIENCE, sub: client.clientId, client_id: client.clientId });
    expect(claims.exp! - claims.iat!).toBe(3600);

    const scim = (method: 'get' | 'post' | 'patch', path: string, body?: object) => {
      const call = hub.http[method](`${SCIM}${path}`).set(bearer(token.body.access_token)).set('Content-Type', 'application/scim+json');
      return body === undefined ? call : call.send(body);
    };
    // "Test connection": a filter on a random userName that matches nobody.
    const probe = await scim('get', `/Users?filter=${encodeURIComponent(`userName eq "${randomUUID()}"`)}`);
    expect(probe.status).toBe(200);
    expect(probe.body.totalResults).toBe(0);
    const lookup = await scim('get', `/Users?filter=${encodeURIComponent('userName eq "ada@contoso.example"')}`);
    expect(lookup.body.totalResults).toBe(0);
    const created = await scim('post', '/Users', { schemas: [USER_SCHEMA], externalId: 'ada', userName: 'ada@contoso.example', active: true, displayName: 'Ada', emails: [{ primary: true, type: 'work', value: 'ada@contoso.example' }] });
    expect(created.status).toBe(201);
    const updated = await scim('patch', `/Users/${created.body.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'displayName', value: 'Ada L.' }] });
    expect(updated.status).toBe(200);
    const deactivated = await scim('patch', `/Users/${created.body.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] });
    expect(deactivated.status).toBe(200);
    expect((await scim('get', `/Users/${created.body.id}`)).body).toMatchObject({ displayName: 'Ada L.', active: false });
  });

  it('accepts client_secret_basic; refuses a wrong secret, two methods at once, other grants and non-form bodies with RFC 6749 errors', async () => {
    const { client } = await tenantWithClient(360);
    const viaBasic = await requestToken(form({ grant_type: 'client_credentials' }), basic(client.clientId, client.clientSecret));
    expect(viaBasic.status).toBe(200);
    expect(viaBasic.body.expires_in).toBe(21_600);

    const wrong = await requestToken(form({ grant_type: 'client_credentials' }), basic(client.clientId, `${client.clientSecret.slice(0, -1)}x`));
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ error: 'invalid_client', error_description: expect.any(String) });
    expect(wrong.headers['www-authenticate']).toMatch(/^Basic/);
    const unknown = await requestToken(form({ grant_type: 'client_credentials', client_id: 'ihcid_nobody', client_secret: client.clientSecret }));
    expect(unknown.status).toBe(401);
    expect(unknown.body.error).toBe('invalid_client');
    const both = await requestToken(form({ grant_type: 'client_credentials', client_secret: client.clientSecret }), basic(client.clientId, client.clientSecret));
    expect(both.status).toBe(400);
    expect(both.body.error).toBe('invalid_request');
    const password = await requestToken(form({ grant_type: 'password', client_id: client.clientId, client_secret: client.clientSecret }));
    expect(password.body.error).toBe('unsupported_grant_type');
    const noGrant = await requestToken(form({ client_id: client.clientId, client_secret: client.clientSecret }));
    expect(noGrant.body.error).toBe('invalid_request');
    const json = await hub.http.post(TOKEN_PATH).set('Content-Type', 'application/json').send({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.clientSecret });
    expect(json.status).toBe(400);
    expect(json.body.error).toBe('invalid_request');
    expect((await hub.http.get(TOKEN_PATH)).status).toBe(405);
  });

  it('access tokens stop working after rotation and revocation; the static token keeps working beside them', async () => {
    const { credentials, client } = await tenantWithClient();
    const tokenFor = async (id: string, secret: string) => (await requestToken(form({ grant_type: 'client_credentials', client_id: id, client_secret: secret }))).body.access_token as string;
    const users = (credential: string) => hub.http.get(`${SCIM}/Users`).set(bearer(credential));
    const first = await tokenFor(client.clientId, client.clientSecret);
    expect((await users(first)).status).toBe(200);

    const rotated = await hub.hub.services.scimOAuth.issueClientSecret(credentials.tenant.id, {}, admin);
    expect(rotated.clientId).toBe(client.clientId);
    expect((await users(first)).status).toBe(401);
    expect((await requestToken(form({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.clientSecret }))).status).toBe(401);
    const second = await tokenFor(rotated.clientId, rotated.clientSecret);
    expect((await users(second)).status).toBe(200);
    expect((await users(credentials.scimToken)).status).toBe(200);

    await hub.hub.services.scimOAuth.revokeClient(credentials.tenant.id, admin);
    expect((await users(second)).status).toBe(401);
    expect((await requestToken(form({ grant_type: 'client_credentials', client_id: rotated.clientId, client_secret: rotated.clientSecret }))).status).toBe(401);
    expect((await users(credentials.scimToken)).status).toBe(200);
  });

  it('refuses tokens for another audience, forged or expired ones, and lifetimes outside 60-360 minutes', async () => {
    const { credentials, client } = await tenantWithClient();
    const oauth = hub.hub.services.scimOAuth;
    const elsewhere = await oauth.issueAccessToken({ clientId: client.clientId, clientSecret: client.clientSecret, method: 'client_secret_post' }, 'https://other.example/scim/v2', () => undefined);
    expect((await hub.http.get(`${SCIM}/Users`).set(bearer(elsewhere.accessToken))).status).toBe(401);
    const forged = await new SignJWT({ client_id: client.clientId })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(`${AUDIENCE}/oauth`)
      .setSubject(client.clientId)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(Buffer.alloc(32, 1));
    expect((await hub.http.get(`${SCIM}/Users`).set(bearer(forged))).status).toBe(401);
    const { client: shortLived } = await tenantWithClient(60);
    // Issued two hours ago (a clock moved back), so expired an hour ago.
    const twoHoursAgo = () => Date.now() - 2 * 60 * 60 * 1000;
    const stale = await new ScimOAuthService(hub.hub.database, hub.hub.services.audit, { now: twoHoursAgo }).issueAccessToken(
      { clientId: shortLived.clientId, clientSecret: shortLived.clientSecret, method: 'client_secret_post' },
      AUDIENCE,
      () => undefined,
    );
    expect((await hub.http.get(`${SCIM}/Users`).set(bearer(stale.accessToken))).status).toBe(401);

    await expect(oauth.issueClientSecret(credentials.tenant.id, { tokenLifetimeMinutes: 30 }, admin)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(oauth.issueClientSecret(credentials.tenant.id, { tokenLifetimeMinutes: 361 }, admin)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('tenant admins manage the client over GraphQL; read-only keys cannot', async () => {
    const credentials = await hub.createTenant();
    const graphql = (query: string, key = credentials.adminApiKey) => hub.http.post('/graphql').set(bearer(key)).send({ query });
    expect((await graphql('{ scimOAuthClient { clientId } }')).body.data.scimOAuthClient).toBeNull();
    const issued = (await graphql('mutation { issueScimOAuthClientSecret(input: { tokenLifetimeMinutes: 240 }) { clientSecret client { clientId tokenEndpointPath tokenLifetimeMinutes secretCreatedAt } } }')).body.data.issueScimOAuthClientSecret;
    expect(issued.client).toEqual({ clientId: expect.stringMatching(/^ihcid_/), tokenEndpointPath: '/scim/v2/oauth/token', tokenLifetimeMinutes: 240, secretCreatedAt: expect.any(String) });
    const token = await requestToken(form({ grant_type: 'client_credentials', client_id: issued.client.clientId, client_secret: issued.clientSecret }));
    expect(token.body.expires_in).toBe(14_400);
    expect((await graphql('mutation { setScimOAuthTokenLifetime(minutes: null) { tokenLifetimeMinutes } }')).body.data.setScimOAuthTokenLifetime.tokenLifetimeMinutes).toBe(60);
    const reader = (await hub.hub.services.access.createApiKey(credentials.tenant.id, { name: 'reader', scopes: ['read'] }, admin)).secret;
    expect((await graphql('{ scimOAuthClient { clientId } }', reader)).body.errors[0].extensions.code).toBe('FORBIDDEN');
    expect((await graphql('mutation { revokeScimOAuthClient }')).body.data.revokeScimOAuthClient).toBe(true);
    expect((await hub.http.get(`${SCIM}/Users`).set(bearer(token.body.access_token))).status).toBe(401);
  });

  it('a suspended tenant gets no token; failed client authentications count in the throttle', async () => {
    const { credentials, client } = await tenantWithClient();
    const ok = form({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.clientSecret });
    await hub.hub.services.operator.suspendTenant(credentials.tenant.slug, null, admin);
    const suspended = await requestToken(ok);
    expect(suspended.status).toBe(400);
    expect(suspended.body.error).toBe('unauthorized_client');
    await hub.hub.services.operator.resumeTenant(credentials.tenant.slug, admin);

    // One client address (through the trusted loopback proxy) guessing secrets is stopped like a SCIM token guesser;
    // valid credentials from it are still served (IdPs share egress addresses).
    const from = { 'X-Forwarded-For': '203.0.113.9' };
    const statuses: number[] = [];
    for (let attempt = 0; attempt < hub.config.authFailuresPerMinute + 1; attempt += 1) {
      statuses.push((await requestToken(form({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: 'ihcsec_wrong' }), from)).status);
    }
    expect(statuses.slice(0, hub.config.authFailuresPerMinute).every((status) => status === 401)).toBe(true);
    const blocked = statuses.at(-1);
    expect(blocked).toBe(429);
    const again = await requestToken(form({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: 'ihcsec_wrong' }), from);
    expect(again.status).toBe(429);
    expect(again.headers['retry-after']).toMatch(/^\d+$/);
    expect((await requestToken(ok, from)).status).toBe(200);
  });
});
