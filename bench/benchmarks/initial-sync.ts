/**
 * I1, I4 and I2 (issue 6): a large tenant's initial sync.
 *   I1  over HTTP on SQLite: every user POSTed, every group POSTed empty, then every membership PATCHed
 *       in chunks of 100 members, by 10 concurrent workers in this process (keep-alive connections) against
 *       the hub in a child process; total time and the server's peak RSS (sampled every 50 ms). A 429 or 503
 *       is sent again after its Retry-After, as IdPs do (counted apart); anything else not 2xx is a failure,
 *       reported by status and detail with the errors the hub logged (its log goes to the scratch directory).
 *   I4  the same on PostgreSQL (a scratch database), as a ratio to I1.
 *   I2  the same data as one NDJSON file through `npm run cli -- import` (a child process, timed whole).
 * Full: 100k users, 1k groups, one 50k-member group and 150k other memberships. Smoke: 300 users.
 * Each path runs once per harness run (a run is minutes long and writes a fresh database).
 */
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import path from 'node:path';
import { check as checkOf, type BenchmarkResult, type Check, type Context, type Seeding } from '../lib/harness';
import { request } from '../lib/load';
import { createPostgresDatabase } from '../lib/postgres';
import type { Sizes } from './datasets';
import { createDatabase, externalIdOf, GROUP_SCHEMA, PATCH_SCHEMA, removeDatabase, userBody, userNameOf, type TenantSeed } from '../lib/seed';
import { cpuSecondsOf, PROJECT_ROOT, readStatusKb, sampleRss, ServerHandle } from '../lib/servers';
import { percentile, round, show } from '../lib/stats';

const CONNECTIONS = 10;
const PATCH_CHUNK = 100;
const SLUG = 'acme';
/** Each HTTP sync stops sending after this long (twice I1's target), so a slow hub cannot eat the whole harness budget. */
const HTTP_BUDGET_SECONDS = 240;
/** Times a request answered 429 or 503 is sent again after its Retry-After, as an IdP does, before it counts as failed. */
const MAX_RETRIES = 5;

interface SyncSizes {
  readonly users: number;
  readonly groups: number;
  /** Members of group 0, users 0..bigGroup-1. */
  readonly bigGroup: number;
  /** Memberships spread over groups 1..groups-1. */
  readonly otherMemberships: number;
}

/** The full shape (100 users per group, half of them in the big group, 1.5 other memberships per user) at `users` users. */
function syncSizes(smoke: boolean, users = smoke ? 300 : 100_000): SyncSizes {
  return { users, groups: Math.max(10, Math.round(users / 100)), bigGroup: Math.round(users / 2), otherMemberships: Math.round(users * 1.5) };
}

function groupName(index: number): string {
  return index === 0 ? 'everyone-big' : `team-${index}`;
}

/**
 * User indexes of each group. Membership j goes to group 1 + j mod (groups - 1), user 7919 j mod users:
 * 7919 is prime to the user count, so no pair repeats within 150k memberships.
 */
function membersByGroup(sizes: SyncSizes): number[][] {
  const groups: number[][] = Array.from({ length: sizes.groups }, () => []);
  for (let user = 0; user < sizes.bigGroup; user += 1) groups[0].push(user);
  for (let j = 0; j < sizes.otherMemberships; j += 1) groups[1 + (j % (sizes.groups - 1))].push((j * 7919) % sizes.users);
  return groups;
}

interface PhaseResult {
  readonly phase: string;
  /** Requests answered; fewer than `planned` when the budget ran out. */
  readonly requests: number;
  readonly planned: number;
  readonly seconds: number;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly failures: number;
  readonly statuses: Record<string, number>;
  readonly firstFailure?: string;
  /** Failed answers by status and SCIM detail (numbers in the detail replaced by N), with their count. */
  readonly failureKinds: Record<string, number>;
  /** 429 and 503 answers that were retried (not failures unless the last try failed too), by status and detail. */
  readonly retriedKinds: Record<string, number>;
  /** Server CPU (user + system) per answered request, ms: steadier than rps on a shared machine. */
  serverCpuMsPerRequest?: number;
}

interface Step {
  readonly method: 'POST' | 'PATCH';
  readonly path: string;
  readonly body: string;
}

/**
 * `count` requests from CONNECTIONS concurrent workers, each sending its next request when the last one answered.
 * A 429 or 503 is sent again after its Retry-After (up to MAX_RETRIES times), as IdPs do; latency is the last try's.
 */
async function drive(url: string, token: string, phase: string, count: number, deadline: number, step: (index: number) => Step, onAnswer?: (index: number, status: number, body: string) => void): Promise<PhaseResult> {
  const latencies = new Float64Array(count);
  let answered = 0;
  const statuses: Record<string, number> = {};
  const headers = { authorization: `Bearer ${token}` };
  let failures = 0;
  let firstFailure: string | undefined;
  const failureKinds: Record<string, number> = {};
  const retriedKinds: Record<string, number> = {};
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    for (let index = next++; index < count && performance.now() < deadline; index = next++) {
      const { method, path: target, body } = step(index);
      let response = await request(url, method, target, headers, body, 60_000);
      for (let retry = 1; retry <= MAX_RETRIES && (response.status === 429 || response.status === 503) && performance.now() < deadline; retry += 1) {
        const kind = `${method} ${response.status} ${failureDetail(response.body)}`;
        retriedKinds[kind] = (retriedKinds[kind] ?? 0) + 1;
        await new Promise((resolve) => setTimeout(resolve, 1000 * (Number(response.retryAfter) || 1)));
        response = await request(url, method, target, headers, body, 60_000);
      }
      latencies[answered] = response.ms;
      answered += 1;
      statuses[response.status] = (statuses[response.status] ?? 0) + 1;
      if (response.status < 200 || response.status >= 300) {
        failures += 1;
        firstFailure ??= `${method} ${target} -> ${response.status}: ${response.body.slice(0, 300)}`;
        const kind = `${method} ${response.status} ${failureDetail(response.body)}`;
        failureKinds[kind] = (failureKinds[kind] ?? 0) + 1;
      } else {
        onAnswer?.(index, response.status, response.body);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONNECTIONS, count) }, worker));
  const seconds = (performance.now() - started) / 1000;
  const measured = latencies.subarray(0, answered);
  return { phase, requests: answered, planned: count, seconds, rps: answered / seconds, p50: percentile(measured, 50), p99: percentile(measured, 99), max: percentile(measured, 100), failures, statuses, firstFailure, failureKinds, retriedKinds };
}

/** A failed answer's scimType and detail, numbers replaced so that equal failures count together. */
function failureDetail(body: string): string {
  try {
    const error = JSON.parse(body) as { scimType?: string; detail?: string };
    return `${error.scimType ?? '-'}: ${(error.detail ?? '').replace(/\d+/g, 'N').slice(0, 160)}`;
  } catch {
    return body.replace(/\d+/g, 'N').slice(0, 160);
  }
}

/** Errors the hub logged (pino level >= 50) by error type, code and message, with their count. */
async function loggedErrors(logFile: string): Promise<Record<string, number>> {
  const errors: Record<string, number> = {};
  const lines = createInterface({ input: createReadStream(logFile, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.includes('"level":50') && !line.includes('"level":60')) continue;
    try {
      const entry = JSON.parse(line) as { msg?: string; err?: { type?: string; code?: string; message?: string } };
      const kind = `${entry.msg ?? ''} / ${entry.err?.type ?? '-'} ${entry.err?.code ?? ''}: ${(entry.err?.message ?? '').replace(/\d+/g, 'N').slice(0, 200)}`;
      errors[kind] = (errors[kind] ?? 0) + 1;
    } catch {
      errors[line.slice(0, 200)] = (errors[line.slice(0, 200)] ?? 0) + 1;
    }
  }
  return errors;
}

interface HttpSyncResult {
  readonly seconds: number;
  readonly finished: boolean;
  /** `seconds` when finished; else the time the unanswered requests would have taken at each phase's measured rate (a phase never started counts as the last one's rate). */
  readonly projectedSeconds: number;
  readonly rssPeakMB: number;
  readonly rssStartMB: number;
  readonly phases: PhaseResult[];
  /** What the hub's log says about failed requests (only read when some failed). */
  readonly serverErrors: Record<string, number>;
}

/** I1/I4: the whole sync against a hub process on `env`'s database. */
async function syncOverHttp(context: Context, label: string, env: Record<string, string>, tenant: TenantSeed, sizes: SyncSizes): Promise<HttpSyncResult> {
  const logFile = path.join(context.workDir, `${label}.log`);
  const server = await ServerHandle.start(label, { kind: 'hub', env, logFile });
  try {
    const rssStart = server.rss();
    const sampler = sampleRss(server);
    const userIds: string[] = new Array(sizes.users);
    const groupIds: string[] = new Array(sizes.groups);
    const phases: PhaseResult[] = [];
    const started = performance.now();
    const deadline = started + HTTP_BUDGET_SECONDS * 1000;
    const measured = async (run: () => Promise<PhaseResult>) => {
      const cpuBefore = server.cpuSeconds();
      const phase = await run();
      phase.serverCpuMsPerRequest = ((server.cpuSeconds() - cpuBefore) * 1000) / Math.max(1, phase.requests);
      phases.push(phase);
    };
    context.log(`  ${label}: POST /Users x ${sizes.users} ...`);
    await measured(() =>
      drive(
        server.url,
        tenant.scimToken,
        'POST /Users',
        sizes.users,
        deadline,
        (index) => ({ method: 'POST', path: '/scim/v2/Users', body: JSON.stringify(userBody(userNameOf(SLUG, index), externalIdOf(SLUG, index), index)) }),
        (index, _status, body) => {
          userIds[index] = (JSON.parse(body) as { id: string }).id;
        },
      ),
    );
    await measured(() =>
      drive(
        server.url,
        tenant.scimToken,
        'POST /Groups',
        sizes.groups,
        deadline,
        (index) => ({ method: 'POST', path: '/scim/v2/Groups', body: JSON.stringify({ schemas: [GROUP_SCHEMA], displayName: groupName(index), externalId: `ext-${groupName(index)}` }) }),
        (index, _status, body) => {
          groupIds[index] = (JSON.parse(body) as { id: string }).id;
        },
      ),
    );
    const patches: { group: number; members: number[] }[] = [];
    membersByGroup(sizes).forEach((members, group) => {
      for (let start = 0; start < members.length; start += PATCH_CHUNK) patches.push({ group, members: members.slice(start, start + PATCH_CHUNK) });
    });
    if (performance.now() < deadline) context.log(`  ${label}: PATCH /Groups x ${patches.length} (chunks of ${PATCH_CHUNK}) ...`);
    await measured(() =>
      drive(server.url, tenant.scimToken, `PATCH /Groups (${PATCH_CHUNK} members)`, patches.length, deadline, (index) => {
        const patch = patches[index];
        const value = patch.members.map((member) => ({ value: userIds[member] }));
        return { method: 'PATCH', path: `/scim/v2/Groups/${groupIds[patch.group]}`, body: JSON.stringify({ schemas: [PATCH_SCHEMA], Operations: [{ op: 'add', path: 'members', value }] }) };
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const rssPeak = sampler.stop();
    if (!server.alive) throw new Error(`${label}: the server died\n${server.lastErrors}`);
    const finished = phases.every((phase) => phase.requests === phase.planned);
    let rate = phases[0].rps;
    let projectedSeconds = 0;
    for (const phase of phases) {
      if (phase.requests > 0) rate = phase.rps;
      projectedSeconds += phase.requests === phase.planned ? phase.seconds : phase.seconds + (phase.planned - phase.requests) / rate;
    }
    const serverErrors = phases.some((phase) => phase.failures > 0 || Object.keys(phase.retriedKinds).length > 0) ? await loggedErrors(logFile) : {};
    return { seconds, finished, projectedSeconds: finished ? seconds : projectedSeconds, rssPeakMB: rssPeak / 2 ** 20, rssStartMB: rssStart / 2 ** 20, phases, serverErrors };
  } finally {
    await server.stop();
  }
}

/** I2's input: the same users and groups as one NDJSON file, members named by userName. */
async function writeImportFile(file: string, sizes: SyncSizes): Promise<number> {
  const out = createWriteStream(file, { encoding: 'utf8' });
  let bytes = 0;
  const write = async (line: string) => {
    bytes += Buffer.byteLength(line) + 1;
    if (!out.write(`${line}\n`)) await once(out, 'drain');
  };
  for (let index = 0; index < sizes.users; index += 1) await write(JSON.stringify(userBody(userNameOf(SLUG, index), externalIdOf(SLUG, index), index)));
  const groups = membersByGroup(sizes);
  for (let group = 0; group < groups.length; group += 1) {
    await write(JSON.stringify({ schemas: [GROUP_SCHEMA], displayName: groupName(group), externalId: `ext-${groupName(group)}`, members: groups[group].map((user) => ({ userName: userNameOf(SLUG, user) })) }));
  }
  out.end();
  await once(out, 'finish');
  return bytes;
}

interface ImportRunResult {
  /** The command from spawn to exit (process start, migrations check, import, close). */
  readonly wallSeconds: number;
  /** The import itself, as the command reports it. */
  readonly importSeconds: number;
  /** CPU (user + system) of the command, sampled every 50 ms until it exits. */
  readonly cpuSeconds: number;
  readonly rssPeakMB: number;
  readonly summary: { users: Record<string, number>; groups: Record<string, number>; memberships: Record<string, number>; errors: unknown[] };
}

/** I2: `npm run cli -- import` as an operator runs it, against `databaseUrl`. */
function runImport(databaseUrl: string, file: string, timeoutSeconds: number): Promise<ImportRunResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['-r', '@swc-node/register', 'src/cli.ts', 'import', '--tenant', SLUG, '--json', file], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn', NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-4000)));
    let peakKb = 0;
    let cpuSeconds = 0;
    const sampler = setInterval(() => {
      const rss = readStatusKb(child.pid ?? -1, 'VmRSS');
      if (Number.isFinite(rss)) peakKb = Math.max(peakKb, rss);
      const cpu = cpuSecondsOf(child.pid ?? -1);
      if (Number.isFinite(cpu)) cpuSeconds = cpu;
    }, 50);
    const watchdog = setTimeout(() => child.kill('SIGKILL'), timeoutSeconds * 1000);
    child.once('exit', (code) => {
      clearInterval(sampler);
      clearTimeout(watchdog);
      const wallSeconds = (performance.now() - started) / 1000;
      try {
        const report = JSON.parse(stdout) as ImportRunResult['summary'] & { seconds: number };
        if (code !== 0) throw new Error(`exit ${code}: ${JSON.stringify(report.errors).slice(0, 500)}`);
        resolve({ wallSeconds, importSeconds: report.seconds, cpuSeconds, rssPeakMB: peakKb / 1024, summary: report });
      } catch (error) {
        reject(new Error(`import command failed (exit ${code}): ${(error as Error).message}\n${stderr}`));
      }
    });
  });
}

/** A scratch PostgreSQL database with the schema and the tenant, made by the app's own code; dropped by `drop`. */
/** One note for the whole sync and one per phase (the report cuts notes at 600 characters). */
function phaseNotes(label: string, result: HttpSyncResult): string[] {
  const budget = result.finished ? '' : ` (stopped at the ${HTTP_BUDGET_SECONDS} s budget; projected ${show(result.projectedSeconds, 0)} s at the measured rates, a phase not reached at the last one's)`;
  return [
    `${label}: ${show(result.seconds, 1)} s in all${budget}, server RSS ${show(result.rssStartMB, 0)} MB at start, peak ${show(result.rssPeakMB, 0)} MB.`,
    ...result.phases.map(
      (phase) =>
        `${label} ${phase.phase}: ${phase.requests}${phase.requests < phase.planned ? ` of ${phase.planned}` : ''} in ${show(phase.seconds, 1)} s = ${show(phase.rps, 0)} rps, p50 ${show(phase.p50)} ms, p99 ${show(phase.p99)} ms, max ${show(phase.max, 0)} ms, server CPU ${show(phase.serverCpuMsPerRequest ?? Number.NaN)} ms/request, failures ${phase.failures}${phase.firstFailure ? ` (first: ${phase.firstFailure})` : ''}`,
    ),
    ...result.phases.filter((phase) => phase.failures > 0).map((phase) => `${label} ${phase.phase} failures by kind: ${counted(phase.failureKinds)}`),
    ...result.phases.filter((phase) => Object.keys(phase.retriedKinds).length > 0).map((phase) => `${label} ${phase.phase} answers retried after Retry-After: ${counted(phase.retriedKinds)}`),
    ...(Object.keys(result.serverErrors).length > 0 ? [`${label} errors in the hub's log: ${counted(result.serverErrors)}`] : []),
  ];
}

/** `kind xN; kind xN`, most frequent first. */
function counted(kinds: Record<string, number>): string {
  return Object.entries(kinds)
    .sort((a, b) => b[1] - a[1])
    .map(([kind, count]) => `${kind} x${count}`)
    .join('; ');
}

function failuresOf(result: HttpSyncResult): number {
  return result.phases.reduce((total, phase) => total + phase.failures, 0);
}

export async function runInitialSync(context: Context, overrides: Partial<Sizes> = {}): Promise<Omit<BenchmarkResult, 'name' | 'title' | 'seconds'>> {
  const sizes = syncSizes(context.mode.smoke, overrides.syncUsers);
  const runs = (path: string) => !overrides.syncPaths || overrides.syncPaths.includes(path);
  // A run at --sync-users other than the full size measures, but meets no target (the targets are for the full dataset).
  const reduced = overrides.syncUsers !== undefined && overrides.syncUsers !== syncSizes(false).users;
  const check = (id: string, description: string, target: string, measured: string, pass: boolean) =>
    reduced ? checkOf(id, description, target, `${measured} [reduced dataset: no target]`, false) : checkOf(id, description, target, measured, pass);
  const memberships = sizes.bigGroup + sizes.otherMemberships;
  const dataset = `${sizes.users} users, ${sizes.groups} groups, one ${sizes.bigGroup}-member group, ${sizes.otherMemberships} other memberships`;
  const checks: Check[] = [];
  const notes: string[] = [`dataset: ${dataset}; HTTP: ${CONNECTIONS} concurrent workers, keep-alive, PATCH chunks of ${PATCH_CHUNK}; one run per path.`];
  const seeding: Seeding[] = [];
  const extra: Record<string, unknown> = { sizes };

  const took = (result: HttpSyncResult) => (result.finished ? `${show(result.seconds, 1)} s` : `not done in ${HTTP_BUDGET_SECONDS} s (projected ${show(result.projectedSeconds, 0)} s)`);
  // I1: SQLite, default durability.
  let sqlite: HttpSyncResult | undefined;
  if (runs('i1')) {
    const sqliteFile = path.join(context.workDir, 'initial-sync-http.sqlite');
    const [sqliteTenant] = await createDatabase(sqliteFile, [SLUG]);
    sqlite = await syncOverHttp(context, 'hub-sqlite', { DATABASE_URL: `sqlite:${sqliteFile}` }, sqliteTenant, sizes);
    removeDatabase(sqliteFile);
    extra.i1 = sqlite;
    notes.push(...phaseNotes('I1 SQLite', sqlite));
    checks.push(check('I1', `initial sync over HTTP on SQLite (${dataset})`, '<= 120 s, no failures', `${took(sqlite)}, ${failuresOf(sqlite)} failures`, sqlite.finished && sqlite.seconds <= 120 && failuresOf(sqlite) === 0));
    checks.push(check('I1-RSS', 'peak server RSS during the initial sync (SQLite)', '<= 400 MB', `${show(sqlite.rssPeakMB, 0)} MB`, sqlite.rssPeakMB <= 400));
  }

  // I4: PostgreSQL.
  let postgres: Awaited<ReturnType<typeof createPostgresDatabase>> | undefined;
  try {
    if (runs('i4')) {
      postgres = await createPostgresDatabase('bench_sync', SLUG);
      const result = await syncOverHttp(context, 'hub-postgresql', { DATABASE_URL: postgres.url }, postgres.tenant, sizes);
      extra.i4 = result;
      notes.push(...phaseNotes('I4 PostgreSQL', result));
      const ratio = sqlite ? result.projectedSeconds / sqlite.projectedSeconds : Number.NaN;
      checks.push(check('I4', 'the initial sync on PostgreSQL, time relative to SQLite', '<= 1.5x', `${took(result)} = ${show(ratio)}x (peak RSS ${show(result.rssPeakMB, 0)} MB, ${failuresOf(result)} failures)`, result.finished && ratio <= 1.5 && failuresOf(result) === 0));
    }
  } catch (error) {
    notes.push(`I4 not measured: ${(error as Error).message.split('\n')[0]}`);
  } finally {
    await postgres?.drop();
  }
  if (!runs('i2')) return { cases: [], ratios: [], checks, seeding, notes, extra };

  // I2: the import command, on SQLite (the target) and on PostgreSQL (for comparison).
  const file = path.join(context.workDir, 'initial-sync.ndjson');
  const written = performance.now();
  const bytes = await writeImportFile(file, sizes);
  seeding.push({ what: `NDJSON import file (${show(bytes / 2 ** 20, 0)} MB)`, rows: sizes.users + sizes.groups, seconds: (performance.now() - written) / 1000 });
  const importFile = path.join(context.workDir, 'initial-sync-import.sqlite');
  await createDatabase(importFile, [SLUG]);
  const imported = await runImport(`sqlite:${importFile}`, file, 600);
  removeDatabase(importFile);
  extra.i2 = imported;
  const counts = `${imported.summary.users.created} users, ${imported.summary.groups.created} groups, ${imported.summary.memberships.added} memberships`;
  notes.push(`I2 SQLite: import ${show(imported.importSeconds, 1)} s (${show(sizes.users / imported.importSeconds, 0)} users/s with ${memberships} memberships), command ${show(imported.wallSeconds, 1)} s from spawn to exit using ${show(imported.cpuSeconds, 1)} CPU s, peak RSS ${show(imported.rssPeakMB, 0)} MB; wrote ${counts}.`);
  checks.push(check('I2', 'the same dataset through `npm run cli -- import` (SQLite)', '<= 15 s', `${show(imported.importSeconds, 1)} s import (${show(imported.wallSeconds, 1)} s with process start, ${show(imported.cpuSeconds, 1)} CPU s), peak RSS ${show(imported.rssPeakMB, 0)} MB`, imported.importSeconds <= 15 && imported.summary.users.created === sizes.users && imported.summary.memberships.added === memberships));
  let importDatabase: Awaited<ReturnType<typeof createPostgresDatabase>> | undefined;
  try {
    importDatabase = await createPostgresDatabase('bench_import', SLUG);
    const result = await runImport(importDatabase.url, file, 600);
    extra.i2Postgres = result;
    notes.push(`I2 PostgreSQL (no target): import ${show(result.importSeconds, 1)} s = ${show(round(result.importSeconds / imported.importSeconds, 2))}x SQLite, command ${show(result.wallSeconds, 1)} s using ${show(result.cpuSeconds, 1)} CPU s, peak RSS ${show(result.rssPeakMB, 0)} MB.`);
  } catch (error) {
    notes.push(`I2 on PostgreSQL not measured: ${(error as Error).message.split('\n')[0]}`);
  } finally {
    await importDatabase?.drop();
  }
  return { cases: [], ratios: [], checks, seeding, notes, extra };
}
