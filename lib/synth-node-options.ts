/**
 * Node.js options for a process that synthesizes and then ends (`cdk synth`, the test builders):
 * CloudFormation validation is a 9 MB WebAssembly module that such a process compiles and runs once,
 * for seconds. Compiled by the baseline compiler only, on the main thread, it costs about half the
 * CPU time (`npm run bench` shows both); optimising it would pay off only in a long-lived process.
 *
 * A module of its own, without aws-cdk-lib, so the test suite's setup and test files can read it
 * without loading the CDK (lib/synth.ts loads all of it).
 */
export const SYNTH_NODE_OPTIONS = ['--liftoff-only', '--single-threaded'];
