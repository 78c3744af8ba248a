/**
 * What ends a run's engines however the run ends. A run (`npm run local`) keeps every engine it
 * starts in one directory of its own; each engine there names its process in a pid file
 * (PostgreSQL's postmaster.pid, Redis's redis.pid). `reap` ends those processes and removes the
 * directory. The run calls it itself on a signal or an error; and a watcher, a small process of its
 * own started beside the run, calls it when the run is gone without having done so (killed, crashed):
 * it reads a pipe from the run, and the pipe's end comes when the run's process ends, however it
 * ends. The watcher is in a session of its own, so a signal to the terminal's process group (Ctrl-C,
 * the terminal closing) does not end it before it has done its work.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** How long an engine has, by default, to end on its own signal before it is killed. */
const GRACE_MS = 5_000;

/** The pid files under `dir`, a few levels deep: an engine's directory, its data directory. */
function pidFiles(dir: string, depth = 3): string[] {
  if (depth === 0 || !existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return pidFiles(path, depth - 1);
    return entry.name.endsWith('.pid') ? [path] : [];
  });
}

/** Whether `pid` runs: a zombie (ended, not yet waited for by its parent) does not. */
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return process.platform !== 'linux';
  }
};

/**
 * Whether `pid` is a process of this run: where Linux says so, its working directory is inside the
 * run's directory (PostgreSQL and Redis both work in theirs), so a stale pid file whose number now
 * belongs to another process is left alone.
 */
function belongsTo(pid: number, dir: string): boolean {
  if (!existsSync(`/proc/${pid}`)) return process.platform !== 'linux' && alive(pid);
  try {
    const cwd = readlinkSync(`/proc/${pid}/cwd`);
    return cwd === dir || cwd.startsWith(`${dir}/`);
  } catch {
    return false;
  }
}

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Ends every process the run's directory names in a pid file (PostgreSQL: a fast shutdown, SIGINT;
 * others: SIGTERM; whatever is still there after a few seconds: SIGKILL), then removes the
 * directory. Synchronous, so it can run as the last thing a process does; does nothing for a
 * directory that is already gone.
 */
export function reap(dir: string, graceMs = GRACE_MS): void {
  if (!existsSync(dir)) return;
  const root = realpathSync(dir);
  const engines = pidFiles(root)
    .map((file) => ({ file, pid: Number(readFileSync(file, 'utf8').split('\n')[0]) }))
    .filter(({ pid }) => Number.isInteger(pid) && pid > 1 && belongsTo(pid, root));
  for (const { file, pid } of engines) {
    try {
      process.kill(pid, file.endsWith('postmaster.pid') ? 'SIGINT' : 'SIGTERM');
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + graceMs;
  while (engines.some(({ pid }) => alive(pid)) && Date.now() < deadline) sleep(50);
  for (const { pid } of engines.filter(({ pid }) => alive(pid))) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  while (engines.some(({ pid }) => alive(pid)) && Date.now() < deadline + GRACE_MS) sleep(50); // SIGKILL takes no grace: this only waits for it
  rmSync(root, { recursive: true, force: true });
}

/**
 * Starts the watcher of a run's directory: it reaps the directory when this process ends, unless
 * `release()` said the run removed it itself. It holds nothing of this process's: the event loop
 * does not wait for it.
 */
export function watchOver(dir: string): { release(): void } {
  const watcher = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), __filename, dir], {
    detached: true,
    stdio: ['pipe', 'ignore', 'inherit'],
    env: { ...process.env, ZTM_REAPER: '1' },
  });
  watcher.unref();
  const pipe = watcher.stdin as unknown as { unref?: () => void; end: () => void };
  pipe.unref?.();
  watcher.on('error', () => undefined);
  return { release: () => pipe.end() };
}

/** The watcher: waits for the end of its pipe from the run, then reaps what the run left. */
function watch(dir: string): void {
  process.stdin.on('data', () => undefined);
  process.stdin.on('close', () => {
    if (existsSync(dir)) {
      process.stderr.write(`zero-to-millions: the run ended without removing its engines; ending them and removing ${dir}\n`);
      reap(dir);
    }
    process.exit(0);
  });
  process.stdin.resume();
}

if (require.main === module && process.env.ZTM_REAPER === '1') watch(process.argv[2]);
