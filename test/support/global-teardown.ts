/** After the run: the builders the global setup started have finished their queue, or are stopped, and what a stopped one was writing is removed. */
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { BUILDERS_KEY, BUILDERS_TMPDIR } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  const builders = ((globalThis as Record<symbol, unknown>)[BUILDERS_KEY] as ChildProcess[] | undefined) ?? [];
  await Promise.all(
    builders.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          // A run that read every template it needed may end before a builder has built one nobody read.
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        }),
    ),
  );
  rmSync(BUILDERS_TMPDIR, { recursive: true, force: true });
}
