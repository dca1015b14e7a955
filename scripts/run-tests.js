#!/usr/bin/env node
// `npm test`: the type check (swc runs the tests without one; strict types are part of the contract), the unit tests, the storage-backed suites on SQLite and on PostgreSQL (one jest run with
// three projects), the Microsoft SCIM collection against a fresh server, then the reliability gates
// in reduced mode (scripts/run-reliability.ts, one row per gate and database), then the benchmark harness
// in smoke mode (tiny sizes; one row per benchmark that ran; timings are reported, never asserted). Ends with the line
// `N passed, N failed` over everything that ran; before it, the suites it could not run here (skipped, not
// passed; under CI=true each is a failure) and the count of skipped tests.
const { spawnSync } = require('node:child_process');
const { postgresReachable, planSuites, summaryLines, isCi } = require('./test-plan');
const { mkdirSync, readFileSync, existsSync, rmSync } = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const output = path.join(root, '.test-output');
mkdirSync(output, { recursive: true });
const jestReport = path.join(output, 'jest.json');
const conformanceReport = path.join(output, 'conformance.json');
const reliabilitySummary = path.join(output, 'reliability', 'summary.json');
const benchSmokeReport = path.join(root, 'bench', 'results', 'smoke', 'latest.json');
for (const file of [jestReport, conformanceReport, reliabilitySummary, benchSmokeReport]) rmSync(file, { force: true });

async function main() {
  const postgresUrl = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  const plan = planSuites({
    postgres: { reachable: await postgresReachable(postgresUrl), where: new URL(postgresUrl).host },
    newman: (() => {
      try {
        require.resolve('newman');
        return true;
      } catch {
        return false;
      }
    })(),
    chromium: { available: existsSync(chromiumPath), where: chromiumPath },
    ci: isCi(process.env),
  });
  let skippedTests = 0;

  const typecheck = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '--noEmit', '-p', root], { cwd: root, stdio: 'inherit' });
  // The console's browser code has its own tsconfig (DOM, JSX): checked as strictly.
  const consoleTypecheck = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '--noEmit', '-p', path.join(root, 'console')], { cwd: root, stdio: 'inherit' });
  let passed = (typecheck.status === 0 ? 1 : 0) + (consoleTypecheck.status === 0 ? 1 : 0);
  let failed = (typecheck.status === 0 ? 0 : 1) + (consoleTypecheck.status === 0 ? 0 : 1);

  const extraArgs = process.argv.slice(2);
  // Paths first: --testPathIgnorePatterns and --selectProjects take every value up to the next option.
  const jest = spawnSync(
    process.execPath,
    [require.resolve('jest/bin/jest'), '--json', `--outputFile=${jestReport}`, ...extraArgs, ...(plan.jestIgnore.length > 0 ? ['--testPathIgnorePatterns', ...plan.jestIgnore] : []), '--selectProjects', ...plan.jestProjects],
    { cwd: root, stdio: 'inherit' },
  );

  if (existsSync(jestReport)) {
    const report = JSON.parse(readFileSync(jestReport, 'utf8'));
    passed += report.numPassedTests;
    failed += report.numFailedTests;
    skippedTests += report.numPendingTests + report.numTodoTests;
    // A suite that fails to load has no failed tests of its own; count it so the line cannot read green.
    failed += report.testResults.filter((suite) => suite.status === 'failed' && suite.assertionResults.length === 0).length;
  } else {
    failed += 1;
  }

  // A suite left out (listed as skipped at the end) exits as if it passed nothing and failed nothing.
  const notRun = { status: 0 };
  const conformance = plan.runConformance
    ? spawnSync(process.execPath, ['-r', '@swc-node/register', path.join(root, 'tests', 'conformance', 'run-microsoft-collection.ts')], { cwd: root, stdio: 'inherit' })
    : notRun;
  if (plan.runConformance && existsSync(conformanceReport)) {
    const summary = JSON.parse(readFileSync(conformanceReport, 'utf8'));
    passed += summary.passed;
    failed += summary.failed;
  } else if (conformance.status !== 0) {
    failed += 1;
  }

  const reliability = plan.runReliability ? spawnSync(process.execPath, ['-r', '@swc-node/register', path.join(root, 'scripts', 'run-reliability.ts')], { cwd: root, stdio: 'inherit' }) : notRun;
  if (plan.runReliability && existsSync(reliabilitySummary)) {
    const summary = JSON.parse(readFileSync(reliabilitySummary, 'utf8'));
    passed += summary.passed;
    failed += summary.failed;
  } else if (plan.runReliability) {
    failed += 1;
  }

  const benchSmoke = spawnSync(process.execPath, ['-r', '@swc-node/register', path.join(root, 'bench', 'run.ts'), '--smoke'], { cwd: root, stdio: 'inherit' });
  if (existsSync(benchSmokeReport)) {
    const report = JSON.parse(readFileSync(benchSmokeReport, 'utf8'));
    // A benchmark passes the smoke run when it ran; one without targets here (PEER without prepared peers) still ran.
    const ran = report.benchmarks.filter((benchmark) => !benchmark.error).length;
    passed += ran;
    failed += report.benchmarks.length - ran;
  } else {
    failed += 1;
  }

  if (plan.missingAreFailures) failed += plan.skipped.length;
  const ok = jest.status === 0 && conformance.status === 0 && reliability.status === 0 && benchSmoke.status === 0 && failed === 0;
  for (const line of summaryLines({ passed, failed, skippedSuites: plan.skipped, skippedTests })) console.log(line);
  process.exit(ok ? 0 : 1);
}

main().catch((error) => {
  console.error(error);
  console.log('0 passed, 1 failed');
  process.exit(1);
});
