import { createServer } from 'node:net';
import pino from 'pino';
import { createApp, type IdentityHub } from '../../src/app';
import { loadConfig } from '../../src/config';
import type { AuditContext } from '../../src/domain/audit';
import { createGraphqlTestHub, errorCodes, type GraphqlTestHub } from '../graphql/graphql-hub';
import { ConfigureOidcProviderDocument, CreateWebhookEndpointDocument, UpdateWebhookEndpointDocument, ViewerDocument, WebhookEndpointsDocument } from '../graphql/generated/operations';
import { LocalOidcProvider } from '../graphql/local-oidc-provider';
import { createTestDatabase, TEST_OUTBOUND_ALLOW_HOSTS, testDatabaseKind } from '../support/test-app';
import { startHangingEndpoint, type TestEndpoint } from '../support/webhook-receivers';

const admin: AuditContext = { actor: { type: 'apiKey', id: 'admin-key' }, requestId: 'req-admin' };

/** The address forms issue 13 found accepted and connected to, and why each is refused. */
const REFUSED_WEBHOOK_URLS: [string, string][] = [
  ['https://127.0.0.1:1/x', '127.0.0.1 is a loopback address'],
  ['https://[::1]:1/', '::1 is a loopback address'],
  ['https://169.254.169.254/latest/meta-data/iam/security-credentials/', '169.254.169.254 is a cloud metadata address'],
  ['https://2130706433/', '127.0.0.1 is a loopback address'],
  ['https://0x7f000001/', '127.0.0.1 is a loopback address'],
  ['https://[::ffff:127.0.0.1]/', '::ffff:7f00:1 is a loopback address in IPv4-mapped IPv6 form'],
  ['https://localhost/', 'localhost is a loopback host name'],
  ['https://127.1/', '127.0.0.1 is a loopback address'],
  ['https://0/', '0.0.0.0 is an unspecified address (0.0.0.0/8)'],
  ['https://10.0.0.8/hooks', '10.0.0.8 is a private address (RFC 1918)'],
  ['https://100.64.1.1/hooks', '100.64.1.1 is a carrier-grade NAT address (100.64.0.0/10)'],
  ['https://[fd00:ec2::254]/', 'fd00:ec2::254 is a cloud metadata address'],
  ['https://[fe80::1]/', 'fe80::1 is a link-local address'],
  ['https://metadata.google.internal/computeMetadata/v1/', 'metadata.google.internal is a cloud metadata host name'],
];

async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 1;
}

/** Issue 13, SSRF: every URL the hub calls for a tenant passes the outbound address policy. */
describe(`outbound address policy on ${testDatabaseKind()}`, () => {
  const closing: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    for (const item of closing.splice(0).reverse()) await item.close();
  });

  async function strictHub(env: Record<string, string> = {}): Promise<GraphqlTestHub> {
    const hub = await createGraphqlTestHub({ OUTBOUND_ALLOW_HOSTS: '', WEBHOOK_ALLOW_HTTP: 'true', OIDC_ALLOW_HTTP_JWKS: 'true', ...env });
    closing.push(hub);
    return hub;
  }

  it('refuses every internal address form at registration with OUTBOUND_ADDRESS_REFUSED naming why, and stores nothing', async () => {
    const hub = await strictHub();
    const tenant = await hub.tenant();
    for (const [url, reason] of REFUSED_WEBHOOK_URLS) {
      const response = await tenant.admin.send(CreateWebhookEndpointDocument, { input: { url } });
      expect({ url, codes: errorCodes(response), message: response.errors?.[0]?.message }).toEqual({
        url,
        codes: ['OUTBOUND_ADDRESS_REFUSED'],
        message: `the webhook URL is refused by the outbound address policy: ${reason}`,
      });
    }
    const plainHttp = await tenant.admin.send(CreateWebhookEndpointDocument, { input: { url: 'http://127.0.0.1:8080/hooks' } });
    expect(errorCodes(plainHttp)).toEqual(['OUTBOUND_ADDRESS_REFUSED']);
    expect(plainHttp.errors?.[0]?.message).toBe('the webhook URL is refused by the outbound address policy: plain http:// is allowed only for hosts the operator allows (development)');
    expect((await tenant.admin.data(WebhookEndpointsDocument)).webhookEndpoints).toEqual([]);
  });

  it('refuses moving an endpoint to an internal address, and a JWKS URL at one', async () => {
    const hub = await strictHub();
    const tenant = await hub.tenant();
    const { endpoint } = await hub.hub.services.webhooks.createEndpoint(tenant.credentials.tenant.id, { url: 'https://hooks.example.com/identity' }, admin);
    const moved = await tenant.admin.send(UpdateWebhookEndpointDocument, { input: { id: endpoint.id, url: 'https://[::ffff:169.254.169.254]/latest' } });
    expect(errorCodes(moved)).toEqual(['OUTBOUND_ADDRESS_REFUSED']);
    expect(moved.errors?.[0]?.message).toBe('the webhook URL is refused by the outbound address policy: ::ffff:a9fe:a9fe is a cloud metadata address in IPv4-mapped IPv6 form');
    expect((await hub.hub.services.webhooks.getEndpoint(tenant.credentials.tenant.id, endpoint.id)).url).toBe('https://hooks.example.com/identity');

    for (const [jwksUrl, reason] of [
      ['https://169.254.169.254/.well-known/jwks.json', '169.254.169.254 is a cloud metadata address'],
      ['https://192.168.0.10/jwks', '192.168.0.10 is a private address (RFC 1918)'],
      ['http://127.0.0.1:9/jwks', 'plain http:// is allowed only for hosts the operator allows (development)'],
    ]) {
      const response = await tenant.admin.send(ConfigureOidcProviderDocument, { input: { issuer: 'https://login.example.test', audience: 'hub', jwksUrl } });
      expect({ jwksUrl, codes: errorCodes(response), message: response.errors?.[0]?.message }).toEqual({
        jwksUrl,
        codes: ['OUTBOUND_ADDRESS_REFUSED'],
        message: `jwksUrl is refused by the outbound address policy: ${reason}`,
      });
    }
  });

  it('refuses at delivery, without connecting, an endpoint the policy no longer allows; lastError says so', async () => {
    const database = await createTestDatabase();
    const canary = await startHangingEndpoint();
    closing.push({ close: () => database.drop() }, canary);
    const open = async (allowHosts: string, backgroundJobs: boolean): Promise<IdentityHub> => {
      const config = { ...loadConfig({ LOG_LEVEL: 'silent', WEBHOOK_POLL_INTERVAL_MS: '20', WEBHOOK_MAX_ATTEMPTS: '1', OUTBOUND_ALLOW_HOSTS: allowHosts }), database: database.config };
      return createApp(config, { logger: pino({ level: 'silent' }), backgroundJobs });
    };
    // Registered while the operator allowed loopback, delivered after the allow-list was emptied.
    const permissive = await open(TEST_OUTBOUND_ALLOW_HOSTS, false);
    const { tenant } = await permissive.services.tenants.createTenant({ slug: 'moved' });
    const url = canary.url.replace('http://', 'https://');
    const { endpoint } = await permissive.services.webhooks.createEndpoint(tenant.id, { url }, admin);
    await permissive.database.transaction((tx) =>
      permissive.services.outbox.enqueue(tx, { tenantId: tenant.id, type: 'user.created', resourceId: 'u-1', resourceVersion: 1, data: { userId: 'u-1', userName: 'u1@example.com', externalId: null, active: true } }),
    );
    await permissive.close();

    const strict = await open('', true);
    try {
      await waitFor(async () => (await strict.services.webhooks.getEndpoint(tenant.id, endpoint.id)).lastError !== null, 'the refused attempt');
      expect(await strict.services.webhooks.getEndpoint(tenant.id, endpoint.id)).toMatchObject({ lastError: 'refused by outbound policy: 127.0.0.1 is a loopback address', consecutiveFailures: 1 });
      expect(canary.connections).toBe(0);
    } finally {
      await strict.close();
    }
  });

  it('tells a tenant the same for every failure below HTTP: a closed port reads like a host that never answers', async () => {
    const hub = await createGraphqlTestHub({ WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_POLL_INTERVAL_MS: '20', WEBHOOK_MAX_ATTEMPTS: '1', WEBHOOK_TIMEOUT_MS: '300' });
    const hanging: TestEndpoint = await startHangingEndpoint();
    closing.push(hub, hanging);
    const { tenant } = await hub.createTenant();
    const { webhooks } = hub.hub.services;
    const closed = await webhooks.createEndpoint(tenant.id, { url: `http://127.0.0.1:${await closedPort()}/hooks` }, admin);
    const silent = await webhooks.createEndpoint(tenant.id, { url: hanging.url }, admin);
    await hub.hub.database.transaction((tx) =>
      hub.hub.services.outbox.enqueue(tx, { tenantId: tenant.id, type: 'user.created', resourceId: 'u-1', resourceVersion: 1, data: { userId: 'u-1', userName: 'u1@example.com', externalId: null, active: true } }),
    );
    const lastErrors = async () => Promise.all([closed, silent].map(async ({ endpoint }) => (await webhooks.getEndpoint(tenant.id, endpoint.id)).lastError));
    await waitFor(async () => (await lastErrors()).every((error) => error !== null), 'both attempts to fail');
    // Before issue 13: "ECONNREFUSED" for the closed port, "no answer within 300 ms" for the open one.
    expect(await lastErrors()).toEqual(Array(2).fill('no HTTP response: could not connect, or no complete answer within 300 ms'));
  });

  it.each(['answers 503', 'drops every connection'])('a caller sending forged tokens that name a tenant whose JWKS %s makes the hub fetch it a bounded few times, and is throttled', async (outage) => {
    const hub = await createGraphqlTestHub({ OIDC_ALLOW_HTTP_JWKS: 'true', AUTH_FAILURES_PER_MINUTE: '10' });
    const provider = await LocalOidcProvider.start();
    let dropped = 0;
    const dropping = createServer((socket) => {
      dropped += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => dropping.listen(0, '127.0.0.1', () => resolve()));
    closing.push(hub, { close: () => provider.stop() }, { close: () => new Promise<void>((resolve) => dropping.close(() => resolve())) });
    const droppingPort = (dropping.address() as { port: number }).port;
    const jwksUrl = outage === 'answers 503' ? provider.jwksUrl : `http://127.0.0.1:${droppingPort}/jwks.json`;
    const tenant = await hub.tenant();
    await tenant.admin.data(ConfigureOidcProviderDocument, { input: { issuer: provider.issuer, jwksUrl, audience: 'hub' } });
    provider.jwksStatus = 503;

    const statuses: number[] = [];
    for (let request = 0; request < 40; request += 1) {
      const forged = await provider.token({ audience: 'hub', foreignKey: true });
      statuses.push((await tenant.client(forged).send(ViewerDocument)).status);
    }
    // Before issue 13, a dropped connection was one fetch per request: 40 connections, 40 answers 503, no throttling.
    expect(provider.jwksFetches + dropped).toBeLessThanOrEqual(2);
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(503));
    expect(statuses.slice(10)).toEqual(Array(30).fill(429));
  });

  it('forged tokens naming unknown key ids refetch a working JWKS at most once per cool-down', async () => {
    const hub = await createGraphqlTestHub({ OIDC_ALLOW_HTTP_JWKS: 'true', AUTH_FAILURES_PER_MINUTE: '1000' });
    const provider = await LocalOidcProvider.start();
    closing.push(hub, { close: () => provider.stop() });
    const tenant = await hub.tenant();
    await tenant.admin.data(ConfigureOidcProviderDocument, { input: { issuer: provider.issuer, jwksUrl: provider.jwksUrl, audience: 'hub' } });
    expect((await tenant.client(await provider.token({ audience: 'hub', claims: { scope: 'read' } })).send(ViewerDocument)).status).toBe(200);
    for (let request = 0; request < 40; request += 1) {
      const [, payload] = (await provider.token({ audience: 'hub' })).split('.');
      const header = Buffer.from(JSON.stringify({ alg: 'ES256', kid: `rotated-${request}` })).toString('base64url');
      expect((await tenant.client(`${header}.${payload}.${Buffer.from('forged').toString('base64url')}`).send(ViewerDocument)).status).toBe(401);
    }
    expect(provider.jwksFetches).toBeLessThanOrEqual(2);
  });
});
