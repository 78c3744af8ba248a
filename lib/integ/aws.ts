/**
 * The deploy test's AWS clients, one set per region, and what the runner asks of CloudFormation
 * with them: the physical ids of a stack's resources (for the drills), and the sweep of what the
 * stacks' deletion leaves (./sweep/).
 *
 * The sweep lists the stacks twice: before the destroy, while they still say what they hold, and
 * after it by their unique ids, which CloudFormation answers for a deleted stack too ("You must
 * specify the unique stack ID" of a deleted stack, API_ListStackResources). The second listing
 * catches what a stack made after the first, when Ctrl-C stopped its creation, and shows what the
 * deletion kept (DELETE_SKIPPED, a Retain policy).
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ECSClient } from '@aws-sdk/client-ecs';
import { RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { realClock } from '../../lambda/shared/retry';
import type { Config } from '../config';
import type { StageNumber } from '../config/stages';
import { drillsFor } from './drills';
import type { Proof, SweepPort } from './runner';
import { type Clients, type Inventory, type RegionClients, stackResources, sweep, takeInventory } from './sweep/leftovers';
import type { DeployedStack, Interruption } from './types';

/** The clients of a region, made once each. */
export function regionClients(): Clients {
  const made = new Map<string, RegionClients>();
  return (region) => {
    let clients = made.get(region);
    if (!clients) {
      clients = {
        cloudformation: new CloudFormationClient({ region }),
        s3: new S3Client({ region }),
        dynamodb: new DynamoDBClient({ region }),
        rds: new RDSClient({ region }),
        logs: new CloudWatchLogsClient({ region }),
        secrets: new SecretsManagerClient({ region }),
      };
      made.set(region, clients);
    }
    return clients;
  };
}

/** The physical ids of the stack's resources of a CloudFormation type, such as its `AWS::RDS::DBCluster`. */
export async function physicalIdsOf(stack: DeployedStack, type: string, clients: Clients): Promise<string[]> {
  const resources = await stackResources(stack, clients(stack.region).cloudformation);
  return resources.filter((r) => r.ResourceType === type && r.PhysicalResourceId).map((r) => r.PhysicalResourceId!);
}

/** The unique id of each stack that exists, to list it again once it is deleted. */
async function stackIds(stacks: readonly DeployedStack[], clients: Clients): Promise<DeployedStack[]> {
  const found = await Promise.all(
    stacks.map(async (stack) => {
      try {
        const { Stacks } = await clients(stack.region).cloudformation.send(new DescribeStacksCommand({ StackName: stack.stackName }));
        const id = Stacks?.[0]?.StackId;
        return id ? [{ stackName: id, region: stack.region }] : [];
      } catch {
        // Not created: nothing to list again.
        return [];
      }
    }),
  );
  return found.flat();
}

/** The sweep as the runner takes it: listed before the destroy, listed again and removed after it. */
export function awsSweep(stacks: readonly DeployedStack[], clients: Clients): SweepPort {
  return {
    async inventory() {
      const [before, ids] = await Promise.all([takeInventory(stacks, clients), stackIds(stacks, clients)]);
      return { before, ids };
    },
    async sweep(listed) {
      const { before, ids } = listed as { before: Inventory; ids: DeployedStack[] };
      // The second listing only adds to the first: without it, what the first found is still removed.
      const after = await takeInventory(ids, clients).catch(() => undefined);
      return sweep(after ? [before, after] : [before], clients);
    },
  };
}

/**
 * The drills that apply to the stage, as the runner runs them: with the global `fetch`, real time,
 * and the clients of the stage's region (where its servers and database are).
 */
export function drillProofs(stage: StageNumber, config: Config, interruption: Interruption): Proof[] {
  const region = config.region;
  const deps = {
    http: (url: string, init?: RequestInit) => fetch(url, init),
    clock: realClock,
    interruption,
    ec2: new EC2Client({ region }),
    ecs: new ECSClient({ region }),
    rds: new RDSClient({ region }),
  };
  return drillsFor({ stage, config }).map((drill) => ({ name: drill.name, run: (deployed) => drill.run(deployed, deps) }));
}
