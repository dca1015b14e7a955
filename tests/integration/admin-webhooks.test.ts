import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import pino from 'pino';
import { createApp, type IdentityHub } from '../../src/app';
import { loadConfig } from '../../src/config';
import type { AuditContext } from '../../src/domain/audit';
import type { NewEvent } from '../../src/domain/events';
import { WebhookRepository } from '../../src/persistence/repositories/webhook.repository';
import { WebhookDeliveryWorker } from '../../src/services/webhook-delivery';
import { verifyWebhookSignature } from '../../src/services/webhook-signature';
import { OutboundHttp } from '../../src/outbound/outbound-http';
import { createTestDatabase, TEST_OUTBOUND_ALLOW_HOSTS, testDatabaseKind, type TestDatabase } from '../support/test-app';

const admin: AuditContext = { actor: { type: 'apiKey', id: 'admin-key' }, requestId: 'req-admin' };
/** Fast retries and polling, and http:// receivers on 127.0.0.1. */
const FAST_WEBHOOKS = {
  LOG_LEVEL: 'silent',
  WEBHOOK_ALLOW_HTTP: 'true',
  OUTBOUND_ALLOW_HOSTS: TEST_OUTBOUND_ALLOW_HOSTS,
  WEBHOOK_POLL_INTERVAL_MS: '20',
  WEBHOOK_RETRY_BASE_MS: '40',
  WEBHOOK_RETRY_MAX_MS: '200',
  WEBHOOK_TIMEOUT_MS: '2000',
};

interface Received {
  readonly eventId: string;
  readonly type: string;
  readonly attempt: number;
  readonly body: Record<string, any>;
  readonly signatureValid: boolean;
  readonly status: number;
}

/** A webhook receiver on 127.0.0.1 that answers what `answer` says and keeps every request. */
class Receiver {
  readonly received: Received[] = [];
  secret = '';

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(answer: (eventId: string, attempt: number) => number): Promise<Receiver> {
    const attemptsByEvent = new Map<string, number>();
    let receiver: Receiver | undefined;
    const server = createServer((incoming, outgoing) => {
      let text = '';
      incoming.on('data', (chunk) => (text += String(chunk)));
      incoming.on('end', () => {
        const headers: IncomingHttpHeaders = incoming.headers;
        const eventId = String(headers['x-identityhub-event-id']);
        const attempt = (attemptsByEvent.get(eventId) ?? 0) + 1;
        attemptsByEvent.set(eventId, attempt);
        const status = answer(eventId, attempt);
        receiver?.received.push({
          eventId,
          type: String(headers['x-identityhub-event-type']),
          attempt: Number(headers['x-identityhub-delivery-attempt']),
          body: JSON.parse(text),
          signatureValid: verifyWebhookSignature(receiver.secret, headers['x-identityhub-signature'] as string | undefined, text),
          status,
        });
        outgoing.statusCode = status;
        outgoing.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const address = server.address();
    receiver = new Receiver(server, `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hooks`);
    return receiver;
  }

  accepted(): Received[] {
    return this.received.filter((request) => request.status >= 200 && request.status < 300);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function openHub(database: TestDatabase, env: Record<string, string>, backgroundJobs = true): Promise<IdentityHub> {
  const config = { ...loadConfig({ ...FAST_WEBHOOKS, ...env }), database: database.config };
  return createApp(config, { logger: pino({ level: 'silent' }), backgroundJobs });
}

function userEvent(tenantId: string, userId: string, type: 'user.created' | 'user.updated' | 'user.deleted', version: number): NewEvent {
  const data = type === 'user.deleted' ? { userId, userName: `${userId}@example.com`, externalId: null } : { userId, userName: `${userId}@example.com`, externalId: null, active: true };
  return { tenantId, type, resourceId: userId, resourceVersion: version, data } as NewEvent;
}

/** Change events delivered as signed webhooks: retries, order per resource, crash safety, several workers. */
describe(`webhooks on ${testDatabaseKind()}`, () => {
  let database: TestDatabase;
  let hub: IdentityHub;
  const receivers: Receiver[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    hub = await openHub(database, {});
  });

  afterAll(async () => {
    await hub.close();
    for (const receiver of receivers) await receiver.close();
    await database.drop();
  });

  async function receiver(answer: (eventId: string, attempt: number) => number): Promise<Receiver> {
    const started = await Receiver.start(answer);
    receivers.push(started);
    return started;
  }

  async function tenantWithEndpoint(target: Receiver, eventTypes?: string[], on = hub) {
    const { tenant } = await on.services.tenants.createTenant({ slug: `t-${Math.random().toString(36).slice(2, 10)}` });
    const created = await on.services.webhooks.createEndpoint(tenant.id, { url: target.url, eventTypes }, admin);
    target.secret = created.secret;
    return { tenantId: tenant.id, endpoint: created.endpoint, secret: created.secret };
  }

  async function enqueue(on: IdentityHub, events: NewEvent[]): Promise<string[]> {
    const ids: string[] = [];
    for (const event of events) ids.push((await on.database.transaction((tx) => on.services.outbox.enqueue(tx, event))).id);
    return ids;
  }

  it('retries a receiver that fails twice, then delivers each event exactly once by id, signed, in order per resource', async () => {
    const target = await receiver((_eventId, attempt) => (attempt <= 2 ? 500 : 204));
    const { tenantId, endpoint } = await tenantWithEndpoint(target);
    const ids = await enqueue(hub, [
      userEvent(tenantId, 'user-a', 'user.created', 1),
      userEvent(tenantId, 'user-b', 'user.created', 1),
      userEvent(tenantId, 'user-a', 'user.updated', 2),
      userEvent(tenantId, 'user-a', 'user.deleted', 3),
      userEvent(tenantId, 'user-b', 'user.updated', 2),
    ]);

    await waitFor(() => target.accepted().length >= ids.length, 'every event accepted');
    await new Promise((resolve) => setTimeout(resolve, 200));

    const accepted = target.accepted();
    expect(accepted.map((request) => request.eventId).sort()).toEqual([...ids].sort());
    expect(target.received).toHaveLength(ids.length * 3);
    expect(target.received.every((request) => request.signatureValid)).toBe(true);
    expect(accepted.every((request) => request.attempt === 3)).toBe(true);

    // Per resource, no attempt at an event before the previous event of that resource was accepted.
    for (const [resourceId, resourceIds] of [
      ['user-a', [ids[0], ids[2], ids[3]]],
      ['user-b', [ids[1], ids[4]]],
    ] as const) {
      const attempts = target.received.filter((request) => request.body.resource.id === resourceId).map((request) => request.eventId);
      expect(attempts).toEqual(resourceIds.flatMap((id) => [id, id, id]));
    }

    const first = accepted.find((request) => request.eventId === ids[0]);
    expect(first?.body).toEqual({
      id: ids[0],
      type: 'user.created',
      tenantId,
      occurredAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      resource: { type: 'user', id: 'user-a', version: 1 },
      data: { userId: 'user-a', userName: 'user-a@example.com', externalId: null, active: true },
    });

    const status = await hub.services.webhooks.getEndpoint(tenantId, endpoint.id);
    expect(status).toMatchObject({ consecutiveFailures: 0, lastSuccessAt: expect.any(Number), lastFailureAt: expect.any(Number), lastError: 'HTTP 500' });
    const deliveries = await hub.services.webhooks.listDeliveries(tenantId, endpoint.id, undefined, { limit: 10 });
    expect(deliveries.items.map((item) => [item.node.eventId, item.node.status, item.node.attempts])).toEqual([...ids].reverse().map((id) => [id, 'delivered', 3]));
  });

  it('gives up after the last attempt, keeps later events of other resources flowing, and replays on request', async () => {
    const localDatabase = await createTestDatabase();
    const local = await openHub(localDatabase, { WEBHOOK_MAX_ATTEMPTS: '2' });
    try {
      let failing = true;
      const target = await receiver(() => (failing ? 503 : 200));
      const { tenantId, endpoint } = await tenantWithEndpoint(target, undefined, local);
      const [eventId] = await enqueue(local, [userEvent(tenantId, 'user-x', 'user.created', 1)]);
      await waitFor(async () => (await local.services.webhooks.listDeliveries(tenantId, endpoint.id, 'failed', { limit: 10 })).items.length === 1, 'the delivery given up');
      expect(target.received).toHaveLength(2);
      expect(await local.services.webhooks.getEndpoint(tenantId, endpoint.id)).toMatchObject({ consecutiveFailures: 2, lastError: 'HTTP 503', lastSuccessAt: null });

      failing = false;
      const [later] = await enqueue(local, [userEvent(tenantId, 'user-y', 'user.created', 1)]);
      await waitFor(() => target.accepted().some((request) => request.eventId === later), 'a later event of another resource');

      await local.services.webhooks.replayDelivery(tenantId, endpoint.id, eventId, admin);
      await waitFor(() => target.accepted().some((request) => request.eventId === eventId), 'the replayed event');
      const replayed = target.accepted().find((request) => request.eventId === eventId);
      expect(replayed?.attempt).toBe(1);
      expect(await local.services.webhooks.getEndpoint(tenantId, endpoint.id)).toMatchObject({ consecutiveFailures: 0 });
      const audited = await local.services.audit.list(tenantId, { action: 'webhook_delivery.replayed' }, { limit: 10 });
      expect(audited.items[0].node).toMatchObject({ actor: admin.actor, diff: { details: { eventId } } });
      await expect(local.services.webhooks.replayDelivery(tenantId, endpoint.id, 'no-such-event', admin)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    } finally {
      await local.close();
      await localDatabase.drop();
    }
  });

  it('delivers an event committed before a crash: a new app on the same database sends it', async () => {
    const shared = await createTestDatabase();
    try {
      const target = await receiver(() => 200);
      const crashed = await openHub(shared, {}, false);
      const { tenantId } = await tenantWithEndpoint(target, undefined, crashed);
      const [eventId] = await enqueue(crashed, [userEvent(tenantId, 'user-c', 'user.created', 1)]);
      await crashed.close();
      expect(target.received).toHaveLength(0);

      const restarted = await openHub(shared, {});
      try {
        await waitFor(() => target.accepted().length === 1, 'the event after the restart');
        expect(target.accepted()[0].eventId).toBe(eventId);
      } finally {
        await restarted.close();
      }
    } finally {
      await shared.drop();
    }
  });

  it('takes back a delivery whose worker died after claiming it, once its lease ends', async () => {
    const shared = await createTestDatabase();
    try {
      const target = await receiver(() => 200);
      const crashed = await openHub(shared, {}, false);
      const { tenantId } = await tenantWithEndpoint(target, undefined, crashed);
      const [eventId] = await enqueue(crashed, [userEvent(tenantId, 'user-d', 'user.created', 1)]);
      // What a worker does before sending, and all it leaves behind when the process dies right after.
      const repository = new WebhookRepository();
      await crashed.database.transaction(async (tx) => {
        const due = await repository.findDue(tx, Date.now(), { limit: 10, perTenant: 10, perEndpoint: 10, excludedTenants: [], excludedEndpoints: [] });
        const [claimed] = await repository.lockDue(tx, due, Date.now());
        await repository.leaseDelivery(tx, claimed, Date.now() + 60_000);
      });
      await crashed.close();

      const restarted = await openHub(shared, {});
      try {
        // While the lease lasts, nobody else sends it (many poll rounds pass here).
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(target.received).toHaveLength(0);
        // The lease runs out (time moved on rather than waited for).
        await restarted.database.transaction((tx) => tx.run(tx.knex('webhook_deliveries').where({ tenant_id: tenantId }).update({ next_attempt_at: Date.now() - 1 })));
        await waitFor(() => target.accepted().length === 1, 'the delivery after its lease');
        expect(target.accepted()[0].eventId).toBe(eventId);
      } finally {
        await restarted.close();
      }
    } finally {
      await shared.drop();
    }
  });

  it('several workers on one database never deliver an event twice', async () => {
    const shared = await createTestDatabase();
    const quiet = await openHub(shared, {}, false);
    try {
      const target = await receiver(() => 200);
      const { tenantId } = await tenantWithEndpoint(target, undefined, quiet);
      const events = Array.from({ length: 60 }, (_, index) => userEvent(tenantId, `user-${index % 15}`, index < 15 ? 'user.created' : 'user.updated', Math.floor(index / 15) + 1));
      const ids = await enqueue(quiet, events);
      const config = loadConfig(FAST_WEBHOOKS);
      const options = { ...config.webhooks, maxAttempts: 3, retryBaseMs: 20, retryMaxMs: 100, timeoutMs: 2000, maxInFlight: 7 };
      const outbound = new OutboundHttp(config.outbound);
      const workers = [1, 2, 3].map(() => new WebhookDeliveryWorker(quiet.database, outbound, options));
      await Promise.all(
        workers.map(async (worker) => {
          while (target.accepted().length < ids.length) {
            if ((await worker.deliverDue()).started === 0) await new Promise((resolve) => setTimeout(resolve, 5));
          }
          await worker.drain();
        }),
      );
      await outbound.close();
      expect(target.received).toHaveLength(ids.length);
      expect(new Set(target.received.map((request) => request.eventId)).size).toBe(ids.length);
      for (let user = 0; user < 15; user += 1) {
        const versions = target.received.filter((request) => request.body.resource.id === `user-${user}`).map((request) => request.body.resource.version);
        expect(versions).toEqual([1, 2, 3, 4]);
      }
    } finally {
      await quiet.close();
      await shared.drop();
    }
  });

  it('fans out only to active endpoints that want the type; a paused endpoint gets nothing new', async () => {
    const all = await receiver(() => 200);
    const deletions = await receiver(() => 200);
    const { tenantId, endpoint } = await tenantWithEndpoint(all);
    const filtered = await hub.services.webhooks.createEndpoint(tenantId, { url: deletions.url, eventTypes: ['user.deleted'] }, admin);
    deletions.secret = filtered.secret;
    await enqueue(hub, [userEvent(tenantId, 'user-f', 'user.created', 1), userEvent(tenantId, 'user-f', 'user.deleted', 2)]);
    await waitFor(() => all.accepted().length === 2 && deletions.accepted().length === 1, 'both endpoints served');
    expect(deletions.accepted()[0].type).toBe('user.deleted');

    await hub.services.webhooks.updateEndpoint(tenantId, endpoint.id, { active: false }, admin);
    await enqueue(hub, [userEvent(tenantId, 'user-g', 'user.created', 1)]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(all.received).toHaveLength(2);
    expect(deletions.received).toHaveLength(1);
  });

  it('manages endpoints: https only unless allowed, known event types, rotated secrets, every change audited without secrets', async () => {
    const strictDatabase = await createTestDatabase();
    const strict = await openHub(strictDatabase, { WEBHOOK_ALLOW_HTTP: 'false' }, false);
    try {
      const { tenant } = await strict.services.tenants.createTenant({ slug: 'strict' });
      const { webhooks, audit } = strict.services;
      await expect(webhooks.createEndpoint(tenant.id, { url: 'http://example.com/hook' }, admin)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      await expect(webhooks.createEndpoint(tenant.id, { url: 'https://user:pw@example.com/hook' }, admin)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      await expect(webhooks.createEndpoint(tenant.id, { url: 'https://example.com/hook', eventTypes: ['user.exploded'] }, admin)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      const created = await webhooks.createEndpoint(tenant.id, { url: 'https://example.com/hook', eventTypes: ['user.deleted', 'user.created'] }, admin);
      expect(created.secret).toMatch(/^ihwhsec_/);
      expect(created.endpoint.eventTypes).toEqual(['user.created', 'user.deleted']);
      const rotated = await webhooks.rotateSecret(tenant.id, created.endpoint.id, admin);
      expect(rotated).not.toBe(created.secret);
      await webhooks.updateEndpoint(tenant.id, created.endpoint.id, { url: 'https://example.com/v2/hook', eventTypes: null }, admin);
      await webhooks.deleteEndpoint(tenant.id, created.endpoint.id, admin);
      expect(await webhooks.listEndpoints(tenant.id)).toEqual([]);

      const trail = (await audit.list(tenant.id, {}, { limit: 10 })).items.map((item) => item.node);
      expect(trail.map((event) => event.action)).toEqual(['webhook_endpoint.deleted', 'webhook_endpoint.updated', 'webhook_endpoint.secret_rotated', 'webhook_endpoint.created']);
      expect(trail[1].diff).toEqual({
        before: { url: 'https://example.com/hook', eventTypes: ['user.created', 'user.deleted'] },
        after: { url: 'https://example.com/v2/hook', eventTypes: null },
      });
      const text = JSON.stringify(trail);
      expect(text).not.toContain(created.secret);
      expect(text).not.toContain(rotated);
    } finally {
      await strict.close();
      await strictDatabase.drop();
    }
  });
});
