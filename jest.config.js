/** @type {import('jest').Config} */
const tsJest = ['ts-jest', { tsconfig: '<rootDir>/tests/tsconfig.json' }];

module.exports = {
  testTimeout: 120000,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      rootDir: __dirname,
      testMatch: ['<rootDir>/tests/unit/**/*.test.ts'],
      transform: { '^.+\\.tsx?$': tsJest },
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      rootDir: __dirname,
      testMatch: ['<rootDir>/tests/integration/**/*.test.ts'],
      transform: { '^.+\\.tsx?$': tsJest },
      globalSetup: '<rootDir>/tests/helpers/global-setup.js',
      testTimeout: 120000,
      modulePathIgnorePatterns: ['<rootDir>/dist/'],
    },
    {
      // attacker-style cases against the running app (tests/security, docs/security.md)
      displayName: 'security',
      testEnvironment: 'node',
      rootDir: __dirname,
      testMatch: ['<rootDir>/tests/security/**/*.test.ts'],
      transform: { '^.+\\.tsx?$': tsJest },
      globalSetup: '<rootDir>/tests/helpers/global-setup.js',
      testTimeout: 60000,
      modulePathIgnorePatterns: ['<rootDir>/dist/'],
    },
    {
      // two Strapi nodes as child processes on one PostgreSQL and one Redis (TEST_DB=postgres)
      displayName: 'multinode',
      testEnvironment: 'node',
      rootDir: __dirname,
      testMatch: ['<rootDir>/tests/multinode/**/*.test.ts'],
      transform: { '^.+\\.tsx?$': tsJest },
      globalSetup: '<rootDir>/tests/helpers/global-setup.js',
      testTimeout: 120000,
      modulePathIgnorePatterns: ['<rootDir>/dist/'],
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      rootDir: __dirname,
      testMatch: ['<rootDir>/tests/e2e/**/*.e2e.test.ts'],
      transform: { '^.+\\.tsx?$': tsJest },
      globalSetup: '<rootDir>/tests/helpers/global-setup.js',
      modulePathIgnorePatterns: ['<rootDir>/dist/'],
    },
    {
      // one process kill or service restart per case (tests/faults, docs/operations.md): run
      // --runInBand, after every other stage; private PostgreSQL and Redis instances where the
      // fault is theirs
      displayName: 'faults',
      testEnvironment: 'node',
      rootDir: __dirname,
      testMatch: ['<rootDir>/tests/faults/**/*.test.ts'],
      transform: { '^.+\\.tsx?$': tsJest },
      globalSetup: '<rootDir>/tests/helpers/global-setup.js',
      testTimeout: 180000,
      modulePathIgnorePatterns: ['<rootDir>/dist/'],
    },
    {
      displayName: 'smoke',
      testEnvironment: 'node',
      rootDir: __dirname,
      testMatch: ['<rootDir>/tests/smoke/**/*.test.ts'],
      transform: { '^.+\\.tsx?$': tsJest },
      testTimeout: 600000,
    },
  ],
};
