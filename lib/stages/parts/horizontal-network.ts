/** The network of a load-balanced stage (3 and up). */
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import { natProviderOf } from '../../config/schema';
import { Network } from '../../constructs/network';
import type { StageStack } from '../stage-stack';

/**
 * Public subnets for the load balancer and NAT, private ones for the web tier behind the NAT this
 * stage's `natProvider` asks for, and isolated ones when something lives there (the database with
 * `rds`, the managed cache).
 */
export function horizontalNetwork(stack: StageStack, isolated: { readonly database?: boolean; readonly cache?: boolean }): ec2.IVpc {
  const c = stack.config;
  return new Network(stack, 'Network', {
    availabilityZones: c.availabilityZones,
    privateTier: { nat: { provider: natProviderOf(c, stack.stage), count: c.natCount, instanceType: c.natInstanceType } },
    isolatedTier: (isolated.database === true && c.dataStore === 'rds') || isolated.cache === true,
  }).vpc;
}
