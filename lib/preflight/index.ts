/**
 * Preflight: the checks that catch, before a deploy, the ways a stage deployment goes wrong in DNS
 * (./dns.ts), in where its data comes from (./data.ts) and at the edge (./edge.ts). Each problem is one line that says what
 * is wrong and how to fix it. `npm run preflight` (bin/preflight.ts) runs them with the user's
 * credentials and prints what `cdk deploy` would create (./plan.ts).
 */
import type { Config } from '../config';
import { type DataDeps, dataChecks } from './data';
import { type DnsDeps, dnsChecks } from './dns';
import { type EdgeDeps, edgeChecks } from './edge';
import type { CheckResult } from './result';

export { describePlan } from './plan';
export { type CheckResult, isCredentialsError } from './result';

export type PreflightDeps = DnsDeps & DataDeps & EdgeDeps;

export async function preflight(config: Config, deps: PreflightDeps): Promise<CheckResult> {
  const results = [await dnsChecks(config, deps), await dataChecks(config, deps), await edgeChecks(config, deps)];
  return { problems: results.flatMap((r) => r.problems), passed: results.flatMap((r) => r.passed) };
}
