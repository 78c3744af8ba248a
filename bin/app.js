#!/usr/bin/env node
/**
 * What `cdk synth` runs (cdk.json): the app, bin/zero-to-millions.ts, compiled by the local esbuild
 * into one CommonJS file and cached by the hash of its sources, then run. A TypeScript loader would
 * compile the same files on every synth and intercept each of the CDK's thousand modules as they
 * load; this compiles once per change of the sources (about 0.1 s) and then loads plain JavaScript.
 */
const { createHash } = require('node:crypto');
const { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync } = require('node:fs');
const { join, relative } = require('node:path');

const root = join(__dirname, '..');
const files = (path) => (statSync(path).isDirectory() ? readdirSync(path).flatMap((entry) => files(join(path, entry))) : [path]);

const hash = createHash('sha256');
for (const file of [join(root, 'bin', 'zero-to-millions.ts'), ...files(join(root, 'lib'))].sort()) {
  hash.update(relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
}
const cache = join(root, 'node_modules', '.cache', 'zero-to-millions', 'app');
const compiled = join(cache, `${hash.digest('hex').slice(0, 16)}.js`);

if (!existsSync(compiled)) {
  mkdirSync(cache, { recursive: true });
  const partial = `${compiled}.${process.pid}`;
  require('esbuild').buildSync({
    entryPoints: [join(root, 'bin', 'zero-to-millions.ts')],
    outfile: partial,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // Packages load from node_modules as they are: only the project's own TypeScript is compiled.
    packages: 'external',
    // JSON the sources import (the price table) is inlined.
    loader: { '.json': 'json' },
    logLevel: 'error',
  });
  renameSync(partial, compiled);
}
require(compiled);
