/** What ends a run's engines when the run cannot (lib/reaper.ts). */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reap } from '../lib/reaper';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** A process working in `dir`, as an engine works in its directory; a stubborn one ignores SIGINT and SIGTERM. */
async function engineIn(dir: string, { stubborn = false } = {}): Promise<{ pid: number; ended: Promise<NodeJS.Signals | null> }> {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `${stubborn ? "process.on('SIGTERM', () => {}); process.on('SIGINT', () => {});" : ''} setInterval(() => {}, 1000); console.log('up')`,
    ],
    { cwd: dir, stdio: ['ignore', 'pipe', 'ignore'], detached: true },
  );
  const ended = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  await new Promise((resolve) => child.stdout!.once('data', resolve));
  return { pid: child.pid!, ended };
}

let run: string;
beforeEach(() => {
  run = mkdtempSync(join(tmpdir(), 'reaper-test-'));
});
afterEach(() => rmSync(run, { recursive: true, force: true }));

test('GIVEN an engine named by a pid file in the run WHEN reaped THEN it is ended and the directory removed', async () => {
  const engine = join(run, 'ztm-redis-x');
  mkdirSync(engine);
  const { pid, ended } = await engineIn(engine);
  writeFileSync(join(engine, 'redis.pid'), `${pid}\n`);
  reap(run);
  expect(await ended).toBe('SIGTERM');
  expect(existsSync(run)).toBe(false);
});

test('GIVEN an engine that ignores its signal WHEN reaped THEN it is killed after the grace period', async () => {
  const data = join(run, 'ztm-pg-x', 'data');
  mkdirSync(data, { recursive: true });
  const { pid, ended } = await engineIn(data, { stubborn: true });
  writeFileSync(join(data, 'postmaster.pid'), `${pid}\n${data}\n`);
  reap(run, 300);
  expect(await ended).toBe('SIGKILL');
});

test('GIVEN a stale pid file whose number is now another process WHEN reaped THEN that process is left alone', () => {
  // This test's own process works elsewhere: it is not one of the run's.
  writeFileSync(join(run, 'redis.pid'), `${process.pid}\n`);
  reap(run);
  expect(alive(process.pid)).toBe(true);
  expect(existsSync(run)).toBe(false);
});

test('GIVEN a run that removed its directory itself WHEN reaped THEN nothing happens', () => {
  rmSync(run, { recursive: true });
  expect(() => reap(run)).not.toThrow();
});
