import { bearer, createTestHub, createTestDatabase, testDatabaseKind, type TestHub } from '../support/test-app';
import { SCIM, USER_SCHEMA } from '../support/scim-client';
import { databaseUrl, freePort, startServer } from '../support/processes';

const admin = { actor: { type: 'system' as const, id: 'test' } };
const TOKEN = 'metrics-token-0123456789';

/** The sample value of a metric line, e.g. value(text, 'identityhub_mapping_jobs{state="queued"}'). */
function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe(`Prometheus metrics on ${testDatabaseKind()}`, () => {
  let hub: TestHub;

  beforeAll(async () => {
    hub = await createTestHub({ METRICS_TOKEN: TOKEN, METRICS_TENANT_LABELS: '1', WEBHOOK_ALLOW_HTTP: 'true' }, { backgroundJobs: false });
  });
  afterAll(async () => {
    await hub.close();
  });

  it('on the public port only with METRICS_TOKEN; requests, SCIM by tenant (bounded), backlog, jobs, pool and event-loop lag', async () => {
    expect((await hub.http.get('/metrics')).status).toBe(401);
    expect((await hub.http.get('/metrics').set(bearer('metrics-token-wrong-000000'))).status).toBe(401);

    const busy = await hub.createTenant('busy-tenant');
    const quiet = await hub.createTenant('quiet-tenant');
    await hub.hub.services.webhooks.createEndpoint(busy.tenant.id, { url: 'http://127.0.0.1:9/hook' }, admin);
    for (let index = 0; index < 3; index += 1) {
      expect((await hub.http.post(`${SCIM}/Users`).set(bearer(busy.scimToken)).send({ schemas: [USER_SCHEMA], userName: `u${index}@busy.example` })).status).toBe(201);
    }
    expect((await hub.http.get(`${SCIM}/Users`).set(bearer(quiet.scimToken))).status).toBe(200);
    expect((await hub.http.get(`${SCIM}/Users`).set(bearer('ihscim_nonsense'))).status).toBe(401);
    const lifecycle = hub.hub.services.mappingLifecycle;
    await lifecycle.startReapply(busy.tenant, await lifecycle.connectionOf(busy.tenant), admin);

    const scraped = await hub.http.get('/metrics').set(bearer(TOKEN));
    expect(scraped.status).toBe(200);
    expect(scraped.headers['content-type']).toContain('text/plain');
    const text = scraped.text;
    expect(value(text, 'identityhub_http_requests_total{route="scim",method="POST",status="201"}')).toBe(3);
    expect(value(text, 'identityhub_http_request_duration_seconds_count{route="scim",method="POST"}')).toBe(3);
    // One tenant label (METRICS_TENANT_LABELS=1): the busiest; the quiet tenant and the unauthenticated request are "_other".
    expect(value(text, 'identityhub_scim_requests_total{tenant="busy-tenant",status="201"}')).toBe(3);
    expect(value(text, 'identityhub_scim_requests_total{tenant="_other",status="200"}')).toBe(1);
    expect(value(text, 'identityhub_scim_requests_total{tenant="_other",status="401"}')).toBe(1);
    expect(text).not.toContain('quiet-tenant');
    expect(value(text, 'identityhub_webhook_deliveries_pending')).toBe(3);
    expect(value(text, 'identityhub_webhook_delivery_lag_seconds')).toBeGreaterThanOrEqual(0);
    expect(value(text, 'identityhub_mapping_jobs{state="queued"}')).toBe(1);
    expect(value(text, 'identityhub_mapping_job_users{progress="total"}')).toBeGreaterThanOrEqual(0);
    expect(value(text, 'identityhub_db_pool_connections{state="used"}')).toBeGreaterThanOrEqual(0);
    expect(text).toMatch(/^identityhub_nodejs_eventloop_lag_seconds \d/m);
  });

  it('is off unless configured; METRICS_PORT serves it on its own port and not on the public one', async () => {
    const plain = await createTestHub({}, { backgroundJobs: false });
    try {
      expect((await plain.http.get('/metrics')).status).toBe(404);
    } finally {
      await plain.close();
    }
    const database = await createTestDatabase();
    const metricsPort = await freePort();
    const server = await startServer({ DATABASE_URL: databaseUrl(database.config), METRICS_PORT: String(metricsPort) }, await freePort());
    try {
      expect((await fetch(`${server.baseUrl}/metrics`)).status).toBe(404);
      const scraped = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(scraped.status).toBe(200);
      expect(await scraped.text()).toContain('identityhub_http_requests_total');
    } finally {
      await server.stop();
      await database.drop();
    }
  });
});
