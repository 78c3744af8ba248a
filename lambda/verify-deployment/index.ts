/**
 * The deployment verification Lambda, run by a CDK trigger once a stage's record and web tier
 * exist. It throws when the stage does not serve, which fails the trigger and rolls the deployment
 * back. Its settings come from the environment the stage sets.
 */
import { Route53Client } from '@aws-sdk/client-route-53';
import { realClock } from '../shared/retry';
import { networkProbe } from './probe';
import { describeRecords, type RecordType, type Routing, type Target, type VerifyParams, verifyDeployment } from './verify';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}

export function paramsFromEnvironment(): VerifyParams {
  const kind = required('TARGET_KIND');
  let target: Target;
  if (kind === 'ip') target = { kind, address: required('TARGET') };
  else if (kind === 'alias' || kind === 'cdn')
    target = { kind, dnsName: required('TARGET'), hostedZoneId: required('TARGET_HOSTED_ZONE_ID') };
  else throw new Error(`environment variable TARGET_KIND is ${JSON.stringify(kind)}; allowed: ip, alias, cdn`);
  const routingKind = required('ROUTING');
  let routing: Routing;
  if (routingKind === 'simple') routing = { kind: routingKind };
  else if (routingKind === 'weighted') {
    const weight = required('WEIGHT');
    if (!/^\d+$/.test(weight) || Number(weight) > 255)
      throw new Error(`environment variable WEIGHT is ${JSON.stringify(weight)}; allowed: an integer from 0 to 255`);
    routing = { kind: routingKind, setIdentifier: required('SET_IDENTIFIER'), weight: Number(weight) };
  } else throw new Error(`environment variable ROUTING is ${JSON.stringify(routingKind)}; allowed: weighted, simple`);
  const types = required('RECORD_TYPES');
  if (types !== 'A' && types !== 'A,AAAA')
    throw new Error(`environment variable RECORD_TYPES is ${JSON.stringify(types)}; allowed: A, A,AAAA`);
  return {
    hostedZoneId: required('HOSTED_ZONE_ID'),
    recordName: required('RECORD_NAME'),
    routing,
    recordTypes: types.split(',') as RecordType[],
    target,
    healthUrl: required('HEALTH_URL'),
    readyUrl: required('READY_URL'),
    hostName: process.env.HOST_NAME || undefined,
    budgetMs: Number(required('BUDGET_SECONDS')) * 1000,
  };
}

// Retries are ours (bounded backoff in lambda/shared/retry.ts), so the client makes one attempt per call.
const route53 = new Route53Client({ maxAttempts: 1 });

export async function handler(): Promise<{ verified: string }> {
  const params = paramsFromEnvironment();
  await verifyDeployment(params, { route53, probe: networkProbe, clock: realClock, log: (line) => console.log(line) });
  return { verified: describeRecords(params) };
}
