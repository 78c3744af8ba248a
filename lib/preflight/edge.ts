/**
 * Preflight's edge checks, for the CDN stages (5 and up): the ways their deployment goes wrong at
 * CloudFront and in the regions it spans.
 *
 * - The CDK is bootstrapped in the stage's region and, when that is not us-east-1, in us-east-1
 *   too: the stage's certificate and firewall are deployed there, in a companion stack, and without
 *   a bootstrap there `cdk deploy` stops before anything is created.
 * - The names a stage puts on its distribution are free: a name can be on one CloudFront
 *   distribution only, so a stage whose weight is above 0 cannot take the API name while another
 *   distribution has it (CloudFront fails the deployment with CNAMEAlreadyExists after minutes).
 *   That two selected CDN stages would both claim it is refused earlier, by the configuration
 *   (lib/config/load.ts). Only this account's distributions can be seen; another account's is named
 *   as a risk.
 */
import { type CloudFrontClient, type DistributionSummary, ListDistributionsCommand } from '@aws-sdk/client-cloudfront';
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { type Clock, retrying } from '../../lambda/shared/retry';
import { type Config, STAGES, type StageNumber } from '../config';
import { CDN_STAGES, EDGE_REGION } from '../config/schema';
import type { CheckResult } from './result';

/** Where `cdk bootstrap` records its version (the default qualifier). */
export const BOOTSTRAP_VERSION_PARAMETER = '/cdk-bootstrap/hnb659fds/version';

export interface EdgeDeps {
  /** CloudFront is global: one client. */
  readonly cloudfront: Pick<CloudFrontClient, 'send'>;
  /** Systems Manager in a region, where the CDK bootstrap records its version. */
  ssm(region: string): Pick<SSMClient, 'send'>;
  readonly clock: Clock;
}

/** Every distribution of the account, page by page. */
async function distributions(deps: EdgeDeps): Promise<DistributionSummary[]> {
  const all: DistributionSummary[] = [];
  let marker: string | undefined;
  do {
    const page = await retrying(() => deps.cloudfront.send(new ListDistributionsCommand({ Marker: marker, MaxItems: 100 })), deps.clock);
    all.push(...(page.DistributionList?.Items ?? []));
    marker = page.DistributionList?.IsTruncated ? page.DistributionList.NextMarker : undefined;
  } while (marker);
  return all;
}

/** The CDN stage a distribution belongs to: the one whose own name (`stage<n>.<api name>`) it carries. */
function stageOf(distribution: DistributionSummary, apiName: string): StageNumber | undefined {
  const aliases = distribution.Aliases?.Items ?? [];
  return CDN_STAGES.find((s) => aliases.includes(`stage${s}.${apiName}`));
}

export async function edgeChecks(config: Config, deps: EdgeDeps): Promise<CheckResult> {
  const problems: string[] = [];
  const passed: string[] = [];
  const cdnStages = config.stages.filter((s) => CDN_STAGES.includes(s));
  if (cdnStages.length === 0) return { problems, passed };
  const apiName = `${config.recordName}.${config.domainName}`;

  // 1. The bootstrap, where the stage's stacks deploy.
  for (const region of [...new Set([config.region, EDGE_REGION])]) {
    const why = region === config.region ? 'the stage deploys' : "the CDN's certificate and firewall deploy (companion stack)";
    try {
      const found = await retrying(() => deps.ssm(region).send(new GetParameterCommand({ Name: BOOTSTRAP_VERSION_PARAMETER })), deps.clock);
      passed.push(`the CDK is bootstrapped in ${config.account}/${region} (version ${found.Parameter?.Value}), where ${why}`);
    } catch (error) {
      if ((error as { name?: string }).name !== 'ParameterNotFound') throw error;
      problems.push(
        `the CDK is not bootstrapped in ${config.account}/${region}, where ${why}: run npx cdk bootstrap aws://${config.account}/${region}`,
      );
    }
  }

  // 2. The names on the distributions that exist (two selected stages claiming the name is a configuration error: lib/config/load.ts).
  const existing = await distributions(deps);
  const holderOf = (name: string) => existing.find((d) => (d.Aliases?.Items ?? []).includes(name));
  for (const stage of cdnStages) {
    const { stackName } = STAGES[stage];
    const ownName = `stage${stage}.${apiName}`;
    const ownHolder = holderOf(ownName);
    const ours = ownHolder?.Id;
    if (config.weight[`${stage}`] === 0) {
      passed.push(`${stackName} has weight 0: its distribution takes only ${ownName}, and leaves ${apiName} where it is`);
      continue;
    }
    const holder = holderOf(apiName);
    if (holder && holder.Id !== ours) {
      const other = stageOf(holder, apiName);
      const fix =
        other === undefined
          ? `remove ${apiName} from distribution ${holder.Id} first, or set weight of stage ${stage} to 0`
          : `set the weight of stage ${other} to 0 and deploy ${STAGES[other].stackName} first (a few minutes without the name), or move the name at once: aws cloudfront associate-alias --target-distribution-id <${stackName}'s distribution> --alias ${apiName} once ${stackName} is deployed with weight 0 (see "Moving between CDN stages")`;
      problems.push(
        `${apiName} is on CloudFront distribution ${holder.Id} (${other === undefined ? 'not a stage of this project' : STAGES[other].stackName}), and a name can be on one distribution only: ${stackName} with weight ${config.weight[`${stage}`]} would fail with CNAMEAlreadyExists; ${fix}`,
      );
    } else {
      passed.push(
        `${apiName} is ${holder ? `already on ${stackName}'s distribution ${holder.Id}` : 'on no CloudFront distribution of this account'} (one in another account would still block it)`,
      );
    }
  }
  return { problems, passed };
}
