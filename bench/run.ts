/**
 * `npm run bench` runs every benchmark; `npm run bench -- s1 s3` the named ones; `--smoke` uses tiny
 * sizes and short runs (proves the harness works; CI). Other options:
 *   --runs=N          measured runs per case (default 3)
 *   --seconds=N       seconds of load per measured run (default 8; smoke 0.5)
 *   --large=N         users in S3's large tenant (default 1,000,000; smoke 5,000)
 *   --pages=N         users paged through in S4 (default 1,000,000; smoke 5,000)
 *   --sync-users=N   users in the initial sync (default 100,000; groups, memberships scale with it)
 *   --sync-paths=L   initial-sync paths to run, comma-separated among i1,i4,i2 (default all)
 *   --profile         write a V8 CPU profile of each measured hub run to bench/profiles/<time>/ (not committed);
 *                     summarise one with `node -r @swc-node/register bench/tools/profile-summary.ts <file>`
 * Results: bench/results/latest.json and latest.md (latest run only; smoke runs write bench/results/smoke/,
 * which is not committed). BENCH_S8_SECONDS sets the length of S8's steady phase (default 600; smoke 3). BENCH_COMMIT names the commit measured when running from an exported tree. BENCH_LOG_LEVEL sets the hub's
 * LOG_LEVEL (default info, as deployed; the log goes to /dev/null).
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { createContext, FULL_MODE, SMOKE_MODE, type BenchmarkResult, type Mode } from './lib/harness';
import { formatBenchmark, writeResults, type RunReport } from './lib/report';
import { PROJECT_ROOT, stopAllServers } from './lib/servers';
import { SCIM_BENCHMARKS } from './benchmarks/scim';
import { runO1 } from './benchmarks/o1';
import { runMappingLifecycle } from './benchmarks/mapping-lifecycle';
import { runInitialSync } from './benchmarks/initial-sync';
import { runGraphql } from './benchmarks/graphql';
import { runMixedLoad, runMixedLoadOnPostgres } from './benchmarks/mixed-load';
import { runPostgres } from './benchmarks/postgres';
import { runPeers } from './benchmarks/peers';
import { runConsole } from './benchmarks/console';
import type { Sizes } from './benchmarks/datasets';

/** Full runs write bench/results/latest.*; smoke runs (CI) write bench/results/smoke/ (not committed), so they never replace a full run's figures. */
function resultsDirectory(mode: Mode): string {
  return path.join(PROJECT_ROOT, 'bench', 'results', ...(mode.smoke ? ['smoke'] : []));
}

interface Arguments {
  names: string[];
  mode: Mode;
  sizes: { -readonly [K in keyof Sizes]?: Sizes[K] };
}

function parseArguments(argv: readonly string[]): Arguments {
  const smoke = argv.includes('--smoke');
  let mode: Mode = smoke ? SMOKE_MODE : FULL_MODE;
  const sizes: Arguments['sizes'] = {};
  const names: string[] = [];
  for (const argument of argv) {
    const [flag, value] = argument.split('=');
    const number = Number(value);
    if (flag === '--smoke') continue;
    if (flag === '--profile') {
      const directory = path.join(PROJECT_ROOT, 'bench', 'profiles', new Date().toISOString().replace(/[:.]/g, '-'));
      process.env.BENCH_PROFILE_DIR = directory;
      continue;
    }
    if (flag === '--runs' && number >= 1 && number <= 10) mode = { ...mode, runs: Math.floor(number) };
    else if (flag === '--seconds' && number > 0 && number <= 60) mode = { ...mode, seconds: number };
    else if (flag === '--large' && number >= 1000) sizes.s3Large = Math.floor(number);
    else if (flag === '--pages' && number >= 1000) sizes.s4Users = Math.floor(number);
    else if (flag === '--sync-users' && number >= 100) sizes.syncUsers = Math.floor(number);
    else if (flag === '--sync-paths' && value && value.split(',').every((item) => ['i1', 'i4', 'i2'].includes(item))) sizes.syncPaths = value.split(',');
    else if (!flag.startsWith('--')) names.push(flag.toLowerCase());
    else throw new Error(`unknown or out-of-range option ${argument}`);
  }
  return { names, mode, sizes };
}

interface Runnable {
  name: string;
  title: string;
  run: (context: ReturnType<typeof createContext>, sizes: Partial<Sizes>) => Promise<Omit<BenchmarkResult, 'name' | 'title' | 'seconds'>>;
}

const ALL: Runnable[] = [
  ...SCIM_BENCHMARKS.map((benchmark) => ({ name: benchmark.name, title: benchmark.title, run: benchmark.run.bind(benchmark) })),
  { name: 'o1', title: 'O1 repository hot paths vs raw prepared statements (in-process)', run: runO1 },
  { name: 'mapping-lifecycle', title: 'ML impact diff and re-apply jobs over 100k stored users (in-process)', run: runMappingLifecycle },
  { name: 'initial-sync', title: 'I1/I4/I2 initial sync: over HTTP on SQLite and PostgreSQL, and through the import command', run: runInitialSync },
  { name: 'graphql', title: 'G1 G2 G4 GraphQL through the real stack vs hello and raw graphql-js', run: (context) => runGraphql(context) },
  { name: 'p1', title: 'P1 PostgreSQL vs SQLite: POST /Users and one-member group PATCH, round trips and CPU per request', run: (context) => runPostgres(context) },
  { name: 'peers', title: 'PEER the hub beside scimgateway and Jackson (BENCH_PEERS_DIR, prepared outside the repository)', run: (context) => runPeers(context) },
  { name: 's8', title: 'S8 Entra-like mixed load (lookup, POST, group PATCH per new user), then overload', run: (context) => runMixedLoad(context) },
  { name: 's8pg', title: 'S8-PG the same mixed load with the hub on PostgreSQL', run: (context) => runMixedLoadOnPostgres(context) },
  { name: 'console', title: 'C1-C4 admin console: first-load JavaScript, users page and every page in Chromium at 100k users', run: (context) => runConsole(context) },
];

/** The commit measured (BENCH_COMMIT when running from an exported tree), plus whether src/ had local changes. */
function commit(): string | null {
  if (process.env.BENCH_COMMIT) return process.env.BENCH_COMMIT;
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: PROJECT_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'migrations'], { cwd: PROJECT_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return dirty ? `${head} + uncommitted changes in src/ or migrations/` : head;
  } catch {
    return null;
  }
}

async function main(): Promise<number> {
  const args = parseArguments(process.argv.slice(2));
  const unknown = args.names.filter((name) => !ALL.some((benchmark) => benchmark.name === name));
  if (unknown.length > 0) throw new Error(`unknown benchmark ${unknown.join(', ')}; known: ${ALL.map((benchmark) => benchmark.name).join(', ')}`);
  const selected = args.names.length === 0 ? ALL : ALL.filter((benchmark) => args.names.includes(benchmark.name));
  const context = createContext(args.mode, (message) => console.log(message));
  activeContext = context;
  // A hard stop for the whole run: nothing here may run forever. Every full benchmark, S8 and S8-PG at their 600 s, takes about 70 minutes on a 2-core machine.
  const budgetMinutes = args.mode.smoke ? 5 : 90;
  const watchdog = setTimeout(() => {
    console.error(`bench: gave up after ${budgetMinutes} minutes`);
    void stopAllServers().finally(() => {
      context.dispose();
      process.exit(2);
    });
  }, budgetMinutes * 60_000);
  watchdog.unref();
  const startedAt = new Date().toISOString();
  const results: BenchmarkResult[] = [];
  console.log(`bench: ${args.mode.smoke ? 'smoke' : 'full'} mode, ${selected.map((benchmark) => benchmark.name).join(' ')}; scratch ${context.workDir}`);
  try {
    for (const benchmark of selected) {
      console.log(`\n-- ${benchmark.title}`);
      const measured = { startedAt: new Date().toISOString(), commit: commit() };
      const started = performance.now();
      const loadBefore = os.loadavg()[0];
      let result: BenchmarkResult;
      try {
        const outcome = await benchmark.run(context, args.sizes);
        result = { name: benchmark.name, title: benchmark.title, ...outcome, seconds: (performance.now() - started) / 1000, measured };
      } catch (error) {
        console.error(error);
        result = { name: benchmark.name, title: benchmark.title, cases: [], ratios: [], checks: [], seeding: [], notes: [], seconds: (performance.now() - started) / 1000, measured, error: error instanceof Error ? error.message : String(error) };
      }
      result.loadAverage = { before: Math.round(loadBefore * 100) / 100, after: Math.round(os.loadavg()[0] * 100) / 100 };
      results.push(result);
      console.log(`\n${formatBenchmark(result)}`);
    }
  } finally {
    await stopAllServers();
    context.dispose();
    clearTimeout(watchdog);
  }
  const report: RunReport = {
    startedAt,
    finishedAt: new Date().toISOString(),
    mode: args.mode.smoke ? 'smoke' : 'full',
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', memoryGB: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.platform()} ${os.release()}` },
    commit: commit(),
    settings: { ...args.mode, sizes: args.sizes, hubLogLevel: process.env.BENCH_LOG_LEVEL ?? 'info' },
    benchmarks: results,
  };
  const directory = resultsDirectory(args.mode);
  writeResults(directory, report, ALL.map((benchmark) => benchmark.name));
  const checks = results.flatMap((result) => result.checks);
  const errors = results.filter((result) => result.error);
  console.log(`\n${checks.filter((item) => item.pass).length} targets met, ${checks.filter((item) => !item.pass).length} not met, ${errors.length} benchmarks failed to run`);
  console.log(`results: ${path.relative(process.cwd(), path.join(directory, 'latest.md'))}, latest.json`);
  // Timings never fail the command (targets are reported, not asserted); a harness error does.
  return errors.length > 0 ? 1 : 0;
}

let activeContext: { dispose(): void } | undefined;

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void stopAllServers().finally(() => {
      activeContext?.dispose();
      process.exit(130);
    });
  });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    void stopAllServers().finally(() => process.exit(1));
  },
);
