/**
 * `npm run test:reliability [-- --full [--pg-restart]]`: runs the reliability gates (tests/reliability, issue 8) on
 * SQLite and PostgreSQL and prints one table row per gate and database with its measured figure and
 * PASS/FAIL. Reduced counts by default (CI and `npm test`), the large counts with --full. Writes the
 * totals to .test-output/reliability/summary.json for scripts/run-tests.js. Extra arguments go to jest.
 * Each gate file runs on each database in a jest process of its own, one after another: a gate that
 * measures latency from the test process is not slowed by the heap, timers and servers the gates before
 * it left behind.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

interface AssertionResult {
  readonly title: string;
  readonly fullName: string;
  readonly status: string;
  readonly duration?: number | null;
  readonly failureMessages: string[];
}
interface JestReport {
  readonly testResults: { readonly name: string; readonly status: string; readonly message: string; readonly assertionResults: AssertionResult[] }[];
}
interface Figure {
  readonly test: string;
  readonly database: string;
  readonly figure: string;
  readonly withinBudget: boolean;
}

const root = path.resolve(__dirname, '..');
const output = path.join(root, '.test-output', 'reliability');
const figuresDirectory = path.join(output, 'figures');
const summaryFile = path.join(output, 'summary.json');

const args = process.argv.slice(2);
const full = args.includes('--full');
// Restarting PostgreSQL cuts every session on the cluster: opt-in, and only with --full.
const pgRestart = full && args.includes('--pg-restart');
const jestArgs = args.filter((arg) => arg !== '--full' && arg !== '--pg-restart');
const mode = full ? 'full' : 'reduced';

rmSync(output, { recursive: true, force: true });
mkdirSync(figuresDirectory, { recursive: true });

const started = Date.now();
const jestCommand = [require.resolve('jest/bin/jest'), '--config', path.join(root, 'tests', 'reliability', 'jest.config.js')];
const gateEnv = (database: string, file?: string) => ({
  ...process.env,
  RELIABILITY_DATABASE: database,
  ...(file ? { RELIABILITY_GATE_FILE: file } : {}),
  RELIABILITY_MODE: mode,
  RELIABILITY_FIGURES_DIR: figuresDirectory,
  RELIABILITY_PG_RESTART: pgRestart ? '1' : '0',
});
// The gate files jest's arguments select, per database (a database whose project the arguments leave out lists none).
const gates = ['sqlite', 'postgresql'].flatMap((database) => {
  const listed = spawnSync(process.execPath, [...jestCommand, '--listTests', '--json', ...jestArgs], { cwd: root, encoding: 'utf8', env: gateEnv(database) });
  if (listed.status !== 0) return [];
  return (JSON.parse(listed.stdout) as string[]).sort().map((file) => ({ database, file }));
});
const runs = gates.map(({ database, file }, index) => {
  const report = path.join(output, `jest-${index}.json`);
  const jest = spawnSync(process.execPath, [...jestCommand, '--runInBand', '--json', `--outputFile=${report}`, ...jestArgs], { cwd: root, stdio: 'inherit', env: gateEnv(database, file) });
  return { report, status: jest.status };
});

const figures = new Map<string, Figure>();
for (const file of readdirSync(figuresDirectory)) {
  const figure = JSON.parse(readFileSync(path.join(figuresDirectory, file), 'utf8')) as Figure;
  figures.set(`${figure.database}\u0000${figure.test}`, figure);
}

interface Row {
  readonly gate: string;
  readonly database: string;
  readonly figure: string;
  readonly pass: boolean;
  readonly skipped?: boolean;
}
const rows: Row[] = [];
let failedSuites = 0;
/** A jest run that wrote no report (or no gate file found) has no rows: counted so the table cannot read green. */
let missingReports = gates.length === 0 ? 1 : 0;
for (const run of runs) {
  if (!existsSync(run.report)) {
    missingReports += 1;
    continue;
  }
  const report = JSON.parse(readFileSync(run.report, 'utf8')) as JestReport;
  for (const suite of report.testResults) {
    // A suite that fails to load has no tests of its own; count it so the table cannot read green.
    if (suite.status === 'failed' && suite.assertionResults.length === 0) {
      failedSuites += 1;
      rows.push({ gate: path.basename(suite.name), database: '-', figure: suite.message.split('\n').find((line) => line.trim()) ?? 'failed to load', pass: false });
    }
    for (const result of suite.assertionResults) {
      const database = /on (sqlite|postgresql)\b/.exec(result.fullName)?.[1] ?? '-';
      if (result.status === 'pending' || result.status === 'skipped' || result.status === 'todo') {
        rows.push({ gate: result.title, database, figure: 'not run in this mode', pass: true, skipped: true });
        continue;
      }
      const recorded = figures.get(`${database}\u0000${result.fullName}`);
      const figure = recorded?.figure;
      const failure = result.failureMessages[0]?.split('\n').find((line) => line.trim())?.trim();
      rows.push({
        gate: result.title,
        database,
        figure: result.status === 'passed' ? (figure ?? 'no figure recorded') : `${figure ? `${figure}; ` : ''}${failure ?? 'failed'}`,
        pass: result.status === 'passed' && recorded !== undefined && recorded.withinBudget,
      });
    }
  }
}

const gateWidth = Math.min(70, Math.max(4, ...rows.map((row) => row.gate.length)));
const line = (gate: string, database: string, verdict: string, figure: string) => `${gate.padEnd(gateWidth).slice(0, gateWidth)}  ${database.padEnd(10)}  ${verdict.padEnd(4)}  ${figure}`;
console.log(`\nReliability gates (${mode} mode, ${Math.round((Date.now() - started) / 1000)} s)`);
console.log(line('Gate', 'Database', '', 'Figure'));
console.log(line('-'.repeat(gateWidth), '-'.repeat(10), '----', '-'.repeat(40)));
for (const row of rows) console.log(line(row.gate, row.database, row.skipped ? 'SKIP' : row.pass ? 'PASS' : 'FAIL', row.figure));

const passed = rows.filter((row) => row.pass && !row.skipped).length;
const failed = rows.filter((row) => !row.pass).length + missingReports;
writeFileSync(summaryFile, JSON.stringify({ mode, passed, failed, rows }, null, 2));
console.log(`${passed} gates passed, ${failed} failed, ${rows.filter((row) => row.skipped).length} not run in this mode`);
process.exit(runs.every((run) => run.status === 0) && failed === 0 && failedSuites === 0 ? 0 : 1);
