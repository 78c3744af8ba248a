/**
 * A builder's stage job (./synth-builder.ts): one app per configuration builds every stage wanted
 * from it, as `cdk synth` builds them, and each stage is written to its entry of the cache.
 */
import { synthesize } from '../../lib/synth';

export interface StagesJob {
  readonly kind: 'stages';
  readonly overrides: Record<string, unknown>;
  /** Each stage wanted, and the entry it is written to. */
  readonly entries: Record<string, string>;
}

export function buildStages(job: StagesJob, write: (path: string, value: unknown) => void): void {
  // Placeholders left unacknowledged: the tests read the warning each stack carries.
  const result = synthesize({ ...job.overrides, stages: Object.keys(job.entries).join(',') }, { acknowledgePlaceholders: false });
  for (const synthesized of result.stages) write(job.entries[String(synthesized.stage)], synthesized);
}
