/**
 * The capacity model held to reality, and the load test that does it, on real engines here:
 *
 * - `npm run load` against `npm run local`, as a user runs them: it ramps, every answer is a 200 or a
 *   201, nothing fails, and the report is what the README shows.
 * - The local check (lib/capacity/local-check.ts): stage 3's topology on loopback, N service
 *   processes behind a balancer and one PostgreSQL, saturated by the load tool. The rate it reaches
 *   must be within a factor of 1.5 of what the model predicts for that topology (predicted ÷ measured
 *   from 0.67 to 1.5), and the component the model names as saturating first must be the most
 *   utilized one. The figures are printed for the note that quotes them.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { checkLines, localCheck } from '../../lib/capacity/local-check';
import { freePort } from '../../lib/engines';

const ROOT = join(__dirname, '..', '..');
const FACTOR = 1.5;

describe('npm run load against npm run local', () => {
  let local: ChildProcess | undefined;
  afterAll(async () => {
    if (!local || local.exitCode !== null) return;
    const exited = new Promise((resolve) => local!.once('exit', resolve));
    process.kill(-local.pid!, 'SIGINT');
    await exited;
  });

  test('GIVEN the local service WHEN loaded in steps THEN every step answers 200s and 201s, and the report says what it reached', async () => {
    const port = await freePort();
    local = spawn('npm', ['run', 'local', '--', '--port', String(port)], { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    local.stdout!.on('data', (d) => (output += d));
    local.stderr!.on('data', (d) => (output += d));
    const deadline = Date.now() + 90_000;
    while (!output.includes('The page is on')) {
      if (Date.now() > deadline || local.exitCode !== null) throw new Error(`npm run local did not come up:\n${output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const url = `http://127.0.0.1:${port}`;
    const text = spawnSync(
      'npm',
      ['run', '--silent', 'load', '--', url, '--rate', '300', '--duration', '3', '--steps', '3', '--seed', '20'],
      {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    process.stdout.write(`${text.stdout}\n`);
    expect([text.status, text.stderr]).toEqual([0, expect.stringContaining('… 300 requests a second for 1.0 s')]);
    expect(text.stdout).toMatch(/^Load test of http:\/\/127\.0\.0\.1:\d+ \(local, postgresql/m);
    for (const rate of [100, 200, 300])
      expect(text.stdout).toMatch(new RegExp(`^ +${rate} +\\d+ +[\\d.]+ +[\\d.]+ +[\\d.]+ +[\\d.]+  200 × \\d+, 201 × \\d+$`, 'm'));
    expect(text.stdout).toContain('not a stage of the journey');

    const json = spawnSync(
      process.execPath,
      [join(ROOT, 'bin', 'cli.js'), 'load', url, '--rate', '200', '--duration', '2', '--steps', '2', '--read-share', '0.5', '--json'],
      {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(json.status).toBe(0);
    const report = JSON.parse(json.stdout);
    expect(report.target).toMatchObject({ stage: 'local', dataStore: 'postgresql' });
    expect(report.steps.map((s: { offered: number }) => s.offered)).toEqual([100, 200]);
    for (const step of report.steps) {
      expect(Object.keys(step.statuses).sort()).toEqual(['200', '201']);
      expect(step.statuses['201'] / (step.statuses['200'] + step.statuses['201'])).toBeGreaterThan(0.3); // half of them write
      expect(step.errors + step.timeouts).toBe(0);
      // Paced, not flooded: what a step sends is its rate for its seconds, within one second's worth.
      expect(step.reached).toBeLessThan(step.offered * 1.5);
      expect(step.reached).toBeGreaterThan(step.offered * 0.5);
    }
    expect(report.saturatedAt).toBeUndefined();

    // Bad input is refused before anything is sent, naming the option.
    const bad = spawnSync(process.execPath, [join(ROOT, 'bin', 'cli.js'), 'load', url, '--duration', '2', '--steps', '4'], {
      encoding: 'utf8',
    });
    expect([bad.status, bad.stderr]).toEqual([
      2,
      expect.stringContaining('--duration, --steps: got 2 s for 4 steps; allowed: at least one second a step'),
    ]);
  }, 240_000);
});

describe('the model against stage 3 on loopback', () => {
  test.each([1, 3])(
    'GIVEN %i service process(es) behind a balancer WHEN saturated THEN the ceiling is within 1.5× of the prediction, and the component named first is the most utilized',
    async (servers) => {
      const result = await localCheck({ servers, seconds: 8, connections: 64 });
      process.stdout.write(`${checkLines(result).join('\n')}\n`);
      expect(result.measured.failed).toBeLessThan(0.01);
      expect(result.ratio).toBeGreaterThan(1 / FACTOR);
      expect(result.ratio).toBeLessThan(FACTOR);
      expect(result.measured.mostUtilized).toBe(result.predicted.bottleneck);
    },
    180_000,
  );
});
