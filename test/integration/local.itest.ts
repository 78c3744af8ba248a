/**
 * `npm run local` (scripts/local.ts) leaves nothing behind, however it ends: the test starts it as a
 * person does, through npm, with a temporary directory of its own (TMPDIR), ends it one way, and
 * then finds no PostgreSQL or Redis process of that run and nothing of it in that directory. The
 * signals go to the npm process itself (or its process group, as a terminal closing sends them), not
 * to the tool: npm forwards SIGINT and SIGTERM to the script it runs, and nothing else.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../lib/engines';

const ROOT = join(__dirname, '..', '..');

/** The processes of this run: those working in, or started with a path inside, its temporary directory. */
function processesIn(dir: string): { pid: number; command: string }[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry) && Number(entry) !== process.pid)
    .flatMap((entry) => {
      try {
        const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
        let cwd = '';
        try {
          cwd = readlinkSync(`/proc/${entry}/cwd`);
        } catch {
          // a process of another user, or one that just ended
        }
        return cwd.startsWith(dir) || command.includes(dir) ? [{ pid: Number(entry), command }] : [];
      } catch {
        return [];
      }
    });
}

const leftInTemp = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((name) => name.startsWith('ztm-')) : []);

interface Run {
  readonly npm: ChildProcess;
  readonly temp: string;
  output(): string;
}

async function startLocal(port: number): Promise<Run> {
  const temp = mkdtempSync(join(tmpdir(), 'local-itest-'));
  chmodSync(temp, 0o755); // as /tmp is to everyone: as root, PostgreSQL runs as the `postgres` user, who must reach its files
  // A session and process group of its own, as a terminal gives the command it runs.
  const npm = spawn('npm', ['run', 'local', '--', '--port', String(port)], {
    cwd: ROOT,
    env: { ...process.env, TMPDIR: temp },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  npm.stdout!.on('data', (d) => (output += d));
  npm.stderr!.on('data', (d) => (output += d));
  return { npm, temp, output: () => output };
}

async function until(what: string, ready: () => boolean, ms: number, run: Run): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`${what} within ${ms / 1000} s; output so far:\n${run.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Whatever a failed case left: this test's own processes, ended, and its directory removed. */
function cleanUp(run: Run | undefined): void {
  if (!run) return;
  for (const { pid } of processesIn(run.temp)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  try {
    process.kill(-run.npm.pid!, 'SIGKILL');
  } catch {
    // gone
  }
  rmSync(run.temp, { recursive: true, force: true });
}

/** The tool's process: the one npm runs (`exec`, so npm's only child). */
const toolOf = (run: Run) => Number(readFileSync(`/proc/${run.npm.pid}/task/${run.npm.pid}/children`, 'utf8').trim().split(' ')[0]);

const ENDINGS: [string, (run: Run) => void][] = [
  ['SIGINT to npm (kill -INT)', (run) => process.kill(run.npm.pid!, 'SIGINT')],
  ['SIGTERM to npm', (run) => process.kill(run.npm.pid!, 'SIGTERM')],
  ['SIGHUP to the process group (the terminal closing)', (run) => process.kill(-run.npm.pid!, 'SIGHUP')],
  ['SIGKILL to npm (npm gone, no signal passed on)', (run) => process.kill(run.npm.pid!, 'SIGKILL')],
  ['SIGKILL to the tool itself (a crash: nothing of it runs to clean up)', (run) => process.kill(toolOf(run), 'SIGKILL')],
];

describe('npm run local leaves no engine and no file behind', () => {
  let run: Run | undefined;
  afterEach(() => {
    cleanUp(run);
    run = undefined;
  });

  test.each(ENDINGS)(
    'GIVEN it serving WHEN it ends by %s THEN no PostgreSQL or Redis of the run is left, nor its directory',
    async (_how, end) => {
      run = await startLocal(await freePort());
      const current = run;
      await until('the service was not up', () => current.output().includes('The page is on'), 90_000, current);
      // GIVEN: the engines are there to be found (so finding none afterwards means something).
      const engines = processesIn(current.temp).map((p) => p.command);
      expect(engines).toEqual(expect.arrayContaining([expect.stringMatching(/postgres/), expect.stringMatching(/redis-server/)]));
      expect(leftInTemp(current.temp).length).toBeGreaterThan(0);

      end(current);
      await until('npm did not exit', () => current.npm.exitCode !== null || current.npm.signalCode !== null, 30_000, current);
      await until(
        'something of the run was left',
        () => processesIn(current.temp).length === 0 && leftInTemp(current.temp).length === 0,
        20_000,
        current,
      ).catch(() => undefined);
      expect({ processes: processesIn(current.temp).map((p) => p.command), files: leftInTemp(current.temp) }).toEqual({
        processes: [],
        files: [],
      });
    },
    180_000,
  );

  test('GIVEN its port taken WHEN it cannot start THEN it says why, exits 1, and the engines it had started are gone', async () => {
    const blocker: Server = createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      run = await startLocal(port);
      const current = run;
      await until('npm did not exit', () => current.npm.exitCode !== null, 90_000, current);
      expect(current.npm.exitCode).toBe(1);
      expect(current.output()).toMatch(new RegExp(`port ${port} on 127.0.0.1 is in use \\(EADDRINUSE\\): choose another with --port`));
      // Stopped by the tool itself, before it exited: not by the watcher, afterwards.
      expect(current.output()).not.toMatch(/the run ended without removing its engines/);
      expect({ processes: processesIn(current.temp).map((p) => p.command), files: leftInTemp(current.temp) }).toEqual({
        processes: [],
        files: [],
      });
    } finally {
      blocker.close();
    }
  }, 180_000);
});
