import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { AuditContext } from '../../src/domain/audit';
import type { NewEvent } from '../../src/domain/events';
import { createGraphqlTestHub, type GraphqlTestHub } from '../graphql/graphql-hub';
import { AdminWarningsDocument, WebhookEndpointsDocument } from '../graphql/generated/operations';
import { WebhookRepository } from '../../src/persistence/repositories/webhook.repository';
import { testDatabaseKind } from '../support/test-app';
import { startHangingEndpoint, startHealthyReceiver, type TestEndpoint } from '../support/webhook-receivers';

const admin: AuditContext = { actor: { type: 'apiKey', id: 'admin-key' }, requestId: 'req-admin' };

async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function userCreated(tenantId: string, userId: string): NewEvent {
  return { tenantId, type: 'user.created', resourceId: userId, resourceVersion: 1, data: { userId, userName: `${userId}@example.com`, externalId: null, active: true } } as NewEvent;
}

/** Issue 13: one endpoint's or tenant's slow or dead receivers delay only themselves. */
describe(`webhook delivery isolation on ${testDatabaseKind()}`, () => {
  const opened: (GraphqlTestHub | TestEndpoint)[] = [];

  afterEach(async () => {
    // Receivers first: a hub closing interrupts attempts still waiting on them.
    for (const item of opened.splice(0).reverse()) await item.close();
  });

  async function hub(env: Record<string, string>): Promise<GraphqlTestHub> {
    const started = await createGraphqlTestHub({ WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_POLL_INTERVAL_MS: '20', ...env });
    opened.push(started);
    return started;
  }

  async function endpoint<T extends TestEndpoint>(started: Promise<T>): Promise<T> {
    const value = await started;
    opened.push(value);
    return value;
  }

  async function enqueue(testHub: GraphqlTestHub, events: NewEvent[]): Promise<void> {
    const { database, services } = testHub.hub;
    await database.transaction(async (tx) => {
      for (const event of events) await services.outbox.enqueue(tx, event);
    });
  }

  async function deliveriesOf(testHub: GraphqlTestHub, tenantId: string, endpointId: string) {
    return (await testHub.hub.services.webhooks.listDeliveries(tenantId, endpointId, undefined, { limit: 500 })).items.map((item) => item.node);
  }

  it('ends an attempt at a host that accepts and never answers by its deadline, while garbage collection runs during the wait', async () => {
    const testHub = await hub({ WEBHOOK_TIMEOUT_MS: '2000', WEBHOOK_MAX_ATTEMPTS: '1' });
    const hanging = await endpoint(startHangingEndpoint());
    const { tenant } = await testHub.createTenant();
    const { endpoint: registered } = await testHub.hub.services.webhooks.createEndpoint(tenant.id, { url: hanging.url }, admin);
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    // At least one full collection during each 2 s wait; each takes long in a jest worker whose heap many suites grew.
    const collecting = setInterval(gc, 1000);
    try {
      await enqueue(testHub, [userCreated(tenant.id, 'user-1')]);
      // Node 20 lost AbortSignal.timeout timers to a collection during the wait: the attempt then never ended.
      await waitFor(async () => (await deliveriesOf(testHub, tenant.id, registered.id))[0]?.status === 'failed', 'the attempt to end', 60_000);
    } finally {
      clearInterval(collecting);
    }
    // It connected (undici may open one more, idle connection after an abort: nodejs/undici#5845).
    expect(hanging.connections).toBeGreaterThanOrEqual(1);
    const [delivery] = await deliveriesOf(testHub, tenant.id, registered.id);
    expect(delivery).toMatchObject({ attempts: 1, lastError: 'no HTTP response: could not connect, or no complete answer within 2000 ms' });
  });

  it("keeps delivering other endpoints' and tenants' events while one endpoint's attempts hang, with at most 2 of them in flight", async () => {
    const testHub = await hub({ WEBHOOK_TIMEOUT_MS: '60000' });
    const hanging = await endpoint(startHangingEndpoint());
    const sibling = await endpoint(startHealthyReceiver());
    const neighbour = await endpoint(startHealthyReceiver());
    const { tenant: slow } = await testHub.createTenant();
    const { tenant: other } = await testHub.createTenant();
    const { webhooks } = testHub.hub.services;
    const { endpoint: stuck } = await webhooks.createEndpoint(slow.id, { url: hanging.url }, admin);
    await webhooks.createEndpoint(slow.id, { url: sibling.url }, admin);
    await webhooks.createEndpoint(other.id, { url: neighbour.url }, admin);

    await enqueue(testHub, Array.from({ length: 10 }, (_, index) => userCreated(slow.id, `slow-${index}`)));
    await waitFor(() => hanging.connections >= 2, 'attempts at the hanging endpoint');
    await enqueue(testHub, [userCreated(other.id, 'other-1')]);

    // Before issue 13 a round waited for all its attempts: nothing new went out until the hanging ones timed out.
    await waitFor(() => neighbour.received.length === 1 && sibling.received.length === 10, "the other endpoints' events");
    expect(hanging.connections).toBe(2);
    const stuckDeliveries = await deliveriesOf(testHub, slow.id, stuck.id);
    expect(stuckDeliveries).toHaveLength(10);
    expect(stuckDeliveries.every((delivery) => delivery.status === 'pending' && delivery.attempts === 0)).toBe(true);
  });

  it("serves another tenant's first delivery ahead of one tenant's backlog of 300 to slow endpoints", async () => {
    const testHub = await hub({ WEBHOOK_MAX_IN_FLIGHT: '4', WEBHOOK_MAX_IN_FLIGHT_PER_TENANT: '4', WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT: '2' });
    const slowReceivers = [await endpoint(startHealthyReceiver({ delayMs: 300 })), await endpoint(startHealthyReceiver({ delayMs: 300 }))];
    const neighbour = await endpoint(startHealthyReceiver());
    const { tenant: busy } = await testHub.createTenant();
    const { tenant: other } = await testHub.createTenant();
    const { webhooks } = testHub.hub.services;
    for (const receiver of slowReceivers) await webhooks.createEndpoint(busy.id, { url: receiver.url }, admin);
    await webhooks.createEndpoint(other.id, { url: neighbour.url }, admin);

    await enqueue(testHub, Array.from({ length: 150 }, (_, index) => userCreated(busy.id, `busy-${index}`)));
    await waitFor(() => slowReceivers.every((receiver) => receiver.received.length >= 1), 'the backlog under way');
    await enqueue(testHub, [userCreated(other.id, 'other-1')]);
    await waitFor(() => neighbour.received.length === 1, "the other tenant's delivery", 60_000);

    // Oldest-first alone served the whole backlog first (issue 13: 2.5 minutes for 300 at 20 a round).
    const backlogServed = slowReceivers.reduce((sum, receiver) => sum + receiver.received.length, 0);
    expect(backlogServed).toBeLessThan(30);
  });

  it("reads only the first 100 pending deliveries of each endpoint, oldest events first: a backlog costs its endpoint's window, not a scan", async () => {
    const testHub = await createGraphqlTestHub({ WEBHOOK_ALLOW_HTTP: 'true' }, { backgroundJobs: false });
    opened.push(testHub);
    const { database, services } = testHub.hub;
    const { tenant: busy } = await testHub.createTenant();
    const { tenant: other } = await testHub.createTenant();
    const { endpoint: busyEndpoint } = await services.webhooks.createEndpoint(busy.id, { url: 'http://127.0.0.1:9/busy' }, admin);
    const { endpoint: otherEndpoint } = await services.webhooks.createEndpoint(other.id, { url: 'http://127.0.0.1:9/other' }, admin);
    await enqueue(testHub, Array.from({ length: 101 }, (_, index) => userCreated(busy.id, `busy-${index}`)));
    await enqueue(testHub, [userCreated(other.id, 'other-1')]);
    const backlog = (await deliveriesOf(testHub, busy.id, busyEndpoint.id)).map((delivery) => delivery.eventId).sort();
    expect(backlog).toHaveLength(101);

    // The busy endpoint's 100 oldest deliveries are leased (in flight elsewhere); its newest is due.
    const repository = new WebhookRepository();
    const now = Date.now();
    const keys = backlog.map((eventId) => ({ tenantId: busy.id, endpointId: busyEndpoint.id, eventId }));
    await database.transaction(async (tx) => {
      for (const key of keys.slice(0, 100)) await repository.leaseDelivery(tx, key, now + 60_000);
    });
    const due = (maxPerEndpoint: number) =>
      database.transaction((tx) => repository.findDue(tx, now, { limit: 100, perTenant: 100, perEndpoint: maxPerEndpoint, excludedTenants: [], excludedEndpoints: [] }));
    expect((await due(100)).map((delivery) => delivery.eventId)).toEqual([(await deliveriesOf(testHub, other.id, otherEndpoint.id))[0]!.eventId]);

    // One of the window's deliveries is handed back: it is due again, the 101st still waits behind the window.
    await database.transaction((tx) => repository.releaseDelivery(tx, keys[50]!, now));
    expect((await due(100)).filter((delivery) => delivery.tenantId === busy.id).map((delivery) => delivery.eventId)).toEqual([keys[50]!.eventId]);
  });

  it('opens the circuit of an endpoint that keeps failing: its deliveries wait without spending attempts, a probe closes it, the admin sees it', async () => {
    const testHub = await hub({
      WEBHOOK_RETRY_BASE_MS: '20',
      WEBHOOK_RETRY_MAX_MS: '40',
      WEBHOOK_MAX_ATTEMPTS: '6',
      WEBHOOK_BREAKER_THRESHOLD: '3',
      WEBHOOK_BREAKER_COOLDOWN_MS: '1500',
      WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT: '1',
    });
    let status = 500;
    const failing = await endpoint(startHealthyReceiver({ status: () => status }));
    const tenant = await testHub.tenant();
    const { endpoint: registered } = await testHub.hub.services.webhooks.createEndpoint(tenant.credentials.tenant.id, { url: failing.url }, admin);
    await enqueue(testHub, Array.from({ length: 5 }, (_, index) => userCreated(tenant.credentials.tenant.id, `user-${index}`)));

    const circuitOf = async () => (await tenant.admin.data(WebhookEndpointsDocument)).webhookEndpoints.find((candidate) => candidate.id === registered.id);
    await waitFor(async () => (await circuitOf())?.circuit.state === 'OPEN', 'the circuit to open');
    const open = await circuitOf();
    expect(open).toMatchObject({ consecutiveFailures: 3, lastError: 'HTTP 500', circuit: { state: 'OPEN', since: expect.any(String), nextProbeAt: expect.any(String) } });
    expect(Date.parse(String(open?.circuit.nextProbeAt)) - Date.parse(String(open?.circuit.since))).toBe(1500);
    expect(failing.received).toHaveLength(3);
    const { adminWarnings } = await tenant.admin.data(AdminWarningsDocument);
    expect(adminWarnings).toContainEqual(expect.objectContaining({ code: 'WEBHOOK_CIRCUIT_OPEN', endpointId: registered.id, count: 3, at: open?.circuit.since, nextProbeAt: open?.circuit.nextProbeAt }));
    expect(testHub.logLines).toContainEqual(expect.objectContaining({ msg: 'webhook endpoint circuit opened: its deliveries wait for a probe', endpointId: registered.id }));

    // While open nothing goes out, so no delivery runs out of attempts; the receiver recovers before the probe.
    status = 204;
    await waitFor(async () => (await deliveriesOf(testHub, tenant.credentials.tenant.id, registered.id)).every((delivery) => delivery.status === 'delivered'), 'every delivery after the probe');
    const deliveries = await deliveriesOf(testHub, tenant.credentials.tenant.id, registered.id);
    expect(deliveries.reduce((sum, delivery) => sum + delivery.attempts, 0)).toBe(failing.received.length);
    expect(failing.received).toHaveLength(3 + 5);
    expect(await circuitOf()).toMatchObject({ consecutiveFailures: 0, circuit: { state: 'CLOSED', nextProbeAt: null } });
    expect((await tenant.admin.data(AdminWarningsDocument)).adminWarnings.map((warning) => warning.code)).not.toContain('WEBHOOK_CIRCUIT_OPEN');
  });
});
