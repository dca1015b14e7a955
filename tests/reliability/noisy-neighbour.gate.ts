import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import os from 'node:os';
import pino from 'pino';
import supertest from 'supertest';
import type { AuditContext } from '../../src/domain/audit';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { BULK_REQUEST_SCHEMA, CORE_USER_SCHEMA } from '../../src/scim/protocol/schema-definitions';
import { databaseUrl, freePort, PROJECT_ROOT, startServer, type RunningServer } from '../support/processes';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from '../support/test-app';
import { startHangingEndpoint, startHealthyReceiver, startTricklingEndpoint, type HealthyReceiver, type TestEndpoint } from '../support/webhook-receivers';
import { recordFigure, RELIABILITY_MODE, sized } from './support/gate';
import type { LoadPlan, LoadReport } from './support/noisy-neighbour-load';

/** Issue 13's budgets for the well-behaved tenants while one attacks. */
const P99_BUDGET_MS = 100;
const HEALTHZ_BUDGET_MS = 250;
const WEBHOOK_BUDGET_MS = 5_000;

const admin: AuditContext = { actor: { type: 'apiKey', id: 'gate-admin' }, requestId: 'gate' };

/** Full: issue 13's ten tenants at Entra's 25 requests/s. Reduced (a busy shared machine): fewer, slower, shorter. */
const TENANTS = sized(4, 10);
const REQUESTS_PER_SECOND = sized(10, 25);
const PHASE_MS = sized(4_000, 15_000);
const ATTACKER_USERS = sized(300, 1_017);
/** Connections the attacker sends from, each request right after the last: one on a shared machine, four in full. */
const ATTACKER_LANES = sized(1, 4);
/** The bulk-write flood's connections (each a 50-operation bulk right after the last, Retry-After ignored): more than the hub serves at once. */
const FLOOD_LANES = sized(16, 32);

function percentile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? 0;
}

/**
 * The helper threads of this process at the lowest priority (Linux: nice is per thread; elsewhere nothing):
 * while the load runs, V8 collects this process's large heap (jest, and the hub loaded here for the setup) on
 * them, and at normal priority that took both cores from the hub for a quarter of a second. The main thread, which
 * receives the neighbours' webhooks, keeps its priority.
 */
function yieldHelperThreads(): void {
  const tasks = existsSync('/proc/self/task') ? readdirSync('/proc/self/task') : [];
  for (const task of tasks) if (Number(task) !== process.pid) os.setPriority(Number(task), 19);
}

/** Runs the plan in the load generator's process and returns its report. */
async function sendLoad(plan: LoadPlan): Promise<LoadReport> {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', 'tests/reliability/support/noisy-neighbour-load.ts'], { cwd: PROJECT_ROOT });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.end(JSON.stringify(plan));
  const status = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (status !== 0) throw new Error(`the load generator exited with ${status}:\n${stderr}`);
  return JSON.parse(stdout) as LoadReport;
}

/**
 * Issue 13, the noisy-neighbour gate: well-behaved tenants send SCIM traffic at a steady rate (POST,
 * filtered GET, GET by id, PATCH) to a hub in its own process while an eleventh tenant sends each attack
 * in turn: hostile YAML, a huge preview, hostile filters, users whose webhooks go to endpoints that
 * hang, and a flood of concurrent bulk writes. The others keep p99 <= 100 ms with no errors, /healthz answers within 250 ms, and their webhooks
 * arrive within 5 s of the commit. A quiet phase first shows the machine's own figure. The load comes from a
 * process of its own (support/noisy-neighbour-load.ts), so that the jest process's garbage collection is not measured.
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
    const neighbours: { index: number; token: string; userIds: string[]; receiver: HealthyReceiver }[] = [];
    let attacker: LoadPlan['attacker'];
    try {
      const bulk = async (token: string, users: Record<string, unknown>[]) => {
        const response = await supertest(setup.app)
          .post('/scim/v2/Bulk')
          .set('Authorization', `Bearer ${token}`)
          .set('Content-Type', 'application/scim+json')
          .send(JSON.stringify({ schemas: [BULK_REQUEST_SCHEMA], Operations: users.map((data, index) => ({ method: 'POST', path: '/Users', bulkId: `b${index}`, data: { schemas: [CORE_USER_SCHEMA], ...data } })) }));
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
    const plan: LoadPlan = {
      baseUrl: server.baseUrl,
      phaseMs: PHASE_MS,
      requestsPerSecond: REQUESTS_PER_SECOND,
      neighbours: neighbours.map(({ index, token, userIds }) => ({ index, token, userIds })),
      attacker,
      attackerLanes: ATTACKER_LANES,
      floodLanes: FLOOD_LANES,
      previewOverLimit: RELIABILITY_MODE === 'full',
    };
    yieldHelperThreads();
    const { phases, postedAt: posted } = await sendLoad(plan);
    const postedAt = new Map(posted);

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
