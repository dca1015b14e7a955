/**
 * The shape every benchmark shares: cases (references and subjects) measured in the same run,
 * alternated, N runs each, summarised as min and median, with ratios subject/reference and the
 * issue's targets as checks.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { request as sendRequest, runLoad, type LoadLimits, type LoadResult, type LoadSpec } from './load';
import { sampleRss, type ServerHandle } from './servers';
import { max, median, min, round } from './stats';

export interface Mode {
  readonly smoke: boolean;
  readonly runs: number;
  /** Seconds of load per measured run. */
  readonly seconds: number;
  readonly warmupSeconds: number;
  /** Upper bound on requests in one measured run. */
  readonly maxRequests: number;
  /** Pause after a run, for requests still in flight to drain. */
  readonly settleMs: number;
}

export const FULL_MODE: Mode = { smoke: false, runs: 3, seconds: 8, warmupSeconds: 2, maxRequests: 400_000, settleMs: 250 };
export const SMOKE_MODE: Mode = { smoke: true, runs: 1, seconds: 0.2, warmupSeconds: 0.1, maxRequests: 10_000, settleMs: 30 };

/** `diagnostic` cases break the subject down (e.g. the hub's HTTP stack without SQL); they take part in no ratio. */
export type Role = 'reference' | 'subject' | 'diagnostic';

export interface HttpCase {
  readonly label: string;
  readonly role: Role;
  readonly description: string;
  readonly server: ServerHandle;
  readonly spec: LoadSpec;
  readonly limits?: Partial<LoadLimits>;
  /** Status the preflight request must get (default: any 2xx). */
  readonly expectStatus?: number;
  /** Skip the warmup (e.g. when each request consumes a finite pool). */
  readonly noWarmup?: boolean;
  /** Called before the warmup (run -1) and before each measured run (0, 1, ...): e.g. to switch to a fresh group. */
  readonly beforeRun?: (run: number) => void;
  /** CPU seconds used so far by the database server's processes serving this case (PostgreSQL backends), when known. */
  readonly databaseCpuSeconds?: () => Promise<number>;
}

export interface CaseRun extends LoadResult {
  /** Share of one core the server used during the run (100 = one core busy all the time). */
  serverCpuPct: number;
  /** Share of one core the load generator (this process) used. */
  loadCpuPct: number;
  /** Server CPU time per request, microseconds (user + system, 10 ms tick resolution over the run). */
  cpuUsPerRequest: number;
  rssStartMB: number;
  rssPeakMB: number;
  /** SQL statements the server prepared per request (hub and raw-sqlite only). */
  statementsPerRequest: number | null;
  /** Database server CPU time per request, microseconds (cases with `databaseCpuSeconds` only). */
  databaseCpuUsPerRequest?: number;
}

export interface MinMedian {
  min: number;
  median: number;
}

export interface CaseSummary {
  label: string;
  role: Role;
  description: string;
  runs: CaseRun[];
  rps: MinMedian;
  p50: MinMedian;
  p99: MinMedian;
  non2xx: number;
  errors: number;
  rssPeakMB: number;
  /** Median share of one core the server used while under load. */
  serverCpuPct: number;
  /** Server CPU microseconds per request: min / median over runs. */
  cpuUsPerRequest: MinMedian;
  statementsPerRequest: number | null;
  /** Database server CPU microseconds per request, min / median (cases with `databaseCpuSeconds` only). */
  databaseCpuUsPerRequest?: MinMedian;
  statuses: Record<string, number>;
}

export interface Ratio {
  subject: string;
  reference: string;
  /** Median rps of the subject over median rps of the reference. */
  rps: number;
  /** Median p50 of the subject over median p50 of the reference. */
  p50: number;
  /** Reference CPU per request over subject CPU per request: the rps ratio the two would have on an idle core. */
  cpu: number;
}

export interface Check {
  id: string;
  description: string;
  target: string;
  measured: string;
  pass: boolean;
}

export interface Seeding {
  what: string;
  rows: number;
  seconds: number;
}

export interface BenchmarkResult {
  name: string;
  title: string;
  cases: CaseSummary[];
  ratios: Ratio[];
  checks: Check[];
  seeding: Seeding[];
  notes: string[];
  /** Extra measurements that are not autocannon cases (single big GETs, in-process loops). */
  extra?: Record<string, unknown>;
  seconds: number;
  /** 1-minute load average before and after (the machine may be shared with other work). */
  loadAverage?: { before: number; after: number };
  /** When this benchmark ran and on which commit: results of separate runs of single benchmarks are combined. */
  measured?: { startedAt: string; commit: string | null };
  error?: string;
}

export interface Context {
  readonly mode: Mode;
  /** Scratch directory of this harness run (removed at the end). */
  readonly workDir: string;
  log(message: string): void;
  /** Memoises a dataset by key for the rest of the run (several benchmarks read the same big tenant). */
  dataset<T>(key: string, build: () => Promise<T>): Promise<T>;
}

export function createContext(mode: Mode, log: (message: string) => void): Context & { dispose(): void } {
  const base = path.join(os.tmpdir(), 'identity-hub-bench');
  mkdirSync(base, { recursive: true });
  const workDir = mkdtempSync(path.join(base, 'run-'));
  const datasets = new Map<string, Promise<unknown>>();
  return {
    mode,
    workDir,
    log,
    dataset<T>(key: string, build: () => Promise<T>): Promise<T> {
      let existing = datasets.get(key) as Promise<T> | undefined;
      if (!existing) {
        existing = build();
        datasets.set(key, existing);
      }
      return existing;
    },
    dispose() {
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}

const MB = 1024 * 1024;

async function preflight(testCase: HttpCase): Promise<void> {
  const spec = testCase.spec;
  const pathOf = typeof spec.path === 'function' ? spec.path() : spec.path;
  const body = typeof spec.body === 'function' ? spec.body() : spec.body;
  const response = await sendRequest(testCase.server.url, spec.method, pathOf, spec.headers, body);
  const ok = testCase.expectStatus !== undefined ? response.status === testCase.expectStatus : response.status >= 200 && response.status < 300;
  if (!ok) {
    throw new Error(`${testCase.label}: preflight ${spec.method} ${pathOf} answered ${response.status}: ${response.body.slice(0, 500)}`);
  }
}

async function measure(testCase: HttpCase, limits: LoadLimits, settleMs: number, run: number): Promise<CaseRun> {
  const server = testCase.server;
  await server.stats('reset');
  const cpuAtReset = server.cpuSeconds();
  const databaseCpuAtReset = await testCase.databaseCpuSeconds?.();
  const stopProfile = await server.startProfile(`${testCase.label}-run${run + 1}`);
  const rssStart = server.rss();
  const sampler = sampleRss(server);
  const cpuBefore = server.cpuSeconds();
  const ownCpuBefore = process.cpuUsage();
  const result = await runLoad(server.url, testCase.spec, limits);
  const ownCpu = process.cpuUsage(ownCpuBefore);
  const serverCpu = server.cpuSeconds() - cpuBefore;
  const rssPeak = sampler.stop();
  await stopProfile();
  // In-flight requests after the stop still reach the server; wait for it to go idle.
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  const cpuTotal = server.cpuSeconds() - cpuAtReset;
  const after = await server.stats();
  const databaseCpu = databaseCpuAtReset === undefined ? undefined : ((await testCase.databaseCpuSeconds?.()) ?? databaseCpuAtReset) - databaseCpuAtReset;
  if (!server.alive) throw new Error(`${testCase.label}: the server died during the run\n${server.lastErrors}`);
  // The CPU share covers the run plus autocannon's stop latency (up to its 100 ms sample tick).
  const wall = result.seconds + 0.1;
  return {
    ...result,
    serverCpuPct: (100 * serverCpu) / wall,
    loadCpuPct: (100 * (ownCpu.user + ownCpu.system)) / 1e6 / wall,
    // Server CPU per request it answered (its own count, tail included): steady even when the machine is shared.
    cpuUsPerRequest: after.requests > 0 ? (cpuTotal * 1e6) / after.requests : Number.NaN,
    rssStartMB: rssStart / MB,
    rssPeakMB: rssPeak / MB,
    statementsPerRequest: after.statements !== null && after.requests > 0 ? after.statements / after.requests : null,
    ...(databaseCpu !== undefined && after.requests > 0 ? { databaseCpuUsPerRequest: (databaseCpu * 1e6) / after.requests } : {}),
  };
}

export function summarise(testCase: Pick<HttpCase, 'label' | 'role' | 'description'>, runs: CaseRun[]): CaseSummary {
  const pick = (key: 'rps' | 'p50' | 'p99') => runs.map((run) => run[key]);
  const statuses: Record<string, number> = {};
  for (const run of runs) for (const [status, count] of Object.entries(run.statuses)) statuses[status] = (statuses[status] ?? 0) + count;
  const statements = runs.map((run) => run.statementsPerRequest).filter((value): value is number => value !== null);
  const databaseCpu = runs.map((run) => run.databaseCpuUsPerRequest).filter((value): value is number => value !== undefined);
  return {
    label: testCase.label,
    role: testCase.role,
    description: testCase.description,
    runs,
    rps: { min: min(pick('rps')), median: median(pick('rps')) },
    p50: { min: min(pick('p50')), median: median(pick('p50')) },
    p99: { min: min(pick('p99')), median: median(pick('p99')) },
    non2xx: runs.reduce((total, run) => total + run.non2xx, 0),
    errors: runs.reduce((total, run) => total + run.errors + run.timeouts, 0),
    rssPeakMB: max(runs.map((run) => run.rssPeakMB)),
    serverCpuPct: median(runs.map((run) => run.serverCpuPct)),
    cpuUsPerRequest: { min: min(runs.map((run) => run.cpuUsPerRequest)), median: median(runs.map((run) => run.cpuUsPerRequest)) },
    statementsPerRequest: statements.length > 0 ? round(median(statements), 2) : null,
    ...(databaseCpu.length > 0 ? { databaseCpuUsPerRequest: { min: min(databaseCpu), median: median(databaseCpu) } } : {}),
    statuses,
  };
}

/**
 * Measures every case `mode.runs` times, alternating: run 1 goes A B C, run 2 B C A, run 3 C A B,
 * so no case always follows the same neighbour. Each case is checked with one request and warmed up first.
 */
export async function measureCases(context: Context, cases: readonly HttpCase[]): Promise<CaseSummary[]> {
  const { mode } = context;
  for (const testCase of cases) {
    testCase.beforeRun?.(-1);
    await preflight(testCase);
    if (!testCase.noWarmup) {
      await runLoad(testCase.server.url, testCase.spec, {
        seconds: mode.warmupSeconds,
        maxRequests: Math.min(mode.maxRequests, testCase.limits?.maxRequests ?? mode.maxRequests),
      });
      // Let the warmup's last requests finish before the next case's preflight (they may share a database file).
      await new Promise((resolve) => setTimeout(resolve, mode.settleMs + 100));
    }
  }
  const runs = cases.map(() => [] as CaseRun[]);
  for (let run = 0; run < mode.runs; run += 1) {
    for (let step = 0; step < cases.length; step += 1) {
      const index = (run + step) % cases.length;
      const testCase = cases[index];
      testCase.beforeRun?.(run);
      const limits: LoadLimits = { seconds: testCase.limits?.seconds ?? mode.seconds, maxRequests: testCase.limits?.maxRequests ?? mode.maxRequests };
      const result = await measure(testCase, limits, mode.settleMs, run);
      runs[index].push(result);
      context.log(
        `  run ${run + 1}/${mode.runs} ${testCase.label.padEnd(24)} ${result.rps.toFixed(0).padStart(7)} rps  p50 ${result.p50.toFixed(2)} ms  p99 ${result.p99.toFixed(2)} ms  non-2xx ${result.non2xx}  rss ${result.rssPeakMB.toFixed(0)} MB  cpu server ${result.serverCpuPct.toFixed(0)}% (${result.cpuUsPerRequest.toFixed(0)} us/req) load ${result.loadCpuPct.toFixed(0)}%`,
      );
    }
  }
  return cases.map((testCase, index) => summarise(testCase, runs[index]));
}

export function ratios(summaries: readonly CaseSummary[]): Ratio[] {
  const references = summaries.filter((summary) => summary.role === 'reference');
  const subjects = summaries.filter((summary) => summary.role === 'subject');
  return subjects.flatMap((subject) =>
    references.map((reference) => ({
      subject: subject.label,
      reference: reference.label,
      rps: round(subject.rps.median / reference.rps.median, 3),
      p50: round(subject.p50.median / reference.p50.median, 3),
      cpu: round(reference.cpuUsPerRequest.median / subject.cpuUsPerRequest.median, 3),
    })),
  );
}

export function find(summaries: readonly CaseSummary[], label: string): CaseSummary {
  const found = summaries.find((summary) => summary.label === label);
  if (!found) throw new Error(`no case ${label}`);
  return found;
}

export function check(id: string, description: string, target: string, measured: string, pass: boolean): Check {
  return { id, description, target, measured, pass };
}

/** Counts of requests answered, for "no errors" style checks. */
export function failures(summary: CaseSummary): number {
  return summary.non2xx + summary.errors;
}
