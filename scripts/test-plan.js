// What `npm test` can run here, and how it reports what it could not: a suite whose tool or service is
// missing is listed as skipped (never counted as passed); under CI=true each one is a failure.
const net = require('node:net');

/** True when a TCP connection to the PostgreSQL of TEST_POSTGRES_URL opens within `timeoutMs`. */
function postgresReachable(url, timeoutMs = 2000) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port || 5432) });
    const done = (reachable) => {
      socket.destroy();
      resolve(reachable);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * The suites to run given what is available: `{ jestProjects, jestIgnore, runConformance, runReliability, skipped }`,
 * `skipped` naming each suite left out and why. `missingAreFailures` is true under CI.
 */
function planSuites({ postgres, newman, chromium, ci }) {
  const skipped = [];
  const jestIgnore = [];
  if (!chromium.available) {
    jestIgnore.push('<rootDir>/tests/e2e/');
    skipped.push(`console browser tests (tests/e2e): no Chromium at ${chromium.where} (apt-get install chromium, or set CHROMIUM_PATH)`);
  }
  const jestProjects = ['unit', 'integration-sqlite'];
  if (postgres.reachable) jestProjects.push('integration-postgresql');
  else skipped.push(`integration-postgresql: PostgreSQL not reachable at ${postgres.where} (set TEST_POSTGRES_URL)`);
  if (!newman) skipped.push('conformance (Microsoft SCIM collection): newman is not installed (npm install)');
  // The reliability gates run on both databases.
  if (!postgres.reachable) skipped.push('reliability gates: they need PostgreSQL as well as SQLite');
  return { jestProjects, jestIgnore, runConformance: newman, runReliability: postgres.reachable, skipped, missingAreFailures: ci };
}

/** The closing lines: skipped suites and tests, then (always last) `N passed, N failed`. */
function summaryLines({ passed, failed, skippedSuites, skippedTests }) {
  const lines = skippedSuites.map((reason) => `skipped: ${reason}`);
  lines.push(`${skippedSuites.length} suite(s) skipped, ${skippedTests} test(s) skipped`);
  lines.push(`${passed} passed, ${failed} failed`);
  return lines;
}

function isCi(env) {
  return /^(true|1)$/i.test(env.CI ?? '');
}

module.exports = { postgresReachable, planSuites, summaryLines, isCi };
