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
};

const storageSuites = ['<rootDir>/tests/integration/**/*.test.ts', '<rootDir>/tests/acceptance/**/*.test.ts'];

function storageProject(database) {
  return {
    displayName: `integration-${database}`,
    transform,
    testEnvironment: 'node',
    testMatch: storageSuites,
    setupFiles: [`<rootDir>/tests/support/use-${database}.ts`],
  };
}

module.exports = {
  // Storage suites start servers, processes and scratch databases: one test may take several seconds.
  testTimeout: 120_000,
  projects: [
    { displayName: 'unit', transform, testEnvironment: 'node', testMatch: ['<rootDir>/tests/unit/**/*.test.ts'] },
    storageProject('sqlite'),
    storageProject('postgresql'),
  ],
};
