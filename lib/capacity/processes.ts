/**
 * CPU time of processes on this machine, read from /proc (Linux): what the capacity bench and the
 * local check of the model measure each component by. A process's CPU is the sum over its threads
 * (event loop, libuv pool, garbage collector); its main thread alone is what bounds a Node process,
 * whose JavaScript runs on one thread however many vCPUs the machine has.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Nanoseconds of CPU a thread has run (schedstat's first field), or 0 when it has ended. */
function threadNanoseconds(pid: number, tid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
  } catch {
    return 0;
  }
}

/** CPU nanoseconds of a process: all its threads, or its main thread only. */
export function cpuNanoseconds(pid: number, mainThreadOnly = false): number {
  if (mainThreadOnly) return threadNanoseconds(pid, pid);
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return 0; // ended
  }
  return tasks.reduce((sum, task) => sum + threadNanoseconds(pid, Number(task)), 0);
}

/** The processes whose parent is `pid`. */
export function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // pid (comm) state ppid ...: comm may hold spaces and parentheses, so read after the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // ended meanwhile
    }
  }
  return children;
}

/** PostgreSQL's processes: the postmaster named in the data directory's postmaster.pid, and its backends. */
export function postgresProcesses(dataDirectory: string): number[] {
  const postmaster = Number(readFileSync(`${dataDirectory}/postmaster.pid`, 'utf8').split('\n')[0]);
  return [postmaster, ...childrenOf(postmaster)];
}

/** A group of processes whose CPU is read before and after some work. */
export interface CpuMeter {
  /** CPU microseconds the group used since the meter started (or was last reset). */
  readonly elapsedMicros: () => number;
}

/**
 * Starts a meter over the processes `pids()` lists at each reading (a server's backends come and
 * go): a process seen only at the end counts from its start; one that ended between counts nothing.
 */
export function startMeter(pids: () => number[], mainThreadOnly = false): CpuMeter {
  const read = () => new Map(pids().map((pid) => [pid, cpuNanoseconds(pid, mainThreadOnly)]));
  const before = read();
  return {
    elapsedMicros: () => {
      let total = 0;
      for (const [pid, now] of read()) total += now - (before.get(pid) ?? 0);
      return total / 1000;
    },
  };
}

/** CPU nanoseconds the whole machine has been busy (all cores: user, nice, system, irq, softirq, steal), from /proc/stat. */
export function machineBusyNanoseconds(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = fields;
  // /proc/stat counts in USER_HZ, 100 a second on Linux.
  return (user + nice + system + irq + softirq + steal) * 1e7;
}
