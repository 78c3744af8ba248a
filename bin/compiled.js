/**
 * A TypeScript entry point compiled by the local esbuild into one CommonJS file, cached under
 * node_modules/.cache/zero-to-millions/<name>/ by the hash of the sources it is built from, so it is
 * compiled once per change of them (about 0.1 s) and then loads as plain JavaScript: no TypeScript
 * loader intercepts the CDK's thousand modules as they load. Used by bin/app.js (what `cdk synth`
 * runs) and by the test suite's synth builders. Packages load from node_modules as they are.
 */
const { createHash } = require('node:crypto');
const { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync } = require('node:fs');
const { join, relative } = require('node:path');

const files = (path) => (statSync(path).isDirectory() ? readdirSync(path).flatMap((entry) => files(join(path, entry))) : [path]);

/**
 * @param {string} root the repository
 * @param {string} entry the entry point, relative to root
 * @param {string[]} sources what it is built from, relative to root (files or directories)
 * @param {string} name the cache's subdirectory
 * @returns {string} the compiled file
 */
function compiled(root, entry, sources, name) {
  const hash = createHash('sha256');
  for (const file of sources.flatMap((source) => files(join(root, source))).sort()) {
    hash.update(relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  const cache = join(root, 'node_modules', '.cache', 'zero-to-millions', name);
  const output = join(cache, `${hash.digest('hex').slice(0, 16)}.js`);
  if (existsSync(output)) return output;
  mkdirSync(cache, { recursive: true });
  const partial = `${output}.${process.pid}`;
  require('esbuild').buildSync({
    entryPoints: [join(root, entry)],
    outfile: partial,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
  });
  renameSync(partial, output); // whole or not at all: a concurrent run never reads half a file
  return output;
}

module.exports = { compiled };
