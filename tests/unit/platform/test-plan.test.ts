import { createServer } from 'node:net';
// The test runner's own logic (scripts/test-plan.js, plain CommonJS like run-tests.js).
const { planSuites, summaryLines, isCi, postgresReachable } = require('../../../scripts/test-plan');

describe('npm test plan', () => {
  const available = { postgres: { reachable: true, where: '127.0.0.1:5432' }, newman: true, chromium: { available: true, where: '/usr/bin/chromium' }, ci: false };

  it('runs every suite when PostgreSQL and newman are there', () => {
    expect(planSuites(available)).toEqual({ jestProjects: ['unit', 'integration-sqlite', 'integration-postgresql'], jestIgnore: [], runConformance: true, runReliability: true, skipped: [], missingAreFailures: false });
  });

  it('lists what it cannot run as skipped, and under CI those count as failures', () => {
    const plan = planSuites({ postgres: { reachable: false, where: 'db:5432' }, newman: false, chromium: { available: false, where: '/opt/chromium' }, ci: true });
    expect(plan.jestProjects).toEqual(['unit', 'integration-sqlite']);
    expect(plan.jestIgnore).toEqual(['<rootDir>/tests/e2e/']);
    expect(plan.runConformance).toBe(false);
    expect(plan.runReliability).toBe(false);
    expect(plan.skipped).toEqual([expect.stringContaining('no Chromium at /opt/chromium'), expect.stringContaining('integration-postgresql: PostgreSQL not reachable at db:5432'), expect.stringContaining('newman'), expect.stringContaining('reliability')]);
    expect(plan.missingAreFailures).toBe(true);
  });

  it('ends with exactly "N passed, N failed"; skipped suites and tests come on the lines before', () => {
    const lines = summaryLines({ passed: 12, failed: 1, skippedSuites: ['conformance: newman is not installed'], skippedTests: 2 });
    expect(lines).toEqual(['skipped: conformance: newman is not installed', '1 suite(s) skipped, 2 test(s) skipped', '12 passed, 1 failed']);
    expect(lines.at(-1)).toMatch(/^\d+ passed, \d+ failed$/);
  });

  it('reads CI=true or 1 as CI', () => {
    expect([isCi({ CI: 'true' }), isCi({ CI: '1' }), isCi({}), isCi({ CI: 'false' })]).toEqual([true, true, false, false]);
  });

  it('probes PostgreSQL by opening a TCP connection', async () => {
    const server = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const port = (server.address() as { port: number }).port;
    expect(await postgresReachable(`postgres://x@127.0.0.1:${port}/db`)).toBe(true);
    await new Promise((resolve) => server.close(resolve));
    expect(await postgresReachable(`postgres://x@127.0.0.1:${port}/db`, 500)).toBe(false);
  });
});
