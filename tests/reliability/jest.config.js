// The reliability gates (issue 8): the storage-backed gates on SQLite and on PostgreSQL, like the
// integration suites, but matched as *.gate.ts so the main jest run leaves them to scripts/run-reliability.ts.
const path = require('node:path');
const { projects } = require('../../jest.config.js');

const { transform, transformIgnorePatterns } = projects[0];
const rootDir = path.resolve(__dirname, '..', '..');

function gateProject(database) {
  return {
    displayName: `reliability-${database}`,
    rootDir,
    transform,
    transformIgnorePatterns,
    testEnvironment: 'node',
    testMatch: [process.env.RELIABILITY_GATE_FILE ?? '<rootDir>/tests/reliability/**/*.gate.ts'],
    setupFiles: [`<rootDir>/tests/support/use-${database}.ts`],
  };
}

module.exports = {
  rootDir,
  // A --full gate provisions thousands of resources and kills servers twenty times.
  testTimeout: 3_600_000,
  // scripts/run-reliability.ts runs each gate file on each database in a jest process of its own.
  projects: (process.env.RELIABILITY_DATABASE ? [process.env.RELIABILITY_DATABASE] : ['sqlite', 'postgresql']).map(gateProject),
};
