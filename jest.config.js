// One run covers the pure unit tests once and the storage-backed suites twice: on SQLite and on PostgreSQL.
const transform = {
  '^.+\\.ts$': [
    '@swc/jest',
    {
      jsc: {
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true },
        target: 'es2022',
      },
      module: { type: 'commonjs' },
    },
  ],
  // jose 6 and openid-client 6 (with oauth4webapi) ship only ES modules; Node 20 loads them with require(esm), jest's module registry does not.
  '/node_modules/(jose|openid-client|oauth4webapi)/.+\\.js$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
};
// Everything in node_modules runs as shipped, except the ES-module-only packages (see their transform above).
const transformIgnorePatterns = ['/node_modules/(?!(jose|openid-client|oauth4webapi)/)'];

// tests/e2e drive the console in headless Chromium against the real hub, so they run on both databases too.
const storageSuites = ['<rootDir>/tests/integration/**/*.test.ts', '<rootDir>/tests/acceptance/**/*.test.ts', '<rootDir>/tests/e2e/**/*.test.ts'];

function storageProject(database) {
  return {
    displayName: `integration-${database}`,
    transform,
    transformIgnorePatterns,
    testEnvironment: 'node',
    testMatch: storageSuites,
    setupFiles: [`<rootDir>/tests/support/use-${database}.ts`],
  };
}

module.exports = {
  // Storage suites start servers, processes and scratch databases: one test may take several seconds.
  testTimeout: 120_000,
  // The suites mostly wait on servers, databases and the browser: jest's default of cores - 1 (one worker
  // on two cores) ran them one after another (38 min of jest on a loaded 2-core box, 14 min with two).
  maxWorkers: Math.max(2, require('node:os').availableParallelism() - 1),
  projects: [
    { displayName: 'unit', transform, transformIgnorePatterns, testEnvironment: 'node', testMatch: ['<rootDir>/tests/unit/**/*.test.ts'] },
    storageProject('sqlite'),
    storageProject('postgresql'),
  ],
};
