import type { Response } from 'supertest';
import { testDatabaseKind } from '../support/test-app';
import { expectScimError, expectStatus, SCIM } from '../support/scim-client';
import { GRAPHQL, useGraphqlHub, type GraphqlTestTenant } from '../graphql/graphql-hub';
import { LocalOidcProvider } from '../graphql/local-oidc-provider';
import { ConfigureOidcProviderDocument, CreateApiKeyDocument, RevokeApiKeyDocument } from '../graphql/generated/operations';

const PER_SOURCE = 2;
const PER_TENANT = 5;
/** Seconds a rotated-out SCIM token keeps working in these tests. */
const GRACE_SECONDS = 1;

let nextSource = 0;
/** A client address not used before (the hub trusts X-Forwarded-For from loopback, as behind a local proxy). */
function freshSource(): string {
  nextSource += 1;
  return `10.${Math.floor(nextSource / 250)}.${nextSource % 250}.7`;
}

/**
 * Issue 8, Secrets: failed authentication is throttled per source and per tenant. A tenant's recognised
 * but refused credentials (rotated out, expired, revoked, failing its OIDC provider) tried from many
 * addresses, none over its own limit, get 429 with an integer Retry-After once the tenant's limit is
 * reached; the tenant's valid credentials and other tenants are unaffected.
 */
describe(`Failed-authentication throttle per tenant on ${testDatabaseKind()}`, () => {
  const graphql = useGraphqlHub({ AUTH_FAILURES_PER_MINUTE: String(PER_SOURCE), AUTH_FAILURES_PER_TENANT_PER_MINUTE: String(PER_TENANT), OIDC_ALLOW_HTTP_JWKS: 'true' });
  let oidc: LocalOidcProvider;

  beforeAll(async () => {
    oidc = await LocalOidcProvider.start();
  });
  afterAll(async () => {
    await oidc.stop();
  });

  const scim = (token: string, source = freshSource()) => graphql.hub.http.get(`${SCIM}/Users`).set('Authorization', `Bearer ${token}`).set('X-Forwarded-For', source);
  const viewer = (token: string, source = freshSource()) =>
    graphql.hub.http.post(GRAPHQL).set('Content-Type', 'application/json').set('Authorization', `Bearer ${token}`).set('X-Forwarded-For', source).send(JSON.stringify({ query: '{ viewer { tenant { slug } } }' }));

  function expectThrottled(response: Response): void {
    expect(response.status).toBe(429);
    expect(response.headers['retry-after']).toMatch(/^[1-9]\d*$/);
    expect(Number(response.headers['retry-after'])).toBeLessThanOrEqual(60);
  }

  /** Statuses of `attempts` tries of `send`, each from a new address. */
  async function statusesOf(attempts: number, send: (source: string) => Promise<Response>): Promise<Response[]> {
    const responses: Response[] = [];
    for (let attempt = 0; attempt < attempts; attempt += 1) responses.push(await send(freshSource()));
    return responses;
  }

  /** A tenant whose SCIM token was rotated with a grace period that has since ended: [rotated-out token, current token]. */
  async function tenantWithRotatedToken(): Promise<{ tenant: GraphqlTestTenant; rotatedOut: string; current: string }> {
    const tenant = await graphql.tenant();
    const { tenants } = graphql.hub.hub.services;
    await tenants.updateSettings(tenant.credentials.tenant.slug, { tokenGraceSeconds: GRACE_SECONDS });
    const rotated = await tenants.rotateScimToken(tenant.credentials.tenant.slug);
    return { tenant, rotatedOut: tenant.credentials.scimToken, current: rotated.scimToken };
  }

  it('SCIM: a rotated-out or expired token of one tenant from many addresses -> 401, then 429 with an integer Retry-After; its valid token and other tenants are unaffected', async () => {
    const target = await tenantWithRotatedToken();
    const other = await tenantWithRotatedToken();
    const expiring = await graphql.hub.hub.services.tenants.createTenant({ slug: `exp-${target.tenant.credentials.tenant.slug}`, tokenExpiresInDays: GRACE_SECONDS / 86_400 });
    await new Promise((resolve) => setTimeout(resolve, GRACE_SECONDS * 1000 + 200));

    const refused = await statusesOf(PER_TENANT, (source) => scim(target.rotatedOut, source));
    for (const response of refused) {
      expectScimError(response, 401);
      expect(response.headers['www-authenticate']).toBe('Bearer realm="scim"');
    }
    for (const response of await statusesOf(3, (source) => scim(target.rotatedOut, source))) {
      expectScimError(response, 429);
      expectThrottled(response);
    }
    // Valid credentials of the tenant: from an address that never failed, and from one that failed once (below its own limit).
    expectStatus(await scim(target.current), 200);
    expectStatus(await scim(target.current, '10.250.0.1'), 200);
    expectScimError(await scim(target.rotatedOut, '10.250.0.2'), 429);
    expectStatus(await scim(target.current, '10.250.0.2'), 200);
    expect((await viewer(target.tenant.credentials.adminApiKey)).status).toBe(200);

    // Another tenant's rotated-out token is still answered 401; an unknown token names no tenant and is 401.
    expectScimError(await scim(other.rotatedOut), 401);
    expectStatus(await scim(other.current), 200);
    expectScimError(await scim(`${target.current.slice(0, 10)}unknown`), 401);

    // Expired tokens count the same way, against their own tenant.
    const expired = await statusesOf(PER_TENANT + 1, (source) => scim(expiring.scimToken, source));
    expect(expired.map((response) => response.status)).toEqual([...Array<number>(PER_TENANT).fill(401), 429]);
    expectThrottled(expired[PER_TENANT]);
    expect((await viewer(expiring.adminApiKey)).status).toBe(200);
  });

  it('GraphQL: a revoked API key or a failing OIDC token of one tenant from many addresses -> 401, then 429 UNAVAILABLE with an integer Retry-After; valid credentials and other tenants are unaffected', async () => {
    const target = await graphql.tenant();
    const other = await graphql.tenant();
    const revokedKeyOf = async (tenant: GraphqlTestTenant) => {
      const created = await tenant.admin.data(CreateApiKeyDocument, { input: { name: 'reporting', scopes: ['READ'] } });
      await tenant.admin.data(RevokeApiKeyDocument, { input: { id: created.createApiKey.apiKey.id } });
      return created.createApiKey.secret;
    };
    const revoked = await revokedKeyOf(target);
    const otherRevoked = await revokedKeyOf(other);

    const refused = await statusesOf(PER_TENANT, (source) => viewer(revoked, source));
    for (const response of refused) {
      expect(response.status).toBe(401);
      expect(response.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    }
    for (const response of await statusesOf(3, (source) => viewer(revoked, source))) {
      expectThrottled(response);
      expect(response.body.errors[0].extensions.code).toBe('UNAVAILABLE');
    }
    const valid = await viewer(target.credentials.adminApiKey, '10.251.0.1');
    expect(valid.status).toBe(200);
    expect(valid.body.data.viewer.tenant.slug).toBe(target.credentials.tenant.slug);
    expectStatus(await scim(target.credentials.scimToken), 200);
    expect((await viewer(otherRevoked)).status).toBe(401);
    expect((await viewer(other.credentials.adminApiKey)).status).toBe(200);

    // A token of the tenant's own OIDC provider that fails verification (expired) counts against that tenant.
    const trusting = await graphql.tenant();
    const audience = `hub-${trusting.credentials.tenant.slug}`;
    await trusting.admin.data(ConfigureOidcProviderDocument, { input: { issuer: oidc.issuer, jwksUrl: oidc.jwksUrl, audience } });
    const expiredToken = await oidc.token({ audience, claims: { scope: 'read' }, expiresIn: -120 });
    const attempts = await statusesOf(PER_TENANT + 1, (source) => viewer(expiredToken, source));
    expect(attempts.map((response) => response.status)).toEqual([...Array<number>(PER_TENANT).fill(401), 429]);
    expectThrottled(attempts[PER_TENANT]);
    expect((await viewer(await oidc.token({ audience, claims: { scope: 'read' } }))).status).toBe(200);
  });
});
