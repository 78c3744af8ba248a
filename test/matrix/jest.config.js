// npm run test:matrix: the heavy part of the checks, beside `npm test`. Every option combination
// synthesized with CloudFormation validation, cdk-nag and the invariants on; fuzzed configurations
// synthesized through all of them; live configuration changes that must replace no data.
// Two workers, each compiling CloudFormation validation once and sharing it across its files.
const base = require('../../package.json').jest;

module.exports = {
  ...base,
  rootDir: '../..',
  roots: ['<rootDir>/test/matrix'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  globalSetup: undefined,
  globalTeardown: undefined,
  snapshotSerializers: [],
  maxWorkers: 2,
  testTimeout: 600_000,
  // Jest reports a file only when it is done, minutes in: this says what is running meanwhile (stderr).
  reporters: ['default', '<rootDir>/test/matrix/progress-reporter.js'],
};
