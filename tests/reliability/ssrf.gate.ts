import { randomUUID } from 'node:crypto';
import type { NewEvent } from '../../src/domain/events';
import { CLOSED_CIRCUIT } from '../../src/domain/webhook-circuit';
import { WebhookRepository } from '../../src/persistence/repositories/webhook.repository';
import { createGraphqlTestHub, errorCodes, type GraphqlTestHub } from '../graphql/graphql-hub';
import { CreateWebhookEndpointDocument } from '../graphql/generated/operations';
import { LocalDnsServer } from '../support/local-dns-server';
import { testDatabaseKind } from '../support/test-app';
import { startHangingEndpoint, startHealthyReceiver, type HealthyReceiver, type TestEndpoint } from '../support/webhook-receivers';
import { recordFigure } from './support/gate';

/**
 * 127.0.0.2 stands in for a public address: it is the one range on the allow-list, so what the policy
 * lets through can be seen arriving, while listeners on 127.0.0.1 and ::1 stand in for the internal
 * services an attacker wants to reach (they must never see a connection).
 */
const PUBLIC_STAND_IN = '127.0.0.2';

/** The names the gate's own DNS server answers (the hub's resolver is pointed at it). */
function answer(name: string, type: 'A' | 'AAAA', asked: number): readonly string[] | undefined {
  const records: Record<string, { A?: readonly string[]; AAAA?: readonly string[] }> = {
    'loopback.ssrf.test': { A: ['127.0.0.1'] },
    'metadata.ssrf.test': { A: ['169.254.169.254'] },
    'private.ssrf.test': { A: ['10.0.0.1'] },
    'cgnat.ssrf.test': { A: ['100.64.0.1'] },
    'mapped.ssrf.test': { AAAA: ['::ffff:127.0.0.1'] },
    'v6-loopback.ssrf.test': { AAAA: ['::1'] },
    'mixed.ssrf.test': { A: [PUBLIC_STAND_IN, '127.0.0.1'] },
    'public.ssrf.test': { A: [PUBLIC_STAND_IN] },
  };
  // DNS rebinding: the first answer is public (registration passes), every later one loopback.
  if (name === 'rebind.ssrf.test') return type === 'A' ? [asked === 0 ? PUBLIC_STAND_IN : '127.0.0.1'] : [];
  const record = records[name];
  return record === undefined ? undefined : (record[type] ?? []);
}

interface Listeners {
  readonly loopback4: TestEndpoint;
  readonly loopback6: TestEndpoint;
  readonly publicTls: TestEndpoint;
  readonly publicHttp: HealthyReceiver;
}

/** Each form issue 13 found accepted and connected to, then names resolving to internal addresses through DNS. */
const REFUSED_FORMS: readonly [string, (listeners: Listeners) => string][] = [
  ['https://127.0.0.1:1/x (loopback)', ({ loopback4 }) => `https://127.0.0.1:${loopback4.port}/x`],
  ['https://[::1]:1/ (IPv6 loopback)', ({ loopback6 }) => `https://[::1]:${loopback6.port}/`],
  ['https://169.254.169.254/... (cloud metadata)', () => 'https://169.254.169.254/latest/meta-data/iam/security-credentials/'],
  ['https://2130706433/ (decimal loopback)', ({ loopback4 }) => `https://2130706433:${loopback4.port}/`],
  ['https://0x7f000001/ (hex loopback)', ({ loopback4 }) => `https://0x7f000001:${loopback4.port}/`],
  ['https://[::ffff:127.0.0.1]/ (IPv4-mapped loopback)', ({ loopback4 }) => `https://[::ffff:127.0.0.1]:${loopback4.port}/`],
  ['https://localhost/', ({ loopback4 }) => `https://localhost:${loopback4.port}/`],
  ['https://127.1/ (short loopback)', ({ loopback4 }) => `https://127.1:${loopback4.port}/`],
  ['https://0/ (unspecified, reaches localhost)', ({ loopback4 }) => `https://0:${loopback4.port}/`],
  ['https://[fd00:ec2::254]/ (AWS IPv6 metadata)', () => 'https://[fd00:ec2::254]/latest/meta-data/'],
  ['https://metadata.google.internal/ (metadata name)', () => 'https://metadata.google.internal/computeMetadata/v1/'],
  ['http://127.0.0.1 with WEBHOOK_ALLOW_HTTP (signed POST to an internal service)', ({ loopback4 }) => `http://127.0.0.1:${loopback4.port}/internal`],
  ['DNS name -> 127.0.0.1', ({ loopback4 }) => `https://loopback.ssrf.test:${loopback4.port}/`],
  ['DNS name -> ::1 (AAAA)', ({ loopback6 }) => `https://v6-loopback.ssrf.test:${loopback6.port}/`],
  ['DNS name -> ::ffff:127.0.0.1 (AAAA)', ({ loopback4 }) => `https://mapped.ssrf.test:${loopback4.port}/`],
  ['DNS name -> 169.254.169.254', () => 'https://metadata.ssrf.test/latest/meta-data/'],
  ['DNS name -> 10.0.0.1 (RFC 1918)', () => 'https://private.ssrf.test/'],
  ['DNS name -> 100.64.0.1 (CGNAT)', () => 'https://cgnat.ssrf.test/'],
  ['DNS name -> a public and a loopback address', ({ loopback4 }) => `https://mixed.ssrf.test:${loopback4.port}/`],
];

function userCreated(tenantId: string): NewEvent {
  const userId = randomUUID();
  return { tenantId, type: 'user.created', resourceId: userId, resourceVersion: 1, data: { userId, userName: `${userId}@example.com`, externalId: null, active: true } } as NewEvent;
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return true;
}

/**
 * Issue 13, the SSRF gate: every address form of the issue and names that resolve to internal
 * addresses through a DNS server made for the test are refused when an admin registers them
 * (OUTBOUND_ADDRESS_REFUSED) and, stored anyway (as before this policy, or under another allow-list),
 * refused when a delivery goes out; a name that answers a public address first and loopback later
 * (DNS rebinding) passes registration and is refused at connect time. No listener on an internal
 * address ever sees a connection.
 */
describe(`SSRF on ${testDatabaseKind()}`, () => {
  let dns: LocalDnsServer;
  let listeners: Listeners;
  let hub: GraphqlTestHub;
  const webhooks = new WebhookRepository();

  beforeAll(async () => {
    dns = await LocalDnsServer.start(answer);
    listeners = {
      loopback4: await startHangingEndpoint('127.0.0.1'),
      loopback6: await startHangingEndpoint('::1'),
      publicTls: await startHangingEndpoint(PUBLIC_STAND_IN),
      publicHttp: await startHealthyReceiver({ host: PUBLIC_STAND_IN }),
    };
    hub = await createGraphqlTestHub({
      OUTBOUND_ALLOW_HOSTS: `${PUBLIC_STAND_IN}/32`,
      OUTBOUND_DNS_SERVERS: dns.address,
      WEBHOOK_ALLOW_HTTP: 'true',
      WEBHOOK_MAX_ATTEMPTS: '1',
      WEBHOOK_POLL_INTERVAL_MS: '50',
      WEBHOOK_TIMEOUT_MS: '2000',
    });
  });

  afterAll(async () => {
    await hub?.close();
    for (const listener of Object.values(listeners ?? {})) await listener.close();
    await dns?.close();
  });

  const internalConnections = () => listeners.loopback4.connections + listeners.loopback6.connections;

  /** Registers `url` over GraphQL as a tenant admin: the error code and message, or the endpoint id. */
  async function register(url: string) {
    const tenant = await hub.tenant();
    const response = await tenant.admin.send(CreateWebhookEndpointDocument, { input: { url } });
    return { tenantId: tenant.credentials.tenant.id, code: errorCodes(response)[0], message: response.errors?.[0]?.message, endpointId: response.data?.createWebhookEndpoint.endpoint.id };
  }

  /** Stores `url` as an endpoint without the registration check (a row from before the policy). */
  async function storeUnchecked(tenantId: string, url: string): Promise<string> {
    const id = randomUUID();
    await hub.hub.database.transaction((tx) =>
      webhooks.insertEndpoint(tx, { tenantId, id, url, eventTypes: null, active: true, createdAt: Date.now(), lastSuccessAt: null, lastFailureAt: null, lastError: null, consecutiveFailures: 0, circuit: CLOSED_CIRCUIT }, 'ihwhsec_gate'),
    );
    return id;
  }

  /** Sends one event to the tenant's endpoints and waits for the endpoint's outcome. */
  async function deliver(tenantId: string, endpointId: string): Promise<{ lastError: string | null; delivered: boolean }> {
    await hub.hub.database.transaction((tx) => hub.hub.services.outbox.enqueue(tx, userCreated(tenantId)));
    const settled = () => hub.hub.services.webhooks.getEndpoint(tenantId, endpointId);
    await waitFor(async () => {
      const endpoint = await settled();
      return endpoint.lastError !== null || endpoint.lastSuccessAt !== null;
    }, 15_000);
    const endpoint = await settled();
    return { lastError: endpoint.lastError, delivered: endpoint.lastSuccessAt !== null };
  }

  it.each(REFUSED_FORMS)('%s: refused at registration and at delivery, never connected', async (_form, urlOf) => {
    const url = urlOf(listeners);
    const before = internalConnections();
    const registered = await register(url);
    const endpointId = await storeUnchecked(registered.tenantId, url);
    const delivery = await deliver(registered.tenantId, endpointId);
    const connections = internalConnections() - before;
    const refusedAtRegistration = registered.code === 'OUTBOUND_ADDRESS_REFUSED';
    const refusedAtDelivery = delivery.lastError?.startsWith('refused by outbound policy: ') === true;
    recordFigure(
      `registration: ${registered.code ?? 'accepted'} (${registered.message ?? '-'}); delivery: ${delivery.lastError ?? 'delivered'}; internal connections: ${connections}`,
      refusedAtRegistration && refusedAtDelivery && connections === 0,
    );
    expect({ refusedAtRegistration, refusedAtDelivery, connections }).toEqual({ refusedAtRegistration: true, refusedAtDelivery: true, connections: 0 });
  });

  it('DNS rebinding (first answer public, then loopback): accepted at registration, refused at connect time, never connected', async () => {
    const before = internalConnections();
    const publicBefore = listeners.publicTls.connections;
    const registered = await register(`https://rebind.ssrf.test:${listeners.loopback4.port}/hooks`);
    const delivery = registered.endpointId === undefined ? { lastError: null, delivered: false } : await deliver(registered.tenantId, registered.endpointId);
    const connections = internalConnections() - before;
    const queries = dns.queries.filter((query) => query.name === 'rebind.ssrf.test' && query.type === 'A').length;
    recordFigure(
      `registration: ${registered.code ?? 'accepted'} (answer ${PUBLIC_STAND_IN}); delivery: ${delivery.lastError ?? 'delivered'} (answer 127.0.0.1); A queries: ${queries}; internal connections: ${connections}`,
      registered.endpointId !== undefined && delivery.lastError === 'refused by outbound policy: rebind.ssrf.test resolves to a loopback address' && connections === 0,
    );
    expect(registered.endpointId).toBeDefined();
    expect(delivery.lastError).toBe('refused by outbound policy: rebind.ssrf.test resolves to a loopback address');
    expect(connections).toBe(0);
    expect(listeners.publicTls.connections).toBe(publicBefore);
    expect(queries).toBeGreaterThanOrEqual(2);
  });

  it('controls: an allowed address is delivered to, and a public name is resolved and connected to', async () => {
    const allowed = await register(listeners.publicHttp.url);
    const allowedDelivery = await deliver(allowed.tenantId, String(allowed.endpointId));
    const publicBefore = listeners.publicTls.connections;
    const named = await register(`https://public.ssrf.test:${listeners.publicTls.port}/hooks`);
    const namedDelivery = await deliver(named.tenantId, String(named.endpointId));
    const publicConnections = listeners.publicTls.connections - publicBefore;
    recordFigure(
      `${listeners.publicHttp.url}: ${allowedDelivery.delivered ? 'delivered' : allowedDelivery.lastError}; public.ssrf.test -> ${PUBLIC_STAND_IN}: ${publicConnections} connection(s), lastError "${namedDelivery.lastError}" (no TLS there)`,
      allowedDelivery.delivered && publicConnections >= 1,
    );
    expect(allowedDelivery.delivered).toBe(true);
    expect(named.endpointId).toBeDefined();
    expect(publicConnections).toBeGreaterThanOrEqual(1);
    expect(namedDelivery.lastError).toBe('no HTTP response: could not connect, or no complete answer within 2000 ms');
  });
});
