/**
 * The deployment verification Lambda, run by a CDK trigger once a stage's record and web tier
 * exist. It throws when the stage does not serve, which fails the trigger and rolls the deployment
 * back; while the stack rolls back, it verifies nothing and succeeds (./rollback.ts). Its settings
 * come from the environment the stage sets.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { Route53Client } from '@aws-sdk/client-route-53';
import { realClock } from '../shared/retry';
import { networkProbe } from './probe';
import { isRollingBack, type StackDeps, stackState } from './rollback';
import { type Deps, describeRecords, type RecordType, type Routing, type Target, type VerifyParams, verifyDeployment } from './verify';

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

export type Outcome = { readonly verified: string } | { readonly skipped: string };

/**
 * Verifies the stage, unless its stack (STACK_ID) is rolling back: then it returns at once, before
 * any setting is read or any check made. When the status cannot be read, it verifies, as for a
 * deployment: skipping could pass a deployment that does not serve, and failing would roll back
 * one that does; a failure then also says that the status was not read, the one case in which a
 * rollback is still verified.
 */
export async function run(deps: Deps & StackDeps): Promise<Outcome> {
  const stackId = required('STACK_ID');
  const state = await stackState(stackId, deps);
  if ('status' in state && isRollingBack(state.status)) {
    const skipped = `not verified: stack ${stackId} is ${state.status}; CloudFormation is restoring the deployment that last completed, and a failure or a wait here would fail the rollback (UPDATE_ROLLBACK_FAILED)`;
    deps.log(`rollback: ${skipped}`);
    return { skipped };
  }
  const unread = 'unreadable' in state ? state.unreadable : undefined;
  if (unread) deps.log(`stack status: ${unread}; verifying as for a deployment`);
  const params = paramsFromEnvironment();
  try {
    await verifyDeployment(params, deps);
  } catch (error) {
    if (unread && error instanceof Error)
      error.message += ` (verified as for a deployment, since the stack status that tells a rollback apart could not be read: ${unread})`;
    throw error;
  }
  return { verified: describeRecords(params) };
}

// Retries are ours (bounded backoff in lambda/shared/retry.ts), so each client makes one attempt per call.
const route53 = new Route53Client({ maxAttempts: 1 });
// Bounded, so that an unanswered status request does not spend a rollback's time.
const cloudformation = new CloudFormationClient({ maxAttempts: 1, requestHandler: { connectionTimeout: 5_000, requestTimeout: 10_000 } });

export const handler = (): Promise<Outcome> =>
  run({ route53, cloudformation, probe: networkProbe, clock: realClock, log: (line) => console.log(line) });
