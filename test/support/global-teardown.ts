/** After the run: the builders the global setup started have finished their queue, or are stopped. */
import type { ChildProcess } from 'node:child_process';
import { BUILDERS_KEY } from './global-setup';

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
}
