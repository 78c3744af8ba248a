/**
 * Preflight's real clients, one attempt each (its checks retry by themselves, and a check that
 * cannot run is reported, not waited on): for `zero-to-millions preflight` and the deploy test.
 */
import { promises as dns } from 'node:dns';
import { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { RDSClient } from '@aws-sdk/client-rds';
import { Route53Client } from '@aws-sdk/client-route-53';
import { SSMClient } from '@aws-sdk/client-ssm';
import { realClock } from '../../lambda/shared/retry';
import type { Config } from '../config';
import type { PreflightDeps } from '.';

export function preflightClients(config: Config): PreflightDeps {
  return {
    route53: new Route53Client({ region: 'us-east-1', maxAttempts: 1 }),
    rds: new RDSClient({ region: config.region, maxAttempts: 1 }),
    dynamodb: new DynamoDBClient({ region: config.region, maxAttempts: 1 }),
    cloudfront: new CloudFrontClient({ region: 'us-east-1', maxAttempts: 1 }),
    ssm: (region) => new SSMClient({ region, maxAttempts: 1 }),
    resolveNs: (domain) => dns.resolveNs(domain),
    clock: realClock,
  };
}
