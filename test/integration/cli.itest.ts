/**
 * The package's command (bin/cli.js) as a user runs it: every tool answers --help with its usage
 * (exit 0) and names an option it does not know (exit 2), and the documented
 * `npx zero-to-millions compare --json` writes JSON and nothing else to stdout.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

test('preflight with the placeholders and no credentials: each placeholder a PROBLEM line first, exit 1, nothing else on stderr, nothing left in the temp directory', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'ztm-cli-preflight-'));
  try {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TMPDIR: tmp,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_REGION: 'us-east-1',
    };
    const run = spawnSync(process.execPath, [join(ROOT, 'bin', 'cli.js'), 'preflight', '-c', 'stages=3'], {
      cwd: ROOT,
      encoding: 'utf8',
      env,
    });
    expect(run.status).toBe(1);
    const lines = run.stdout.split('\n');
    expect(lines.slice(0, 3)).toEqual([
      expect.stringMatching(/^PROBLEM {2}domainName is still the placeholder/),
      expect.stringMatching(/^PROBLEM {2}hostedZoneId is still the placeholder/),
      expect.stringMatching(/^PROBLEM {2}account is still the placeholder/),
    ]);
    expect(run.stdout).toContain('`cdk deploy` would create:');
    // The placeholders are said once, as problems: no synth warning, report path or source location after them.
    expect(run.stderr.split('\n').filter((line) => line !== '' && !line.startsWith('note: Node.js'))).toEqual([]);
    // Only the caches every run shares (tsx's compiled code, the Lambda bundles) stay; no assembly.
    expect(readdirSync(tmp).filter((name) => !/^tsx-\d+$|^zero-to-millions-bundles$/.test(name))).toEqual([]);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}, 120_000);
