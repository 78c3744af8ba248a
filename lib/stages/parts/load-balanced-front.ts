/** The front of stages 3 and 4, and the web tier every stage from 3 on runs behind a load balancer. */
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { CacheTier } from '../../constructs/cache-tier';
import type { DataTier } from '../../constructs/data-tier';
import { LoadBalancer } from '../../constructs/load-balancer';
import type { SessionStore } from '../../constructs/session-store';
import type { WebAppProps } from '../../constructs/web-app';
import { AutoScalingWebTier, FargateWebTier, type WebTier } from '../../constructs/web-tier';
import type { ServedBy, StageStack } from '../stage-stack';

/**
 * An internet-facing load balancer over every zone, the web tier `webTier` asks for behind it,
 * admitted to the data tier, and the API published through it.
 */
export function serveBehindLoadBalancer(
  stack: StageStack,
  vpc: ec2.IVpc,
  data: DataTier,
): { loadBalancer: LoadBalancer; webTier: WebTier } {
  const loadBalancer = new LoadBalancer(stack, 'LoadBalancer', {
    vpc,
    https: stack.config.https ? { domainName: stack.apiDomainName, zone: stack.zone } : undefined,
    pauseWrites: stack.config.pauseWrites.includes(stack.stage),
  });
  const webTier = webTierUsing(stack, vpc, loadBalancer, data);
  stack.publishApi({ loadBalancer }, servedByWebTier(webTier), data.servingResources);
  return { loadBalancer, webTier };
}

/**
 * The web tier behind a load balancer, admitted to its data and cache tiers and its session store;
 * `front` is what the service is told of what stands before it (the CDN's page origins).
 */
export function webTierUsing(
  stack: StageStack,
  vpc: ec2.IVpc,
  loadBalancer: LoadBalancer,
  data: DataTier,
  cache?: CacheTier,
  sessions?: SessionStore,
  front: Record<string, string> = {},
): WebTier {
  const app = stack.webApp({ ...data.environment, ...cache?.environment, ...sessions?.environment, ...front });
  const webTier = horizontalWebTier(stack, vpc, loadBalancer, app);
  data.allowWebTier(webTier);
  cache?.allowWebTier(webTier);
  sessions?.allowWebTier(webTier);
  return webTier;
}

/** The horizontally scaled web tier `webTier` asks for (stages 3 and up), behind the load balancer. */
function horizontalWebTier(stack: StageStack, vpc: ec2.IVpc, loadBalancer: LoadBalancer, app: WebAppProps): WebTier {
  const c = stack.config;
  const scaling = {
    vpc,
    loadBalancer,
    app,
    minCapacity: c.minCapacity,
    maxCapacity: c.maxCapacity,
    desiredCapacity: c.desiredCapacity,
    cpuTargetPercent: c.cpuTargetPercent,
    requestsPerTarget: c.requestsPerTarget,
    // Only a tier that holds no state may run on capacity that can be taken back (stage 6 and up).
    spot: stack.stage >= 6 ? { onDemandBase: c.onDemandBase, spotPercentage: c.spotPercentage } : undefined,
  };
  return c.webTier === 'ec2'
    ? new AutoScalingWebTier(stack, 'AutoScalingWebTier', { ...scaling, instanceType: c.instanceType })
    : new FargateWebTier(stack, 'FargateWebTier', { ...scaling, taskCpu: c.taskCpu, taskMemoryMiB: c.taskMemoryMiB });
}

/** The web tier as what serves the API: it, and what of it changes with what it serves (the launch template, the task definition). */
export function servedByWebTier(webTier: WebTier): ServedBy {
  if (webTier instanceof AutoScalingWebTier) return { construct: webTier, servingPart: webTier.launchTemplate };
  if (webTier instanceof FargateWebTier) return { construct: webTier, servingPart: webTier.service.taskDefinition };
  throw new Error(`${webTier.node.path}: a web tier of kind ${webTier.kind} has no serving part the deployment verification knows`);
}
