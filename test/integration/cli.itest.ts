/**
 * The package's command (bin/cli.js) as a user runs it: every tool answers --help with its usage
 * (exit 0) and names an option it does not know (exit 2), and the documented
 * `npx zero-to-millions compare --json` writes JSON and nothing else to stdout.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { TOOLS } from '../../lib/tools';

const ROOT = join(__dirname, '..', '..');
const cli = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'bin', 'cli.js'), ...args], { cwd: ROOT, encoding: 'utf8' });

test.each(Object.keys(TOOLS))('%s --help prints its usage and exits 0; --nope is named, exit 2', (tool) => {
  const help = cli(tool, '--help');
  expect([help.status, help.stdout.split('\n')[0]]).toEqual([0, expect.stringMatching(new RegExp(`^Usage: zero-to-millions ${tool}`))]);
  const wrong = cli(tool, '--nope');
  expect([wrong.status, wrong.stdout, wrong.stderr]).toEqual([2, '', expect.stringContaining(`${tool}: unknown option "--nope"`)]);
});

test('the command alone lists the tools; an unknown tool is named, exit 2', () => {
  expect(cli('--help')).toMatchObject({ status: 0, stdout: expect.stringContaining('  compare ') });
  expect(cli('deploy')).toMatchObject({ status: 2, stderr: expect.stringContaining('unknown tool "deploy"') });
});

test('npx zero-to-millions compare --json is JSON, and only JSON', () => {
  const run = spawnSync('npx', ['zero-to-millions', 'compare', '--json'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  expect(run.status).toBe(0);
  const report = JSON.parse(run.stdout);
  expect(report.stages.map((s: { stack: string }) => s.stack)).toHaveLength(6);
}, 300_000);
