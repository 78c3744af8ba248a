/**
 * The drills: proofs run from the user's machine against a deployed stage, each provoking what the
 * stage claims to survive (a server lost, the database writer moved, a flood from one address).
 * `drillsFor` says which apply to a stage, in the order they must run.
 */
import type { ProofResult, StageUnderTest } from '../types';
import { dataCache } from './data-cache';
import { failover } from './failover';
import { rateLimit } from './rate-limit';
import { sessionSurvives } from './session-survives';
import type { DrillDeps } from './shared';

export { dataCache } from './data-cache';
export { FAILOVER, failover } from './failover';
export { RATE_LIMIT, rateLimit } from './rate-limit';
export { SESSION_SURVIVES, sessionSurvives } from './session-survives';
export type { DrillDeps, HttpDeps } from './shared';

export interface Drill {
  /** The ProofResult's name. */
  readonly name: string;
  /** Whether the stage claims what the drill proves. */
  appliesTo(stage: Pick<StageUnderTest, 'stage' | 'config'>): boolean;
  /**
   * After every other HTTP proof, the coordinator's included: the drill leaves the user's address
   * blocked by the firewall for its 5-minute window.
   */
  readonly runsLast: boolean;
  run(stage: StageUnderTest, deps: DrillDeps): Promise<ProofResult>;
}

/**
 * Every drill, in the order they run: the failover before a server is stopped, so it writes through
 * the whole web tier; the one that runs last, last.
 */
export const DRILLS: readonly Drill[] = [
  { name: 'data-cache', appliesTo: (s) => s.stage >= 5, runsLast: false, run: dataCache },
  { name: 'failover', appliesTo: (s) => s.stage >= 4 && s.config.dataStore === 'rds', runsLast: false, run: failover },
  { name: 'session-survives', appliesTo: (s) => s.stage >= 6, runsLast: false, run: sessionSurvives },
  // In `count` mode the firewall only counts: there is no 429 to provoke.
  { name: 'rate-limit', appliesTo: (s) => s.stage >= 5 && s.config.wafMode === 'block', runsLast: true, run: rateLimit },
];

/** The drills that apply to the stage, in the order of DRILLS. */
export const drillsFor = (stage: Pick<StageUnderTest, 'stage' | 'config'>): Drill[] => DRILLS.filter((d) => d.appliesTo(stage));
