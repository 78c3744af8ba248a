/**
 * The code the stacks deploy (lib/bundles.ts): bundled by the local esbuild, never Docker, into one
 * file each, named by the hash of their sources.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { bundleInputs, NODE_MAJOR, serviceBundle, verificationBundle } from '../lib/bundles';
import { REPOSITORY } from '../lib/source-hash';

test('the service is one file with its dependencies inside, beside the Dockerfile that builds its image', () => {
  const { directory, version } = serviceBundle();
  expect(version).toMatch(/^[0-9a-f]{12}$/);
  expect(readdirSync(directory).sort()).toEqual(['Dockerfile', 'server.js']);
  const server = readFileSync(join(directory, 'server.js'), 'utf8');
  expect(server).toContain('zero-to-millions');
  expect(server.length).toBeGreaterThan(100_000); // its dependencies are inside: the host needs only node
  const dockerfile = readFileSync(join(directory, 'Dockerfile'), 'utf8');
  expect(dockerfile).toMatch(new RegExp(`^FROM public\\.ecr\\.aws/docker/library/node:${NODE_MAJOR}-alpine$`, 'm'));
  expect(dockerfile).toMatch(/^USER node$/m);
  expect(dockerfile).toMatch(/^CMD \["node", "server\.js"\]$/m);
});

test("the verification Lambda is a few KiB: the AWS SDK is the runtime's", () => {
  const { directory } = verificationBundle();
  expect(readdirSync(directory)).toEqual(['index.js']);
  const code = readFileSync(join(directory, 'index.js'), 'utf8');
  expect(code).toContain('require("@aws-sdk/client-route-53")');
  expect(code).toContain('require("@aws-sdk/client-cloudformation")');
  expect(code).toContain('Deployment verification failed');
  expect(code.length).toBeLessThan(20_000);
});

test('a bundle is asked for twice in a process and built once', () => {
  expect(serviceBundle()).toBe(serviceBundle());
});

test('a bundle is named by everything esbuild compiles into it, lib/ modules the service imports included', () => {
  // The service imports lib/data-contract.ts: a change there must build it again, not reuse the old one.
  for (const entry of ['service/src/server.ts', 'lambda/verify-deployment/index.ts']) {
    const { metafile } = buildSync({
      entryPoints: [join(REPOSITORY, entry)],
      bundle: true,
      packages: 'external', // the packages are the lockfile's, which it is named by too
      platform: 'node',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const compiled = Object.keys(metafile.inputs).filter((input) => !input.includes('node_modules/'));
    expect([entry, compiled.filter((input) => !bundleInputs().includes(input))]).toEqual([entry, []]);
  }
  expect(bundleInputs()).toEqual(expect.arrayContaining(['lib/data-contract.ts', 'service/Dockerfile', 'package-lock.json']));
});
