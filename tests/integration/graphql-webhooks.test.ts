import { createServer, type Server } from 'node:http';
import { testDatabaseKind } from '../support/test-app';
import { errorCodes, useGraphqlHub, type GraphqlTestTenant } from '../graphql/graphql-hub';
import { verifyWebhookSignature } from '../../src/services/webhook-signature';
import {
  CreateApiKeyDocument,
  CreateWebhookEndpointDocument,
  DeleteWebhookEndpointDocument,
  ReplayWebhookDeliveriesDocument,
  RotateWebhookSecretDocument,
  UpdateWebhookEndpointDocument,
  WebhookDeliveriesDocument,
  WebhookEndpointsDocument,
} from '../graphql/generated/operations';

interface Received {
  readonly eventId: string;
  readonly type: string;
  readonly signature: string | undefined;
  readonly text: string;
}

/** A receiver on 127.0.0.1 that answers `status()` and keeps every request. */
async function startReceiver(status: () => number): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((incoming, outgoing) => {
    let text = '';
    incoming.on('data', (chunk) => (text += String(chunk)));
    incoming.on('end', () => {
      received.push({
        eventId: String(incoming.headers['x-identityhub-event-id']),
        type: String(incoming.headers['x-identityhub-event-type']),
        signature: incoming.headers['x-identityhub-signature'] as string | undefined,
        text,
      });
      outgoing.statusCode = status();
      outgoing.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  return { url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hooks`, received, server };
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let tries = 0; ; tries += 1) {
    const value = await read();
    if (done(value) || tries >= 200) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Webhook endpoints over GraphQL: create (secret once), update, pause, delete, delivery status and replay. */
describe(`GraphQL webhooks on ${testDatabaseKind()}`, () => {
  const graphql = useGraphqlHub({ WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_POLL_INTERVAL_MS: '20', WEBHOOK_MAX_ATTEMPTS: '1', WEBHOOK_TIMEOUT_MS: '2000' });
  const servers: Server[] = [];
  afterAll(async () => {
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  async function receiver(status: () => number) {
    const started = await startReceiver(status);
    servers.push(started.server);
    return started;
  }

  async function deliveries(tenant: GraphqlTestTenant, endpointId: string, status?: 'DELIVERED' | 'FAILED' | 'PENDING') {
    return (await tenant.admin.data(WebhookDeliveriesDocument, { endpointId, status })).webhookDeliveries.nodes;
  }

  it('createWebhookEndpoint shows the secret once; deliveries are signed with it and listed with their status', async () => {
    const tenant = await graphql.tenant();
    const hooks = await receiver(() => 204);
    const { createWebhookEndpoint } = await tenant.admin.data(CreateWebhookEndpointDocument, { input: { url: hooks.url, eventTypes: ['user.created'] } });
    expect(createWebhookEndpoint.secret).toMatch(/^ihwhsec_/);
    expect(createWebhookEndpoint.endpoint).toMatchObject({ url: hooks.url, eventTypes: ['user.created'], active: true, consecutiveFailures: 0 });
    const listed = await tenant.admin.send(WebhookEndpointsDocument);
    expect(JSON.stringify(listed.body)).not.toContain(createWebhookEndpoint.secret);

    const ada = await tenant.scim.createUser('ada@example.com');
    await tenant.scim.createGroup('Engineering');
    const id = createWebhookEndpoint.endpoint.id;
    const [delivered] = await until(
      () => deliveries(tenant, id, 'DELIVERED'),
      (list) => list.length === 1,
    );
    expect(delivered).toMatchObject({ eventType: 'user.created', resourceType: 'user', resourceId: ada.id, status: 'DELIVERED', attempts: 1, lastError: null });
    expect(hooks.received.map((request) => request.type)).toEqual(['user.created']);
    expect(verifyWebhookSignature(createWebhookEndpoint.secret, hooks.received[0].signature, hooks.received[0].text)).toBe(true);
    const [endpoint] = (await tenant.admin.data(WebhookEndpointsDocument)).webhookEndpoints;
    expect(Date.parse(endpoint.lastSuccessAt ?? '')).not.toBeNaN();

    // Another tenant neither sees the endpoint nor its deliveries.
    const other = await graphql.tenant();
    expect((await other.admin.data(WebhookEndpointsDocument)).webhookEndpoints).toEqual([]);
    expect(await deliveries(other, id)).toEqual([]);
    expect(errorCodes(await other.admin.send(DeleteWebhookEndpointDocument, { input: { id } }))).toEqual(['NOT_FOUND']);
  });

  it('a failed delivery shows on the endpoint; replay by event id, by failedOnly and by time range sends again; a paused endpoint gets nothing new', async () => {
    const tenant = await graphql.tenant();
    let answer = 500;
    const hooks = await receiver(() => answer);
    const { createWebhookEndpoint } = await tenant.admin.data(CreateWebhookEndpointDocument, { input: { url: hooks.url } });
    const id = createWebhookEndpoint.endpoint.id;
    const start = new Date(Date.now() - 1000).toISOString();
    await tenant.scim.createUser('ada@example.com');
    await tenant.scim.createUser('bob@example.com');
    const failed = await until(
      () => deliveries(tenant, id, 'FAILED'),
      (list) => list.length === 2,
    );
    expect(failed.map((delivery) => [delivery.eventType, delivery.lastError])).toEqual([
      ['user.created', 'HTTP 500'],
      ['user.created', 'HTTP 500'],
    ]);
    const [endpoint] = (await tenant.admin.data(WebhookEndpointsDocument)).webhookEndpoints;
    expect(endpoint).toMatchObject({ lastError: 'HTTP 500', consecutiveFailures: 2, lastSuccessAt: null });

    answer = 200;
    const one = await tenant.admin.data(ReplayWebhookDeliveriesDocument, { input: { endpointId: id, eventId: failed[0].eventId } });
    expect(one.replayWebhookDeliveries.replayed).toBe(1);
    await until(
      () => deliveries(tenant, id, 'DELIVERED'),
      (list) => list.length === 1,
    );
    const rest = await tenant.admin.data(ReplayWebhookDeliveriesDocument, { input: { endpointId: id, failedOnly: true } });
    expect(rest.replayWebhookDeliveries.replayed).toBe(1);
    await until(
      () => deliveries(tenant, id, 'DELIVERED'),
      (list) => list.length === 2,
    );
    const receivedBefore = hooks.received.length;

    const range = await tenant.admin.data(ReplayWebhookDeliveriesDocument, { input: { endpointId: id, from: start, to: new Date(Date.now() + 1000).toISOString() } });
    expect(range.replayWebhookDeliveries.replayed).toBe(2);
    await until(
      async () => hooks.received.length,
      (count) => count === receivedBefore + 2,
    );
    expect(hooks.received.slice(receivedBefore).map((request) => request.eventId).sort()).toEqual(failed.map((delivery) => delivery.eventId).sort());
    const empty = await tenant.admin.data(ReplayWebhookDeliveriesDocument, { input: { endpointId: id, from: '2001-01-01T00:00:00Z', to: '2001-01-02T00:00:00Z' } });
    expect(empty.replayWebhookDeliveries.replayed).toBe(0);

    for (const input of [{ endpointId: id }, { endpointId: id, eventId: failed[0].eventId, failedOnly: true }, { endpointId: id, from: start }]) {
      expect(errorCodes(await tenant.admin.send(ReplayWebhookDeliveriesDocument, { input }))).toEqual(['INVALID_INPUT']);
    }

    const paused = await tenant.admin.data(UpdateWebhookEndpointDocument, { input: { id, active: false } });
    expect(paused.updateWebhookEndpoint.endpoint.active).toBe(false);
    await tenant.scim.createUser('carol@example.com');
    expect((await deliveries(tenant, id)).length).toBe(2);
  });

  it('update changes URL and event types (null: all); bad URLs and types are INVALID_INPUT; rotate and delete; READ is refused', async () => {
    const tenant = await graphql.tenant();
    const { createWebhookEndpoint } = await tenant.admin.data(CreateWebhookEndpointDocument, { input: { url: 'http://127.0.0.1:9/a', eventTypes: ['group.created'] } });
    const id = createWebhookEndpoint.endpoint.id;
    const changed = await tenant.admin.data(UpdateWebhookEndpointDocument, { input: { id, url: 'http://127.0.0.1:9/b', eventTypes: null } });
    expect(changed.updateWebhookEndpoint.endpoint).toMatchObject({ url: 'http://127.0.0.1:9/b', eventTypes: null, active: true });
    const keep = await tenant.admin.data(UpdateWebhookEndpointDocument, { input: { id, active: true } });
    expect(keep.updateWebhookEndpoint.endpoint.url).toBe('http://127.0.0.1:9/b');
    expect(errorCodes(await tenant.admin.send(CreateWebhookEndpointDocument, { input: { url: 'ftp://example.com/x' } }))).toEqual(['INVALID_INPUT']);
    expect(errorCodes(await tenant.admin.send(UpdateWebhookEndpointDocument, { input: { id, eventTypes: ['user.exploded'] } }))).toEqual(['INVALID_INPUT']);

    const rotated = await tenant.admin.data(RotateWebhookSecretDocument, { input: { id } });
    expect(rotated.rotateWebhookSecret.secret).toMatch(/^ihwhsec_/);
    expect(rotated.rotateWebhookSecret.secret).not.toBe(createWebhookEndpoint.secret);

    const reader = await tenant.admin.data(CreateApiKeyDocument, { input: { name: 'reader', scopes: ['READ'] } });
    expect(errorCodes(await tenant.client(reader.createApiKey.secret).send(WebhookEndpointsDocument))).toEqual(['FORBIDDEN']);

    expect((await tenant.admin.data(DeleteWebhookEndpointDocument, { input: { id } })).deleteWebhookEndpoint.id).toBe(id);
    expect((await tenant.admin.data(WebhookEndpointsDocument)).webhookEndpoints).toEqual([]);
    const actions = await graphql.hub.hub.database.read((tx) =>
      tx.all<{ action: string }>(tx.knex('audit_events').select('action').where({ tenant_id: tenant.credentials.tenant.id }).where('action', 'like', 'webhook%').orderBy('id')),
    );
    expect(actions.map((row) => row.action)).toEqual([
      'webhook_endpoint.created',
      'webhook_endpoint.updated',
      'webhook_endpoint.updated',
      'webhook_endpoint.secret_rotated',
      'webhook_endpoint.deleted',
    ]);
  });
});
