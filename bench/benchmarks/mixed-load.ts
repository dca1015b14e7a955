/**
 * S8 (issue 6): Entra-like mixed load. Each tenant provisions new users at a fixed rate; per new user the
 * IdP looks the userName up (`filter=userName eq`), creates the user (POST), then adds it to a group
 * (PATCH): 3 requests. At 25 requests/s per tenant x 40 tenants for 10 minutes, then a short overload
 * (4x the rate) that must be answered 429 with an integer Retry-After, never slower and slower.
 * The load is open-loop (requests start on schedule whether or not earlier ones have answered, as an
 * IdP's do), so a server that falls behind shows it as latency, not as a lower offered rate.
 * Duration: BENCH_S8_SECONDS (full default 600; smoke 3).
 */
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { check, summarise, type BenchmarkResult, type CaseRun, type Context, type Seeding } from '../lib/harness';
import { createDatabase, PATCH_SCHEMA, seedGroups, seedUsers, userBody, type TenantSeed } from '../lib/seed';
import { copySqliteRows, createMigratedPostgresDatabase } from '../lib/postgres';
import { sampleRss, ServerHandle } from '../lib/servers';
import { max, percentile, show } from '../lib/stats';

const SCIM = '/scim/v2';
const ENTRA_TIMEOUT_MS = 60_000;
/** Flows in flight at most (a guard for the load generator itself, far above what a healthy server needs). */
const MAX_FLOWS_IN_FLIGHT = 5000;

interface MixedSizes {
  readonly tenants: number;
  readonly requestsPerSecondPerTenant: number;
  readonly usersPerTenant: number;
  readonly steadySeconds: number;
  readonly overloadSeconds: number;
  readonly overloadFactor: number;
}

function mixedSizes(smoke: boolean): MixedSizes {
  const seconds = Number(process.env.BENCH_S8_SECONDS);
  const steadySeconds = Number.isFinite(seconds) && seconds > 0 ? seconds : smoke ? 3 : 600;
  return smoke
    ? { tenants: 4, requestsPerSecondPerTenant: 25, usersPerTenant: 200, steadySeconds, overloadSeconds: 2, overloadFactor: 4 }
    : { tenants: 40, requestsPerSecondPerTenant: 25, usersPerTenant: 2000, steadySeconds, overloadSeconds: 30, overloadFactor: 4 };
}

type Kind = 'lookup' | 'create' | 'patch';

interface Exchange {
  kind: Kind;
  status: number;
  ms: number;
  retryAfter: string | undefined;
}

interface PhaseResult {
  offeredRequests: number;
  exchanges: Exchange[];
  /** Flows not started because MAX_FLOWS_IN_FLIGHT were still open (the server fell far behind). */
  flowsNotStarted: number;
  /** Flows cut short by a non-2xx answer (e.g. 429: Entra would retry after Retry-After). */
  flowsCut: number;
  seconds: number;
  rssPeakMB: number;
  serverCpuPct: number;
  serverCpuSeconds: number;
  /** CPU of this process (the load generator) over the phase, % of one core. */
  generatorCpuPct: number;
  /** CPU of the database's server processes over the phase, % of one core (NaN when the hub stores in-process). */
  databaseCpuPct: number;
  /** How late this process's (the load generator's) event loop ran, p99 and max, ms: latencies include it. */
  generatorLagMs: { p99: number; max: number };
}

function send(agent: http.Agent, url: string, method: string, pathAndQuery: string, token: string, body?: string): Promise<{ status: number; body: string; ms: number; retryAfter: string | undefined }> {
  return new Promise((resolve) => {
    let started = performance.now();
    const outgoing = http.request(
      `${url}${pathAndQuery}`,
      {
        method,
        agent,
        timeout: ENTRA_TIMEOUT_MS + 5000,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/scim+json', 'content-length': String(Buffer.byteLength(body)) } : {}) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const retryAfter = response.headers['retry-after'];
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started, retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined });
        });
      },
    );
    // Latency runs from when the request gets a connection: time queued in this process for one of the
    // agent's sockets is the load generator's, not the server's.
    outgoing.once('socket', () => {
      started = performance.now();
    });
    // Errors and timeouts count as status 0 (a failure, never a success).
    outgoing.on('timeout', () => outgoing.destroy(new Error('timeout')));
    outgoing.on('error', () => resolve({ status: 0, body: '', ms: performance.now() - started, retryAfter: undefined }));
    outgoing.end(body);
  });
}

interface TenantTarget {
  readonly tenant: TenantSeed;
  readonly groupId: string;
}

/** Runs the flows of every tenant at `flowsPerSecond` each for `seconds`, open-loop; waits for the last answers. */
async function runPhase(server: ServerHandle, targets: readonly TenantTarget[], flowsPerSecond: number, seconds: number, label: string, databaseCpuSeconds?: () => Promise<number>): Promise<PhaseResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
  const exchanges: Exchange[] = [];
  let inFlight = 0;
  let flowsNotStarted = 0;
  let flowsCut = 0;
  let offeredRequests = 0;
  let sequence = 0;
  const flows: Promise<void>[] = [];

  const flow = async (target: TenantTarget, index: number): Promise<void> => {
    inFlight += 1;
    try {
      const userName = `${label}-${index}@${target.tenant.slug}.example.com`;
      const record = (kind: Kind, answer: { status: number; ms: number; retryAfter: string | undefined }) => {
        exchanges.push({ kind, status: answer.status, ms: answer.ms, retryAfter: answer.retryAfter });
        return answer.status >= 200 && answer.status < 300;
      };
      const lookup = await send(agent, server.url, 'GET', `${SCIM}/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`, target.tenant.scimToken);
      if (!record('lookup', lookup)) {
        flowsCut += 1;
        return;
      }
      const created = await send(agent, server.url, 'POST', `${SCIM}/Users`, target.tenant.scimToken, JSON.stringify(userBody(userName, `ext-${label}-${index}`, index)));
      if (!record('create', created)) {
        flowsCut += 1;
        return;
      }
      const id = (JSON.parse(created.body) as { id: string }).id;
      const patch = JSON.stringify({ schemas: [PATCH_SCHEMA], Operations: [{ op: 'Add', path: 'members', value: [{ value: id }] }] });
      if (!record('patch', await send(agent, server.url, 'PATCH', `${SCIM}/Groups/${target.groupId}`, target.tenant.scimToken, patch))) flowsCut += 1;
    } finally {
      inFlight -= 1;
    }
  };

  const cpuBefore = server.cpuSeconds();
  const generatorCpuBefore = process.cpuUsage();
  const databaseCpuBefore = databaseCpuSeconds ? await databaseCpuSeconds() : Number.NaN;
  const rss = sampleRss(server, 200);
  const generatorLag = monitorEventLoopDelay({ resolution: 10 });
  generatorLag.enable();
  const started = performance.now();
  const intervalMs = 1000 / flowsPerSecond;
  // Each tenant starts its flows on its own schedule, offset so the tenants do not all fire at once.
  await new Promise<void>((resolve) => {
    const next = targets.map((_, index) => started + (index / targets.length) * intervalMs);
    const timer = setInterval(() => {
      const now = performance.now();
      if (now - started >= seconds * 1000) {
        clearInterval(timer);
        resolve();
        return;
      }
      targets.forEach((target, index) => {
        while (next[index] <= now) {
          next[index] += intervalMs;
          offeredRequests += 3;
          if (inFlight >= MAX_FLOWS_IN_FLIGHT) {
            flowsNotStarted += 1;
            continue;
          }
          sequence += 1;
          flows.push(flow(target, sequence));
        }
      });
    }, 2);
  });
  const sendingSeconds = (performance.now() - started) / 1000;
  await Promise.all(flows);
  const cpu = server.cpuSeconds() - cpuBefore;
  const generatorCpu = process.cpuUsage(generatorCpuBefore);
  const databaseCpu = databaseCpuSeconds ? (await databaseCpuSeconds()) - databaseCpuBefore : Number.NaN;
  const elapsedSeconds = (performance.now() - started) / 1000;
  generatorLag.disable();
  agent.destroy();
  return {
    offeredRequests,
    exchanges,
    flowsNotStarted,
    flowsCut,
    seconds: sendingSeconds,
    rssPeakMB: rss.stop() / (1024 * 1024),
    serverCpuPct: (100 * cpu) / elapsedSeconds,
    serverCpuSeconds: cpu,
    generatorCpuPct: (generatorCpu.user + generatorCpu.system) / 1e4 / elapsedSeconds,
    databaseCpuPct: (100 * databaseCpu) / elapsedSeconds,
    generatorLagMs: { p99: generatorLag.percentile(99) / 1e6, max: generatorLag.max / 1e6 },
  };
}

function toRun(exchanges: readonly Exchange[], phase: PhaseResult): CaseRun {
  const latencies = exchanges.map((exchange) => exchange.ms);
  const statuses: Record<string, number> = {};
  for (const exchange of exchanges) statuses[exchange.status] = (statuses[exchange.status] ?? 0) + 1;
  const non2xx = exchanges.filter((exchange) => exchange.status < 200 || exchange.status >= 300).length;
  return {
    requests: exchanges.length,
    seconds: phase.seconds,
    rps: exchanges.filter((exchange) => exchange.status >= 200 && exchange.status < 300).length / phase.seconds,
    p50: percentile(latencies, 50),
    p90: percentile(latencies, 90),
    p99: percentile(latencies, 99),
    max: percentile(latencies, 100),
    non2xx,
    errors: exchanges.filter((exchange) => exchange.status === 0).length,
    timeouts: 0,
    statuses,
    serverCpuPct: phase.serverCpuPct,
    loadCpuPct: Number.NaN,
    cpuUsPerRequest: Number.NaN,
    rssStartMB: Number.NaN,
    rssPeakMB: phase.rssPeakMB,
    statementsPerRequest: null,
  };
}

/** The 40 tenants' users and groups, written into a SQLite file (bench/lib/seed.ts). */
async function seedTenants(file: string, sizes: MixedSizes): Promise<{ targets: TenantTarget[]; seeding: Seeding[] }> {
  const started = performance.now();
  const slugs = Array.from({ length: sizes.tenants }, (_, index) => `entra${index}`);
  const tenants = await createDatabase(file, slugs);
  const seeding: Seeding[] = [{ what: `migrate + ${sizes.tenants} tenants`, rows: sizes.tenants, seconds: (performance.now() - started) / 1000 }];
  const targets: TenantTarget[] = [];
  let seeded = 0;
  const seedStarted = performance.now();
  for (const tenant of tenants) {
    const users = seedUsers(file, tenant, sizes.usersPerTenant, { keepIds: true });
    // The group new users join, already holding the tenant's existing users.
    const groups = seedGroups(file, tenant, [{ displayName: 'all-employees', memberIds: users.ids }]);
    targets.push({ tenant, groupId: groups.ids.get('all-employees') ?? '' });
    seeded += sizes.usersPerTenant;
  }
  seeding.push({ what: `${sizes.usersPerTenant} users and a group holding them, per tenant`, rows: seeded * 2, seconds: (performance.now() - seedStarted) / 1000 });
  return { targets, seeding };
}

export async function runMixedLoad(context: Context): Promise<Omit<BenchmarkResult, 'name' | 'title' | 'seconds'>> {
  const sizes = mixedSizes(context.mode.smoke);
  const file = path.join(context.workDir, 's8.sqlite');
  const { targets, seeding } = await seedTenants(file, sizes);
  return measureMixedLoad(context, sizes, targets, seeding, {
    id: 'S8',
    start: () => ServerHandle.start('hub', { kind: 'hub', sqliteFile: file }),
    storage: 'SQLite file, default durability (synchronous FULL)',
  });
}

/** S8 on PostgreSQL: the same seed (copied from a SQLite file into a scratch database), the same load. */
export async function runMixedLoadOnPostgres(context: Context): Promise<Omit<BenchmarkResult, 'name' | 'title' | 'seconds'>> {
  const sizes = mixedSizes(context.mode.smoke);
  const file = path.join(context.workDir, 's8-postgresql.sqlite');
  const { targets, seeding } = await seedTenants(file, sizes);
  const database = await createMigratedPostgresDatabase('bench_s8');
  try {
    const started = performance.now();
    const rows = await copySqliteRows(file, database.url);
    seeding.push({ what: 'the same rows copied into PostgreSQL', rows, seconds: (performance.now() - started) / 1000 });
    return await measureMixedLoad(context, sizes, targets, seeding, {
      id: 'S8-PG',
      start: () => ServerHandle.start('hub PostgreSQL', { kind: 'hub', env: { DATABASE_URL: database.url } }),
      databaseCpuSeconds: () => database.backendCpuSeconds(),
      storage: 'PostgreSQL (the local server, default settings), one hub process',
    });
  } finally {
    await database.drop();
  }
}

interface MixedLoadSubject {
  /** The check id of the rows this run reports. */
  readonly id: string;
  start(): Promise<ServerHandle>;
  /** Where the hub stores, for the notes. */
  readonly storage: string;
  /** CPU seconds used so far by the database's own processes, when they are not the hub's. */
  databaseCpuSeconds?(): Promise<number>;
}

async function measureMixedLoad(
  context: Context,
  sizes: MixedSizes,
  targets: readonly TenantTarget[],
  seeding: Seeding[],
  subject: MixedLoadSubject,
): Promise<Omit<BenchmarkResult, 'name' | 'title' | 'seconds'>> {
  const hub = await subject.start();
  try {
    const flowsPerSecond = sizes.requestsPerSecondPerTenant / 3;
    const offeredRps = sizes.requestsPerSecondPerTenant * sizes.tenants;
    // Warm the server (JIT, caches, token stamps) at the steady rate; these answers are not counted.
    await runPhase(hub, targets, flowsPerSecond, context.mode.smoke ? 1 : 10, 'warmup');
    context.log(`  S8 steady: ${sizes.tenants} tenants x ${sizes.requestsPerSecondPerTenant} rps = ${offeredRps} rps offered for ${sizes.steadySeconds} s`);
    const steady = await runPhase(hub, targets, flowsPerSecond, sizes.steadySeconds, 'steady', subject.databaseCpuSeconds);
    context.log(`  S8 overload: x${sizes.overloadFactor} for ${sizes.overloadSeconds} s`);
    const overload = await runPhase(hub, targets, flowsPerSecond * sizes.overloadFactor, sizes.overloadSeconds, 'overload', subject.databaseCpuSeconds);
    if (!hub.alive) throw new Error(`the hub died during S8\n${hub.lastErrors}`);

    const kinds: Kind[] = ['lookup', 'create', 'patch'];
    const steadyCases = [
      summarise({ label: 'steady, all requests', role: 'subject', description: `${offeredRps} rps offered (lookup, POST, PATCH per new user)` }, [toRun(steady.exchanges, steady)]),
      ...kinds.map((kind) =>
        summarise({ label: `steady ${kind}`, role: 'diagnostic', description: `${kind} requests of the steady phase` }, [toRun(steady.exchanges.filter((exchange) => exchange.kind === kind), steady)]),
      ),
      summarise({ label: `overload x${sizes.overloadFactor}`, role: 'diagnostic', description: `${offeredRps * sizes.overloadFactor} rps offered for ${sizes.overloadSeconds} s` }, [toRun(overload.exchanges, overload)]),
    ];
    const all = [...steady.exchanges, ...overload.exchanges];
    const served = steady.exchanges.filter((exchange) => exchange.status >= 200 && exchange.status < 300);
    const fiveHundreds = all.filter((exchange) => exchange.status >= 500 || exchange.status === 0).length;
    const refused = all.filter((exchange) => exchange.status === 429);
    const withRetryAfter = refused.filter((exchange) => /^[1-9]\d*$/.test(exchange.retryAfter ?? '')).length;
    const slowest = max(all.map((exchange) => exchange.ms));
    const steadyP99 = percentile(steady.exchanges.map((exchange) => exchange.ms), 99);
    const servedShare = served.length / Math.max(1, steady.offeredRequests);
    const unexpected = all.filter((exchange) => exchange.status !== 429 && (exchange.status < 200 || exchange.status >= 300)).length;
    return {
      cases: steadyCases,
      ratios: [],
      checks: [
        check(subject.id, `p99 of every request at ${sizes.requestsPerSecondPerTenant} rps x ${sizes.tenants} tenants for ${sizes.steadySeconds} s`, '<= 100 ms', `${show(steadyP99)} ms (${steady.exchanges.length} requests)`, steadyP99 <= 100),
        check(subject.id, 'requests served (2xx) of those offered, steady phase', '>= 99%', `${show(servedShare * 100, 1)}% (${served.length} of ${steady.offeredRequests}; ${steady.exchanges.length - served.length} refused or failed, ${steady.flowsNotStarted} flows not started)`, servedShare >= 0.99),
        check(subject.id, 'no 5xx (or connection error), steady and overload', '0', `${fiveHundreds}; other non-2xx but 429: ${unexpected}`, fiveHundreds === 0 && unexpected === 0),
        check(subject.id, `overload answered 429 with an integer Retry-After (x${sizes.overloadFactor} phase)`, 'every 429 has it, some 429', `${refused.length} x 429, ${withRetryAfter} with Retry-After`, refused.length > 0 && withRetryAfter === refused.length),
        check(subject.id, 'slowest request of either phase', '< 60 s', `${show(slowest / 1000, 2)} s`, slowest < ENTRA_TIMEOUT_MS),
      ],
      seeding,
      notes: [
        `Open-loop: each tenant starts a new-user flow every ${show(1000 / flowsPerSecond, 0)} ms (lookup, then POST, then PATCH adding the user to a group of ${sizes.usersPerTenant}); a non-2xx answer ends the flow (an IdP would retry after Retry-After). Latencies run from the request getting one of the generator's 512 keep-alive connections to the end of the answer; status 0 is a connection error or a 65 s timeout.`,
        `Overload phase: ${overload.exchanges.length} requests, ${overload.exchanges.filter((exchange) => exchange.status === 429).length} answered 429, p99 ${show(percentile(overload.exchanges.map((exchange) => exchange.ms), 99))} ms, ${overload.flowsNotStarted} flows not started.`,
        `Load generator (this process) event loop lateness, p99 / max: steady ${show(steady.generatorLagMs.p99)} / ${show(steady.generatorLagMs.max)} ms, overload ${show(overload.generatorLagMs.p99)} / ${show(overload.generatorLagMs.max)} ms (latencies above include it).`,
        `CPU, % of one core (the box has ${os.cpus().length}), steady / overload: hub ${show(steady.serverCpuPct, 0)} / ${show(overload.serverCpuPct, 0)}, load generator ${show(steady.generatorCpuPct, 0)} / ${show(overload.generatorCpuPct, 0)}${Number.isNaN(steady.databaseCpuPct) ? '' : `, PostgreSQL backends ${show(steady.databaseCpuPct, 0)} / ${show(overload.databaseCpuPct, 0)}`}; hub CPU per answered request in the steady phase ${show((steady.serverCpuSeconds * 1e6) / Math.max(1, steady.exchanges.length), 0)} µs.`,
        `${subject.storage}; server peak RSS ${show(Math.max(steady.rssPeakMB, overload.rssPeakMB), 0)} MB.`,
      ],
    };
  } finally {
    await hub.stop();
  }
}
