/**
 * The stages of the journey that this project builds, by number. The stack name says what the
 * stage is, so `cdk list` reads like the table of contents.
 */
export const STAGES = {
  1: { stackName: 'Stage1-SingleServer', title: 'Single server' },
  2: { stackName: 'Stage2-SeparateData', title: 'Separate data tier' },
  3: { stackName: 'Stage3-LoadBalanced', title: 'Load balancer and horizontal scaling' },
  4: { stackName: 'Stage4-ReplicatedData', title: 'Replicated database' },
  5: { stackName: 'Stage5-CacheAndCdn', title: 'Cache tier and CDN' },
  6: { stackName: 'Stage6-Stateless', title: 'Stateless web tier' },
} as const;

export type StageNumber = keyof typeof STAGES;

export const STAGE_NUMBERS = Object.keys(STAGES).map(Number) as StageNumber[];

/** `"1"`, `1` and `"Stage1-SingleServer"` all name stage 1. */
export function stageNumberOf(raw: unknown): StageNumber | undefined {
  const text = String(raw).trim();
  return STAGE_NUMBERS.find((n) => String(n) === text || STAGES[n].stackName.toLowerCase() === text.toLowerCase());
}
