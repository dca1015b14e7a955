import type { Response } from 'supertest';
import { testDatabaseKind } from '../support/test-app';
import { expectScimError, expectStatus, SCIM } from '../support/scim-client';
import { GRAPHQL, useGraphqlHub } from '../graphql/graphql-hub';
import { LocalOidcProvider } from '../graphql/local-oidc-provider';
import { ConfigureOidcProviderDocument } from '../graphql/generated/operations';
import { connectionOutcome } from '../support/graphql-ws-connect';

/** The default per-address limit (AUTH_FAILURES_PER_MINUTE). */
const PER_SOURCE = 30;

/**
 * Issue 13, shared egress: Entra's and Okta's provisioning services send from address ranges shared by all
 * their customers, so one tenant's stale token failing from such an address must not lock the others out.
 * The per-address limit turns only further FAILURES into 429; valid credentials from the address work.
 */
describe(`Failed-authentication throttle behind a shared egress address on ${testDatabaseKind()}`, () => {
  const graphql = useGraphqlHub({ OIDC_ALLOW_HTTP_JWKS: 'true' });

  const scim = (token: string, source: string) => graphql.hub.http.get(`${SCIM}/Users`).set('Authorization', `Bearer ${token}`).set('X-Forwarded-For', source);
  const viewer = (token: string, source: string) =>
    graphql.hub.http.post(GRAPHQL).set('Content-Type', 'application/json').set('Authorization', `Bearer ${token}`).set('X-Forwarded-For', source).send(JSON.stringify({ query: '{ viewer { tenant { slug } } }' }));

  function expectThrottled(response: Response): void {
    expect(response.status).toBe(429);
    expect(Number(response.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(response.headers['retry-after'])).toBeLessThanOrEqual(60);
  }

  it('30+ failed tokens from one address: further failures are 429, valid SCIM tokens and admin keys of other tenants from that address still work', async () => {
    const egress = '10.77.0.1';
    const stale = await graphql.tenant();
    const others = [await graphql.tenant(), await graphql.tenant()];
    const statuses: number[] = [];
    for (let attempt = 0; attempt < PER_SOURCE + 5; attempt += 1) statuses.push((await scim(`${stale.credentials.scimToken}stale${attempt}`, egress)).status);
    expect(statuses).toEqual([...Array<number>(PER_SOURCE).fill(401), ...Array<number>(5).fill(429)]);

    for (const other of others) {
      expectStatus(await scim(other.credentials.scimToken, egress), 200);
      const answered = await viewer(other.credentials.adminApiKey, egress);
      expect(answered.status).toBe(200);
      expect(answered.body.data.viewer.tenant.slug).toBe(other.credentials.tenant.slug);
    }
    expectStatus(await scim(stale.credentials.scimToken, egress), 200);
    // Failures from the address stay throttled, on SCIM and GraphQL alike.
    const refused = await scim('not-a-token', egress);
    expectScimError(refused, 429);
    expectThrottled(refused);
    const refusedKey = await viewer('ihapi_unknown', egress);
    expectThrottled(refusedKey);
    expect(refusedKey.body.errors[0].extensions.code).toBe('UNAVAILABLE');
    // Another address is untouched.
    expectScimError(await scim('not-a-token', '10.77.0.2'), 401);
  });

  it('failed subscription sockets from one address: further failures are refused, a valid API key still connects', async () => {
    const tenant = await graphql.tenant();
    // Sockets come from the test process's own address; HTTP tests here name theirs in X-Forwarded-For.
    for (let attempt = 0; attempt < PER_SOURCE; attempt += 1) expect(await connectionOutcome(graphql.hub.wsUrl, `ihapi_unknown${attempt}`)).toBe(4403);
    expect(await connectionOutcome(graphql.hub.wsUrl, tenant.credentials.adminApiKey)).toBe('ack');
    expect(await connectionOutcome(graphql.hub.wsUrl, 'ihapi_unknown')).toBe(4403);
  });

  it('JWKS outages count as failures: tokens whose keys cannot be fetched are 503, then 429; valid credentials from the address still work', async () => {
    const egress = '10.77.1.1';
    const provider = await LocalOidcProvider.start();
    try {
      const tenant = await graphql.tenant();
      const audience = `egress-${tenant.credentials.tenant.slug}`;
      await tenant.admin.data(ConfigureOidcProviderDocument, { input: { issuer: provider.issuer, jwksUrl: provider.jwksUrl, audience } });
      provider.jwksStatus = 503;
      const statuses: number[] = [];
      for (let attempt = 0; attempt < PER_SOURCE + 3; attempt += 1) statuses.push((await viewer(await provider.token({ audience, claims: { scope: 'read' } }), egress)).status);
      expect(statuses).toEqual([...Array<number>(PER_SOURCE).fill(503), ...Array<number>(3).fill(429)]);
      expect((await viewer(tenant.credentials.adminApiKey, egress)).status).toBe(200);
      expectStatus(await scim(tenant.credentials.scimToken, egress), 200);
    } finally {
      await provider.stop();
    }
  });
});
