import { testDatabaseKind } from '../support/test-app';
import { errorCodes, useGraphqlHub } from '../graphql/graphql-hub';
import { ConfigureOidcProviderDocument, RemoveOidcProviderDocument } from '../graphql/generated/operations';
import { isDomainError } from '../../src/domain/errors';

const ISSUER = 'https://login.example.test/realms/shared';
const JWKS_URL = 'http://127.0.0.1:9/jwks.json';
const SYSTEM = { actor: { type: 'system', id: 'test' } } as const;

/**
 * Issue 13: an OIDC (issuer, audience) pair names one tenant only, also when two tenants claim it at
 * the same moment (on PostgreSQL both used to succeed: the check and the insert were not atomic).
 */
describe(`OIDC provider (issuer, audience) claims on ${testDatabaseKind()}`, () => {
  const graphql = useGraphqlHub({ OIDC_ALLOW_HTTP_JWKS: 'true' });

  it('two tenants claiming the same pair at once: exactly one succeeds, the other gets CONFLICT', async () => {
    const { access } = graphql.hub.hub.services;
    for (let round = 0; round < 8; round += 1) {
      const tenants = await Promise.all([graphql.tenant(), graphql.tenant(), graphql.tenant()]);
      const audience = `race-${round}`;
      const outcomes = await Promise.allSettled(
        tenants.map((tenant) => access.configureOidcProvider(tenant.credentials.tenant.id, { issuer: ISSUER, jwksUrl: JWKS_URL, audience, scopeClaim: 'scope', readScope: 'read', adminScope: 'admin' }, SYSTEM)),
      );
      expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
      for (const outcome of outcomes) {
        if (outcome.status === 'rejected') expect(isDomainError(outcome.reason) && outcome.reason.code).toBe('CONFLICT');
      }
      const holders = (await access.trustedProvidersOf(ISSUER)).filter(({ provider }) => provider.audience === audience);
      expect(holders).toHaveLength(1);
    }
  });

  it('GraphQL answers CONFLICT naming the pair; a pair given up (removed or changed) can be claimed by another tenant', async () => {
    const [first, second] = [await graphql.tenant(), await graphql.tenant()];
    const input = { issuer: ISSUER, jwksUrl: JWKS_URL, audience: 'claimed' };
    await first.admin.data(ConfigureOidcProviderDocument, { input });
    const refused = await second.admin.send(ConfigureOidcProviderDocument, { input });
    expect(errorCodes(refused)).toEqual(['CONFLICT']);
    expect(refused.errors?.[0].message).toContain('another tenant already trusts this issuer for this audience');

    // The holder may save its own pair again (other settings), and moves to another audience: the pair is free.
    await first.admin.data(ConfigureOidcProviderDocument, { input: { ...input, jwksUrl: 'http://127.0.0.1:10/jwks.json' } });
    await first.admin.data(ConfigureOidcProviderDocument, { input: { ...input, audience: 'claimed-elsewhere' } });
    await second.admin.data(ConfigureOidcProviderDocument, { input });
    expect(errorCodes(await first.admin.send(ConfigureOidcProviderDocument, { input }))).toEqual(['CONFLICT']);
    await second.admin.data(RemoveOidcProviderDocument);
    await first.admin.data(ConfigureOidcProviderDocument, { input });
  });
});
