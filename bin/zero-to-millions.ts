#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { buildApp } from '../lib/app';
import { ConfigError } from '../lib/config';
import { announceNodeVersion } from '../lib/node-version';

announceNodeVersion();

const app = new App();
try {
  buildApp(app, { validation: true });
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  // A configuration problem is the user's to fix: the message says what, without a stack trace.
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
app.synth();
