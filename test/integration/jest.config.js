// npm run test:integration: the service against real engines (PostgreSQL, Redis, dynalite) on loopback.
const base = require('../../package.json').jest;

module.exports = {
  ...base,
  rootDir: '../..',
  roots: ['<rootDir>/test/integration'],
  testMatch: ['**/*.itest.ts'],
  snapshotSerializers: [],
  // The unit suite's synth cache and its builders are not this suite's.
  globalSetup: undefined,
  globalTeardown: undefined,
  testPathIgnorePatterns: ['/node_modules/'],
  maxWorkers: 1,
  testTimeout: 60_000,
  // The developer machine's Node is older than the SDK's next floor; the service runs on its own runtime.
  setupFiles: ['<rootDir>/test/integration/setup-env.js'],
};
