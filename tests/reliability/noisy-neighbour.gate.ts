import { monitorEventLoopDelay } from 'node:perf_hooks';
import pino from 'pino';
import supertest from 'supertest';
import { request, type Dispatcher } from 'undici';
import type { AuditContext } from '../../src/domain/audit';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createPresetMappingSet, customSchemaUrnFor } from '../../src/domain/mapping/presets';
import { renderMappingFile } from '../../src/services/mapping-file';
import { databaseUrl, freePort, startServer, type RunningServer } from '../support/processes';
import { PATCH_OP, USER_SCHEMA } from '../support/scim-client';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from '../support/test-app';
import { startHangingEndpoint, startHealthyReceiver, startTricklingEndpoint, type HealthyReceiver, type TestEndpoint } from '../support/webhook-receivers';
import { recordFigure, RELIABILITY_MODE, sized } from './support/gate';

/** Issue 13's budgets for the well-behaved tenants while one attacks. */
const P99_BUDGET_MS = 100;
const HEALTHZ_BUDGET_MS = 250;
const WEBHOOK_BUDGET_MS = 5_000;

const admin: AuditContext = { actor: { type: 'apiKey', id: 'gate-admin' }, requestId: 'gate' };
const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';

/** Full: issue 13's ten tenants at Entra's 25 requests/s. Reduced (a busy shared machine): fewer, slower, shorter. */
const TENANTS = sized(4, 10);
const REQUESTS_PER_SECOND = sized(10, 25);
const PHASE_MS = sized(4_000, 15_000);
const ATTACKER_USERS = sized(300, 1_017);
/** Connections the attacker sends from, each request right after the last: one on a shared machine, four in full. */
const ATTACKER_LANES = sized(1, 4);
/** The bulk-write flood's connections (each a 50-operation bulk right after the last, Retry-After ignored): more than the hub serves at once. */
const FLOOD_LANES = sized(16, 32);
const FLOOD_OPERATIONS = 50;

function percentile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? 0;
}

interface Neighbour {
  readonly index: number;
  readonly token: string;
  readonly userIds: string[];
  readonly receiver: HealthyReceiver;
}

interface PhaseFigures {
  readonly name: string;
  readonly latencies: number[];
  readonly errors: string[];
  readonly healthz: number[];
  readonly attacks: Record<string, number>;
  /** How late this process's own event loop ran at worst (ms): every latency above includes it. */
  generatorLagMax: number;
}

/**
 * Issue 13, the noisy-neighbour gate: well-behaved tenants send SCIM traffic at a steady rate (POST,
 * filtered GET, GET by id, PATCH) to a hub in its own process while an eleventh tenant sends each attack
 * in turn: hostile YAML, a huge preview, hostile filters, users whose webhooks go to endpoints that
 * hang, and a flood of concurrent bulk writes. The others keep p99 <= 100 ms with no errors, /healthz answers within 250 ms, and their webhooks
 * arrive within 5 s of the commit. A quiet phase first shows the machine's own figure.
 */
describe(`Noisy neighbour on ${testDatabaseKind()}`, () => {
  let database: TestDatabase;
  let server: RunningServer | undefined;
  const endpoints: TestEndpoint[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await server?.stop();
    for (const endpoint of endpoints) await endpoint.close();
    await database.drop();
  });

  it(`${TENANTS} tenants at ${REQUESTS_PER_SECOND} SCIM requests/s keep p99 <= 100 ms, 0 errors, /healthz <= 250 ms and webhooks <= 5 s while an eleventh attacks`, async () => {
    const env = {
      DATABASE_URL: databaseUrl(database.config),
      WEBHOOK_ALLOW_HTTP: 'true',
      OUTBOUND_ALLOW_HOSTS: '127.0.0.1',
      AUTH_FAILURES_PER_MINUTE: '100000',
      LOG_LEVEL: 'silent',
    };

    // Set up in this process on the same database, then serve it from its own process.
    const setup = await createApp({ ...loadConfig(env), database: database.config }, { logger: pino({ level: 'silent' }), backgroundJobs: false });
    const neighbours: Neighbour[] = [];
    let attacker: { token: string; adminKey: string; slug: string };
    try {
      const bulk = async (token: string, users: Record<string, unknown>[]) => {
        const response = await supertest(setup.app)
          .post('/scim/v2/Bulk')
          .set('Authorization', `Bearer ${token}`)
          .set('Content-Type', 'application/scim+json')
          .send(JSON.stringify({ schemas: [BULK_REQUEST], Operations: users.map((data, index) => ({ method: 'POST', path: '/Users', bulkId: `b${index}`, data: { schemas: [USER_SCHEMA], ...data } })) }));
        expect(response.status).toBe(200);
        return (response.body.Operations as { location: string }[]).map((operation) => operation.location.split('/').pop()!);
      };
      for (let index = 0; index < TENANTS; index += 1) {
        const created = await setup.services.tenants.createTenant({ slug: `neighbour-${index}` });
        const receiver = await startHealthyReceiver();
        endpoints.push(receiver);
        await setup.services.webhooks.createEndpoint(created.tenant.id, { url: receiver.url, eventTypes: ['user.created'] }, admin);
        const userIds = await bulk(created.scimToken, Array.from({ length: 20 }, (_, user) => ({ userName: `seed${user}@neighbour-${index}.example` })));
        neighbours.push({ index, token: created.scimToken, userIds, receiver });
      }
      const created = await setup.services.tenants.createTenant({ slug: 'attacker' });
      attacker = { token: created.scimToken, adminKey: created.adminApiKey, slug: 'attacker' };
      for (let start = 0; start < ATTACKER_USERS; start += 500) {
        const count = Math.min(500, ATTACKER_USERS - start);
        await bulk(
          created.scimToken,
          Array.from({ length: count }, (_, offset) => ({
            userName: `noise${start + offset}@attacker.example`,
            name: { formatted: `Noise ${start + offset}` },
            emails: [{ value: `noise${start + offset}@mail.attacker.example`, type: 'work' }],
          })),
        );
      }
      // Deliveries of the attacker's users go to endpoints that hang, trickle a byte a second, or answer after 4 s.
      const hostile: TestEndpoint[] = [];
      for (let index = 0; index < 4; index += 1) hostile.push(await startHangingEndpoint());
      for (let index = 0; index < 3; index += 1) hostile.push(await startTricklingEndpoint());
      for (let index = 0; index < 3; index += 1) hostile.push(await startHealthyReceiver({ delayMs: 4_000 }));
      endpoints.push(...hostile);
      for (const endpoint of hostile) await setup.services.webhooks.createEndpoint(created.tenant.id, { url: endpoint.url }, admin);
    } finally {
      await setup.close();
    }

    // The server logs its errors: an attack answered 500 shows why in the failure.
    server = await startServer({ ...env, LOG_LEVEL: 'error' }, await freePort());
    const base = server.baseUrl;
    // undici's request, not fetch: the load generator shares the 2 cores with the hub, and fetch costs it several times the CPU per request.
    const scim = async (token: string, method: Dispatcher.HttpMethod, path: string, body?: unknown) => {
      const response = await request(`${base}/scim/v2${path}`, {
        method,
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/scim+json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.statusCode, arrayBuffer: () => response.body.arrayBuffer() };
    };
    // The attacker's bodies are serialised once: the load generator shares this process with the tenants' clients.
    const bodies = new Map<unknown, string>();
    const graphql = (query: string, variables: Record<string, unknown>) => {
      const key = Object.values(variables).at(-1);
      let body = bodies.get(key);
      if (body === undefined) {
        body = JSON.stringify({ query, variables });
        bodies.set(key, body);
      }
      return request(`${base}/graphql`, { method: 'POST', headers: { Authorization: `Bearer ${attacker.adminKey}`, 'Content-Type': 'application/json' }, body }).then((response) => ({
        status: response.statusCode,
        json: () => response.body.json(),
      }));
    };

    // The attacks, each sent back to back from ATTACKER_LANES lanes (the bulk flood from FLOOD_LANES) while its phase lasts.
    const anchors = `rules: [${Array.from({ length: 15_000 }, (_, index) => `&a${index} y, *a${index}`).join(', ')}]\n`;
    const bigList = `rules: [${Array.from({ length: 240_000 }, () => 'y').join(', ')}]\n`;
    // The largest dry run accepted (100 payloads, 200 requests, mapped on the worker threads), and in full mode
    // also one over the limit (2,000 requests, 680 KB: refused, after the event loop decoded its body).
    const previewPayloads = (requests: number) => Array.from({ length: 100 }, (_, index) => ({
      label: `p${index}`,
      requests: Array.from({ length: requests }, (_, step) =>
        step === 0
          ? { method: 'POST', body: { schemas: [USER_SCHEMA], userName: `p${index}@attacker.example`, userType: 'user', title: 'x'.repeat(200) } }
          : { method: 'PATCH', body: { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: `${'t'.repeat(200)}${step}` }] } },
      ),
    }));
    const withinLimit = previewPayloads(2);
    const overLimit = previewPayloads(20);
    const presetYaml = renderMappingFile(createPresetMappingSet('entra', customSchemaUrnFor('attacker')));
    const emailTerms = Array.from({ length: 800 }, (_, index) => `emails[value co "${index}"]`).join(' or ').slice(0, 20_000).replace(/ or [^ ]*$/, '');
    const rawTerms = Array.from({ length: 100 }, (_, index) => `name.formatted co "zz${index}"`).join(' or ');
    let attackerUser = 0;
    let floodBatch = 0;
    const attacks: Record<string, (lane: number, round: number) => Promise<string>> = {
      'hostile YAML': async (_lane, round) => {
        const response =
          round % 2 === 0
            ? await graphql('mutation($yaml: String) { draftMappingSet(input: { yaml: $yaml }) { version } }', { yaml: anchors })
            : await graphql('query($yaml: String) { previewMapping(input: { yaml: $yaml, dialectSamples: true }) { notes } }', { yaml: bigList });
        const body = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
        return String(body.errors?.[0]?.extensions?.code ?? response.status);
      },
      'huge preview': async (_lane, round) => {
        const payloads = RELIABILITY_MODE === 'full' && round % 2 === 1 ? overLimit : withinLimit;
        const response = await graphql('query($yaml: String, $payloads: [PreviewPayloadInput!]) { previewMapping(input: { yaml: $yaml, payloads: $payloads }) { notes } }', { yaml: presetYaml, payloads });
        const body = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
        return String(body.errors?.[0]?.extensions?.code ?? response.status);
      },
      'hostile filter': async (_lane, round) => {
        const filter = round % 2 === 0 ? emailTerms : rawTerms;
        const response = await scim(attacker.token, 'POST', '/Users/.search', { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], filter, count: 100 });
        await response.arrayBuffer();
        return String(response.status);
      },
      'slow webhooks': async () => {
        attackerUser += 1;
        const response = await scim(attacker.token, 'POST', '/Users', { schemas: [USER_SCHEMA], userName: `hook${attackerUser}@attacker.example` });
        await response.arrayBuffer();
        return String(response.status);
      },
      'bulk writes': async () => {
        floodBatch += 1;
        const Operations = Array.from({ length: FLOOD_OPERATIONS }, (_, index) => ({ method: 'POST', path: '/Users', bulkId: `f${index}`, data: { schemas: [USER_SCHEMA], userName: `flood${floodBatch}-${index}@attacker.example` } }));
        const response = await scim(attacker.token, 'POST', '/Bulk', { schemas: [BULK_REQUEST], Operations });
        await response.arrayBuffer();
        return String(response.status);
      },
    };
    const lanesOf = (attack: string) => (attack === 'bulk writes' ? FLOOD_LANES : ATTACKER_LANES);

    let posted = 0;
    const postedAt = new Map<string, number>();
    const phases: PhaseFigures[] = [];
    // A server in use has run each kind of request before: once each, then a warm-up phase that is not judged.
    for (const attack of Object.values(attacks)) await attack(0, 0);
    await attacks['hostile YAML']!(0, 1);
    await attacks['hostile filter']!(0, 1);
    // The quiet phase shows the machine's own figure, without attacker.
    for (const name of ['warm-up', 'quiet', ...Object.keys(attacks)]) {
      const phase: PhaseFigures = { name, latencies: [], errors: [], healthz: [], attacks: {}, generatorLagMax: 0 };
      phases.push(phase);
      const generatorLag = monitorEventLoopDelay({ resolution: 10 });
      generatorLag.enable();
      const until = performance.now() + PHASE_MS;
      const inFlight: Promise<void>[] = [];
      const attack = attacks[name];
      const attackers = attack
        ? Array.from({ length: lanesOf(name) }, async (_, lane) => {
            for (let round = 0; performance.now() < until; round += 1) {
              const outcome = await attack(lane, round).catch((error: unknown) => `failed: ${String(error)}`);
              phase.attacks[outcome] = (phase.attacks[outcome] ?? 0) + 1;
            }
          })
        : [];
      const healthz = (async () => {
        while (performance.now() < until) {
          const started = performance.now();
          const response = await request(`${base}/healthz`);
          await response.body.arrayBuffer();
          phase.healthz.push(performance.now() - started);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      })();
      // Each tenant sends on a fixed schedule (open loop): a slow answer does not slow the sending.
      const senders = neighbours.map(async (neighbour) => {
        const intervalMs = 1000 / REQUESTS_PER_SECOND;
        let next = performance.now() + Math.random() * intervalMs;
        for (let sent = 0; next < until; sent += 1) {
          await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - performance.now())));
          next += intervalMs;
          const userId = neighbour.userIds[sent % neighbour.userIds.length]!;
          const kind = sent % 5;
          const started = performance.now();
          let call: Promise<{ status: number; arrayBuffer(): Promise<ArrayBuffer> }>;
          if (kind === 0) {
            posted += 1;
            const userName = `u${posted}@neighbour-${neighbour.index}.example`;
            call = scim(neighbour.token, 'POST', '/Users', { schemas: [USER_SCHEMA], userName }).then((response) => {
              postedAt.set(userName, Date.now());
              return response;
            });
          } else if (kind === 1 || kind === 3) {
            call = scim(neighbour.token, 'GET', `/Users?filter=${encodeURIComponent(`userName eq "seed${sent % 20}@neighbour-${neighbour.index}.example"`)}`);
          } else if (kind === 2) {
            call = scim(neighbour.token, 'GET', `/Users/${userId}`);
          } else {
            call = scim(neighbour.token, 'PATCH', `/Users/${userId}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: `t${sent}` }] });
          }
          inFlight.push(
            call
              .then(async (response) => {
                await response.arrayBuffer();
                phase.latencies.push(performance.now() - started);
                if (response.status >= 300) phase.errors.push(`HTTP ${response.status}`);
              })
              .catch((error: unknown) => {
                phase.errors.push(String(error));
              }),
          );
        }
      });
      await Promise.all([...senders, ...attackers, healthz]);
      await Promise.all(inFlight);
      generatorLag.disable();
      phase.generatorLagMax = generatorLag.max / 1e6;
    }

    // Every neighbour webhook: arrival minus the event's commit-time stamp.
    // The users posted during the phases (the seeds' webhooks were queued before the server started).
    const expected = postedAt.size;
    const ofPhases = () => neighbours.flatMap((neighbour) => neighbour.receiver.received.filter((webhook) => postedAt.has(String(webhook.body.data?.userName))));
    const deadline = Date.now() + 20_000;
    while (ofPhases().length < expected && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    const webhookDelays = ofPhases().map((webhook) => webhook.at - Date.parse(String(webhook.body.occurredAt))).sort((a, b) => a - b);

    const rows = phases.filter((phase) => phase.name !== 'warm-up').map((phase) => {
      const sorted = [...phase.latencies].sort((a, b) => a - b);
      const healthzMax = Math.max(0, ...phase.healthz);
      return { ...phase, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), healthzMax, requests: sorted.length };
    });
    const attackRows = rows.filter((row) => row.name !== 'quiet');
    const quiet = rows.find((row) => row.name === 'quiet')!;
    // Full mode judges issue 13's numbers. The reduced mode runs on busy shared machines (CI, npm test), where
    // the quiet phase's own tail swings from tens to hundreds of ms with the machine's load: there an attack
    // phase's p99 may reach five times the budget or three times the quiet figure, /healthz three times its
    // budget or the quiet figure. The stalls of issue 13 (seconds to minutes) fail either way.
    const p99Budget = RELIABILITY_MODE === 'full' ? P99_BUDGET_MS : Math.max(5 * P99_BUDGET_MS, 3 * quiet.p99);
    const healthzBudget = RELIABILITY_MODE === 'full' ? HEALTHZ_BUDGET_MS : 3 * Math.max(HEALTHZ_BUDGET_MS, quiet.healthzMax);
    const worstP99 = Math.max(...attackRows.map((row) => row.p99));
    const worstHealthz = Math.max(...attackRows.map((row) => row.healthzMax));
    const errors = rows.flatMap((row) => row.errors);
    const webhookMax = webhookDelays[webhookDelays.length - 1] ?? 0;
    const describeRow = (row: (typeof rows)[number]) =>
      `${row.name}: ${row.requests} req p50 ${row.p50.toFixed(0)} p99 ${row.p99.toFixed(0)} ms, healthz max ${row.healthzMax.toFixed(0)} ms, ${row.errors.length} errors, load generator late by ${row.generatorLagMax.toFixed(0)} ms at most` +
      (Object.keys(row.attacks).length > 0 ? ` (attacker: ${Object.entries(row.attacks).map(([outcome, count]) => `${count}x ${outcome}`).join(', ')})` : '');
    recordFigure(
      `${RELIABILITY_MODE} ${TENANTS} tenants x ${REQUESTS_PER_SECOND}/s, ${PHASE_MS / 1000} s a phase; worst attack p99 ${worstP99.toFixed(0)} ms (budget ${p99Budget.toFixed(0)}), ` +
        `healthz max ${worstHealthz.toFixed(0)} ms (budget ${healthzBudget.toFixed(0)}), ${errors.length} errors, webhooks ${webhookDelays.length}/${expected} p99 ${percentile(webhookDelays, 0.99)} max ${webhookMax} ms (budget ${WEBHOOK_BUDGET_MS}); ` +
        rows.map(describeRow).join('; '),
      worstP99 <= p99Budget && worstHealthz <= healthzBudget && errors.length === 0 && webhookMax <= WEBHOOK_BUDGET_MS,
    );
    expect(errors).toEqual([]);
    expect(webhookDelays).toHaveLength(expected);
    // Every attack was answered, and refused where it passes a limit: never a 500.
    const unanswered = attackRows.flatMap((row) => Object.keys(row.attacks).filter((outcome) => outcome.startsWith('5') || outcome.startsWith('failed') || outcome === 'INTERNAL_SERVER_ERROR'));
    if (unanswered.length > 0) console.log(server.output().slice(-5_000));
    expect(unanswered).toEqual([]);
  });
});
