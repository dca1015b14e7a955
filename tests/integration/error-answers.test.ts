import WebSocket from 'ws';
import { testDatabaseKind } from '../support/test-app';
import { errorCodes, useGraphqlHub } from '../graphql/graphql-hub';
import { RotateScimTokenDocument, SetScimTokenExpiryDocument } from '../graphql/generated/operations';
import { isDomainError } from '../../src/domain/errors';

/** What the server answers to one subscribe message on an authenticated graphql-ws socket. */
async function subscribeAnswer(url: string, token: string, query: string): Promise<{ type: string; payload: unknown }> {
  const socket = new WebSocket(url, 'graphql-transport-ws');
  try {
    return await new Promise((resolve, reject) => {
      socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })));
      socket.on('message', (data) => {
        const message = JSON.parse(String(data)) as { type: string; payload: unknown };
        if (message.type === 'connection_ack') socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query } }));
        else resolve(message);
      });
      socket.on('close', (code) => reject(new Error(`socket closed with ${code}`)));
      socket.on('error', reject);
    });
  } finally {
    socket.close();
  }
}

/** Issue 13, the smaller items: bounded token expiry, GraphQL request errors over WebSocket, no JavaScript error text. */
describe(`error answers on ${testDatabaseKind()}`, () => {
  const graphql = useGraphqlHub();

  it('a SCIM token lifetime is at most 3,650 days: longer ones are INVALID_INPUT, never stored past the date range', async () => {
    const tenant = await graphql.tenant();
    for (const expiresInDays of [3_651, 2_147_483_647]) {
      const refused = await tenant.admin.send(RotateScimTokenDocument, { input: { expiresInDays } });
      expect(errorCodes(refused)).toEqual(['INVALID_INPUT']);
      expect(refused.errors?.[0].message).toContain('3650 days');
    }
    const farFuture = await tenant.admin.send(SetScimTokenExpiryDocument, { input: { expiresAt: '9999-12-31T00:00:00Z' } });
    expect(errorCodes(farFuture)).toEqual(['INVALID_INPUT']);
    expect(farFuture.errors?.[0].message).toContain('3650 days');

    const longest = await tenant.admin.data(RotateScimTokenDocument, { input: { expiresInDays: 3_650 } });
    const days = (Date.parse(String(longest.rotateScimToken.expiresAt)) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(3_649.9);
    expect(days).toBeLessThanOrEqual(3_650);

    const created = await graphql.hub.hub.services.tenants.createTenant({ slug: `long-${tenant.credentials.tenant.slug}`, tokenExpiresInDays: 1e9 }).catch((error: unknown) => error);
    expect(isDomainError(created) && created.code).toBe('INVALID_INPUT');
  });

  it('over WebSocket, an invalid subscription is GRAPHQL_VALIDATION_FAILED and a malformed one GRAPHQL_PARSE_FAILED, not INTERNAL_SERVER_ERROR', async () => {
    const tenant = await graphql.tenant();
    const invalid = await subscribeAnswer(graphql.hub.wsUrl, tenant.credentials.adminApiKey, 'subscription { noSuchField }');
    expect(invalid.type).toBe('error');
    expect((invalid.payload as { extensions: { code: string } }[]).map((error) => error.extensions.code)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    const malformed = await subscribeAnswer(graphql.hub.wsUrl, tenant.credentials.adminApiKey, 'subscription {');
    expect(malformed.type).toBe('error');
    expect((malformed.payload as { extensions: { code: string } }[]).map((error) => error.extensions.code)).toEqual(['GRAPHQL_PARSE_FAILED']);
  });
});
