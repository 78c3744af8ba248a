/** The managed cache tier of stages 5 and up. */
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import { ManagedCache } from '../../constructs/cache-tier';
import type { StageStack } from '../stage-stack';

/** ElastiCache Serverless for Valkey, in the isolated subnets, sized by `cacheMaxGiB` and `cacheMaxEcpuPerSecond`. */
export function managedCache(stack: StageStack, vpc: ec2.IVpc): ManagedCache {
  return new ManagedCache(stack, 'Cache', {
    vpc,
    maxDataGiB: stack.config.cacheMaxGiB,
    maxEcpuPerSecond: stack.config.cacheMaxEcpuPerSecond,
  });
}
