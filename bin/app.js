#!/usr/bin/env node
/**
 * What `cdk synth` runs (cdk.json): the app, bin/zero-to-millions.ts, compiled once per change of its
 * sources by the local esbuild (bin/compiled.js), then run as plain JavaScript. Through a TypeScript
 * loader the same synth costs about 1.5 CPU-seconds more (`npm run bench` shows both).
 */
const { join } = require('node:path');
const { compiled } = require('./compiled');

// Every directory its imports can reach (lib/ imports lambda/shared/): a change to any of them compiles again.
require(compiled(join(__dirname, '..'), 'bin/zero-to-millions.ts', ['bin/zero-to-millions.ts', 'lib', 'lambda'], 'app'));
