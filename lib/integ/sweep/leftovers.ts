/**
 * What the deploy test leaves in the account, and its removal. Before the stage is destroyed,
 * `takeInventory` lists each stack's resources and records those a stack's deletion can leave
 * behind (./remnants.ts says which and why); after the destroy, `sweep` removes whatever of them is
 * still there and reports, for anything it could not remove, the command that does.
 */
import {
  DescribeStacksCommand,
  ListStackResourcesCommand,
  type StackResourceSummary,
  type StackStatus,
} from '@aws-sdk/client-cloudformation';
import { DescribeDBClustersCommand, DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { type Clock, realClock } from '../../../lambda/shared/retry';
import type { DeployedStack } from '../types';
import { errorName, isNotFound } from './aws-errors';
import { type Clients, type RegionClients, type Remnant, removeRemnant, type SweepReport } from './remnants';

export type { Clients, Leftover, RegionClients, Remnant, SweepReport } from './remnants';

/** What the stacks held that their deletion can leave, taken before they are destroyed. */
export interface Inventory {
  readonly stacks: readonly DeployedStack[];
  readonly remnants: readonly Remnant[];
}

/** CloudFormation's answer for a stack that is not there (never created, or deleted): a ValidationError that says so. */
const stackMissing = (error: unknown) => errorName(error) === 'ValidationError' && /does not exist/.test(String((error as Error).message));

/** Every resource of the stack, page by page; none for a stack that does not exist. */
export async function stackResources(
  stack: DeployedStack,
  cloudformation: RegionClients['cloudformation'],
): Promise<StackResourceSummary[]> {
  const resources: StackResourceSummary[] = [];
  let NextToken: string | undefined;
  try {
    do {
      const page = await cloudformation.send(new ListStackResourcesCommand({ StackName: stack.stackName, NextToken }));
      resources.push(...(page.StackResourceSummaries ?? []));
      NextToken = page.NextToken;
    } while (NextToken);
  } catch (error) {
    if (stackMissing(error)) return [];
    throw error;
  }
  return resources;
}

/** The secret RDS manages for a database's master user (`manageMasterUserPassword`), which is not a resource of the stack. */
async function managedSecret(kind: 'cluster' | 'instance', id: string, rds: RegionClients['rds']): Promise<string | undefined> {
  try {
    if (kind === 'cluster') {
      const { DBClusters } = await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }));
      return DBClusters?.[0]?.MasterUserSecret?.SecretArn;
    }
    const { DBInstances } = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }));
    return DBInstances?.[0]?.MasterUserSecret?.SecretArn;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** What one resource can leave once its stack is deleted. */
async function remnantsOf(resource: StackResourceSummary, stack: DeployedStack, rds: RegionClients['rds']): Promise<Remnant[]> {
  const id = resource.PhysicalResourceId;
  // A resource whose creation had not started when the run stopped has no id, and nothing to leave.
  if (!id) return [];
  const at = { region: stack.region, stack: stack.stackName };
  switch (resource.ResourceType) {
    case 'AWS::S3::Bucket':
      return [{ ...at, kind: 'bucket', name: id }];
    case 'AWS::DynamoDB::Table':
    case 'AWS::DynamoDB::GlobalTable':
      return [{ ...at, kind: 'table', name: id }];
    case 'AWS::RDS::DBCluster':
    case 'AWS::RDS::DBInstance': {
      const cluster = resource.ResourceType === 'AWS::RDS::DBCluster';
      const secret = await managedSecret(cluster ? 'cluster' : 'instance', id, rds);
      const snapshots: Remnant = cluster
        ? { ...at, kind: 'cluster-snapshots', cluster: id }
        : { ...at, kind: 'instance-snapshots', instance: id };
      return secret ? [snapshots, { ...at, kind: 'secret', arn: secret }] : [snapshots];
    }
    case 'AWS::Lambda::Function':
      // The physical id of a function is its name; Lambda names the log group it creates after it.
      return [{ ...at, kind: 'log-group', name: `/aws/lambda/${id}` }];
    case 'AWS::Logs::LogGroup':
      return [{ ...at, kind: 'log-group', name: id }];
    case 'AWS::SecretsManager::Secret':
      return [{ ...at, kind: 'secret', arn: id }];
    default:
      // Instances' root volumes are deleted with them (deleteOnTermination, lib/constructs/web-host.ts); the rest goes with its stack.
      return [];
  }
}

/**
 * Lists what the stacks' deletion can leave behind. Call it before the destroy, while the stacks
 * (and their databases, whose RDS-managed secrets are found through them) still exist; a stack
 * that does not exist contributes nothing. Rejects when a stack's resources cannot be listed.
 */
export async function takeInventory(stacks: readonly DeployedStack[], clients: Clients): Promise<Inventory> {
  const perStack = await Promise.all(
    stacks.map(async (stack) => {
      const { cloudformation, rds } = clients(stack.region);
      const resources = await stackResources(stack, cloudformation);
      return (await Promise.all(resources.map((r) => remnantsOf(r, stack, rds)))).flat();
    }),
  );
  return { stacks, remnants: perStack.flat() };
}

/**
 * Removes whatever of the inventory is still there, after the destroy: buckets emptied (every
 * version and delete marker) and deleted, tables deleted (deletion protection off first), final
 * snapshots deleted, log groups deleted, secrets deleted without recovery. Never rejects: what it
 * cannot remove is in `left`, each with the command that removes it. Given several inventories of
 * the same stacks, it removes each remnant once.
 */
export async function sweep(inventory: Inventory | readonly Inventory[], clients: Clients, clock: Clock = realClock): Promise<SweepReport> {
  const remnants = new Map<string, Remnant>();
  for (const { remnants: found } of [inventory].flat()) {
    for (const remnant of found) remnants.set(JSON.stringify({ ...remnant, stack: undefined }), remnant);
  }
  const reports = await Promise.all([...remnants.values()].map((remnant) => removeRemnant(remnant, clients(remnant.region), clock)));
  return { removed: reports.flatMap((r) => r.removed), left: reports.flatMap((r) => r.left) };
}

/**
 * The stack's status (`CREATE_IN_PROGRESS`, `UPDATE_COMPLETE`, …), or `undefined` when it does not
 * exist. For the runner to tell, after Ctrl-C during a deploy, what it may do next. DeleteStack is
 * refused while an update runs: "Stack [<name>] cannot be deleted while in status UPDATE_IN_PROGRESS"
 * (also UPDATE_COMPLETE_CLEANUP_IN_PROGRESS, UPDATE_ROLLBACK_*_IN_PROGRESS), a ValidationError
 * (https://github.com/aws-amplify/amplify-backend/pull/2366,
 * https://github.com/aws-solutions-library-samples/guidance-for-clickstream-analytics-on-aws/issues/573):
 * the runner waits for a status that does not end in _IN_PROGRESS (or cancels the update,
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn--stack-update-cancel.html)
 * and deletes then. A stack in CREATE_IN_PROGRESS takes DeleteStack: CloudFormation cancels the
 * resources still being created and deletes those it made (the API reference,
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DeleteStack.html, names no
 * status that refuses it; no AWS page found says more). Such a stack can still make resources after
 * an inventory was taken: an inventory taken again while it is DELETE_IN_PROGRESS (its resources
 * are listed until the deletion completes) catches them, and `sweep` takes the two together.
 */
export async function stackStatus(stack: DeployedStack, cloudformation: RegionClients['cloudformation']): Promise<StackStatus | undefined> {
  try {
    const { Stacks } = await cloudformation.send(new DescribeStacksCommand({ StackName: stack.stackName }));
    const status = Stacks?.[0]?.StackStatus;
    return status === 'DELETE_COMPLETE' ? undefined : status;
  } catch (error) {
    if (stackMissing(error)) return undefined;
    throw error;
  }
}
