/**
 * lib/engines.ts without starting an engine: what a fresh machine is told to install, and that a
 * failed start leaves nothing running. (The engines themselves run in test/integration.)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHROMIUM_INSTALL, ENGINE_PACKAGES, INSTALL_HINT, OPENSSL_INSTALL, startTogether } from '../lib/engines';

const CI = readFileSync(join(__dirname, '..', '.ci', 'run'), 'utf8');
/** The packages of each `apt-get install` in a text. */
const installed = (text: string) =>
  [...text.matchAll(/apt-get install -y (?:-qq )?([a-z0-9 .+-]+?)(?: \(|\s*>|\s*$)/gm)].flatMap((m) => m[1].trim().split(/\s+/));

test(".ci/run installs every engine the integration suite runs, checking each one's program first", () => {
  expect(installed(CI).sort()).toEqual([...ENGINE_PACKAGES].sort());
  for (const program of ['redis-server', '/usr/lib/postgresql/*/bin/initdb', 'chromium', 'openssl']) expect(CI).toContain(program);
});

test('each missing engine is answered with an apt-get line that installs it, of the packages .ci/run installs', () => {
  expect(installed(INSTALL_HINT)).toEqual([...ENGINE_PACKAGES]);
  expect(INSTALL_HINT).toMatch(/then npm ci$/); // dynalite and playwright-core are npm packages
  expect(installed(OPENSSL_INSTALL)).toEqual(['openssl']);
  expect(installed(CHROMIUM_INSTALL)).toEqual(['chromium']);
});

test('startTogether: all started, in order; when one fails, the others are ended and its error is thrown', async () => {
  const ended: string[] = [];
  const engine = (name: string) => ({ name, stop: async () => void ended.push(`stopped ${name}`) });
  const cluster = { destroy: () => void ended.push('destroyed the cluster') };
  const started = await startTogether(Promise.resolve(engine('a')), Promise.resolve(engine('b')));
  expect([started.map((e) => e.name), ended]).toEqual([['a', 'b'], []]);

  const missing = new Error('Redis is not installed');
  await expect(
    startTogether(
      Promise.resolve(cluster),
      Promise.reject(missing),
      new Promise<ReturnType<typeof engine>>((r) => setTimeout(() => r(engine('late')), 20)),
    ),
  ).rejects.toBe(missing);
  expect(ended.sort()).toEqual(['destroyed the cluster', 'stopped late']);
});
