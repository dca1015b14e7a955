import { loadConfig } from '../../src/config';
import { testDatabaseKind } from '../support/test-app';
import { createGraphqlTestHub, errorCodes, type GraphqlTestHub } from '../graphql/graphql-hub';

const INTROSPECTION = '{ __schema { queryType { name } } }';
const TYPO = '{ viewer { scope } }';

/** Deployment settings of /graphql: what NODE_ENV=production turns off, what can turn it back on, the auth throttle. */
describe(`GraphQL deployment settings on ${testDatabaseKind()}`, () => {
  const hubs: GraphqlTestHub[] = [];
  async function hubWith(env: Record<string, string>): Promise<GraphqlTestHub> {
    const hub = await createGraphqlTestHub(env);
    hubs.push(hub);
    return hub;
  }
  afterAll(async () => {
    for (const hub of hubs) await hub.close();
  });

  it('in production, introspection and field suggestions are off and errors carry no stack', async () => {
    const hub = await hubWith({ NODE_ENV: 'production' });
    const { admin } = await hub.tenant();
    const introspection = await admin.sendText(INTROSPECTION);
    expect(introspection.status).toBe(400);
    expect(errorCodes(introspection)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(introspection.errors?.[0].message).toMatch(/introspection/i);
    const typo = await admin.sendText(TYPO);
    expect(errorCodes(typo)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(typo.errors?.[0].message).not.toMatch(/Did you mean/);
    const failure = jest.spyOn(hub.hub.services.directory, 'usersByIds').mockRejectedValueOnce(new Error('boom'));
    const masked = await admin.sendText('{ user(id: "x") { id } }');
    failure.mockRestore();
    expect(masked.errors?.[0]).toMatchObject({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    expect(masked.errors?.[0].extensions).not.toHaveProperty('stacktrace');
  });

  it('GRAPHQL_INTROSPECTION and GRAPHQL_FIELD_SUGGESTIONS turn them back on in production', async () => {
    const hub = await hubWith({ NODE_ENV: 'production', GRAPHQL_INTROSPECTION: 'true', GRAPHQL_FIELD_SUGGESTIONS: 'true' });
    const { admin } = await hub.tenant();
    expect((await admin.sendText(INTROSPECTION)).data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    expect((await admin.sendText(TYPO)).errors?.[0].message).toMatch(/Did you mean "scopes"/);
  });

  it('in development, a masked error shows its stack trace to the developer', async () => {
    const hub = await hubWith({ NODE_ENV: 'development' });
    const { admin } = await hub.tenant();
    const failure = jest.spyOn(hub.hub.services.directory, 'usersByIds').mockRejectedValueOnce(new Error('boom'));
    const masked = await admin.sendText('{ user(id: "x") { id } }');
    failure.mockRestore();
    expect(masked.errors?.[0].message).toBe('Internal server error');
    expect(JSON.stringify(masked.errors?.[0].extensions?.stacktrace)).toContain('boom');
  });

  it('failed authentications from one address are throttled with 429 and an integer Retry-After; valid credentials are not (issue 13)', async () => {
    const hub = await hubWith({ AUTH_FAILURES_PER_MINUTE: '3' });
    const tenant = await hub.tenant();
    for (let attempt = 0; attempt < 3; attempt += 1) expect((await tenant.client('ihapi_wrong').sendText('{ viewer { scopes } }')).status).toBe(401);
    const throttled = await tenant.client('ihapi_wrong').sendText('{ viewer { scopes } }');
    expect(throttled.status).toBe(429);
    expect(errorCodes(throttled)).toEqual(['UNAVAILABLE']);
    expect(throttled.headers['retry-after']).toMatch(/^\d+$/);
    expect((await tenant.admin.sendText('{ viewer { scopes } }')).status).toBe(200);
  });

  it('refuses invalid settings at start-up, all in one message', () => {
    expect(() => loadConfig({ GRAPHQL_INTROSPECTION: 'maybe', GRAPHQL_MAX_DEPTH: '0', OIDC_ALLOW_HTTP_JWKS: 'sometimes' })).toThrow(
      /GRAPHQL_INTROSPECTION must be true or false[\s\S]*GRAPHQL_MAX_DEPTH must be between 1 and 100[\s\S]*OIDC_ALLOW_HTTP_JWKS must be true or false/,
    );
  });
});
