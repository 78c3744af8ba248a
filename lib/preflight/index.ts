/**
 * Preflight: the checks that catch, before a deploy, the ways a stage deployment goes wrong in DNS
 * (./dns.ts), in where its data comes from (./data.ts) and at the edge (./edge.ts). Each problem is
 * one line that says what is wrong and how to fix it: first the placeholders still in the
 * configuration, then what the checks found, then the checks that could not run and why
 * (./failures.ts). `npm run preflight` (bin/preflight.ts) runs them with the user's credentials and
 * prints what `cdk deploy` would create (./plan.ts).
 */
import type { Config } from '../config';
import { type ConfigKey, placeholdersIn } from '../config/schema';
import { type DataDeps, dataChecks } from './data';
import { type DnsDeps, dnsChecks } from './dns';
import { type EdgeDeps, edgeChecks } from './edge';
import { type Failure, failureLines, naming } from './failures';
import type { CheckResult } from './result';

export { describePlan } from './plan';
export type { CheckResult } from './result';

export type PreflightDeps = DnsDeps & DataDeps & EdgeDeps;

/** How to find the value a placeholder stands for. */
const PLACEHOLDER_FIX: Partial<Record<ConfigKey, (c: Config) => string>> = {
  domainName: () => 'set it to the domain you own (its public hosted zone must be in Route 53); the DNS checks wait for it',
  hostedZoneId: (c) =>
    `set it to the id of the public hosted zone of your domain (aws route53 list-hosted-zones-by-name --dns-name ${placeholdersIn(c).includes('domainName') ? '<your domain>' : c.domainName}); the DNS checks wait for it`,
  account: () => 'set it to the account you deploy to (aws sts get-caller-identity --query Account --output text)',
};

/** One line per placeholder the configuration still holds: a stack synthesizes with it but cannot deploy. */
export function placeholderProblems(config: Config): string[] {
  return placeholdersIn(config).map(
    (key) =>
      `${key} is still the placeholder ${JSON.stringify(config[key])}: ${PLACEHOLDER_FIX[key]?.(config) ?? `set ${key}`} (in cdk.json "context", or -c ${key}=...)`,
  );
}

export async function preflight(config: Config, deps: PreflightDeps): Promise<CheckResult> {
  const named: PreflightDeps = {
    ...deps,
    route53: naming(deps.route53, 'route53'),
    rds: naming(deps.rds, 'rds'),
    dynamodb: naming(deps.dynamodb, 'dynamodb'),
    cloudfront: naming(deps.cloudfront, 'cloudfront'),
    ssm: (region) => naming(deps.ssm(region), 'ssm'),
  };
  const placeholders = placeholderProblems(config);
  // The DNS checks ask for the zone and the domain the configuration names: a placeholder there is already the problem.
  const dnsPlaceholder = placeholdersIn(config).some((k) => k === 'domainName' || k === 'hostedZoneId');
  const groups: [string, () => Promise<CheckResult>][] = [
    ['the DNS checks', () => dnsChecks(config, named)],
    ['the data checks', () => dataChecks(config, named)],
    ['the edge checks', () => edgeChecks(config, named)],
  ];
  if (dnsPlaceholder) groups.shift();
  const problems: string[] = [...placeholders];
  const passed: string[] = [];
  const failures: Failure[] = [];
  for (const [checks, run] of groups) {
    try {
      const result = await run();
      problems.push(...result.problems);
      passed.push(...result.passed);
    } catch (error) {
      failures.push({ checks, error });
    }
  }
  return { problems: [...problems, ...failureLines(failures)], passed };
}
