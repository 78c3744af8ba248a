/**
 * What a stack's deletion can leave behind, one kind at a time, and how each kind is removed: by
 * the sweep, and by a person with the AWS CLI when the sweep could not (the command it prints).
 *
 * - a bucket: `Retain`, or not empty (CloudFormation deletes only empty buckets);
 * - a DynamoDB table: `Retain` (the data tier's), with deletion protection on or off;
 * - the final snapshots of an RDS cluster or instance: `Snapshot` makes CloudFormation take a manual
 *   snapshot before deleting the database, and nothing ever deletes it;
 * - a log group: Lambda creates `/aws/lambda/<function>` itself, outside the stack, for a function
 *   that names no log group of its own; a stack's own log group can be written again (and so
 *   created again) by a service still delivering to it;
 * - a secret: one RDS manages (`manageMasterUserPassword`, stage 4's cluster) is not the stack's;
 *   RDS deletes it with the database
 *   (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-secrets-manager.html), and says
 *   nothing of a recovery window, so the sweep looks. One the stack made CloudFormation deletes
 *   without recovery (https://github.com/aws-cloudformation/cloudformation-coverage-roadmap/issues/1999),
 *   and remains only when the stack's deletion failed.
 */
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { type CloudWatchLogsClient, DeleteLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DeleteTableCommand, DescribeTableCommand, type DynamoDBClient, UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import type { RDSClient } from '@aws-sdk/client-rds';
import type { S3Client } from '@aws-sdk/client-s3';
import { DeleteSecretCommand, DescribeSecretCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Clock } from '../../../lambda/shared/retry';
import { shellQuote } from './aws-cli';
import { errorName, isNotFound, reason } from './aws-errors';
import { bucketCommand, type Emptied, removeBucket } from './empty-bucket';
import { CLUSTER_SNAPSHOTS, INSTANCE_SNAPSHOTS, removeFinalSnapshots } from './final-snapshots';

/** The SDK clients of one region. */
export interface RegionClients {
  readonly cloudformation: Pick<CloudFormationClient, 'send'>;
  readonly s3: Pick<S3Client, 'send'>;
  readonly dynamodb: Pick<DynamoDBClient, 'send'>;
  readonly rds: Pick<RDSClient, 'send'>;
  readonly logs: Pick<CloudWatchLogsClient, 'send'>;
  readonly secrets: Pick<SecretsManagerClient, 'send'>;
}

/** The clients of each region a stack is in. */
export type Clients = (region: string) => RegionClients;

/** One thing a stack's deletion can leave, where it is, and which stack it came from. Plain data: an inventory can be written to a file. */
export type Remnant = { readonly region: string; readonly stack: string } & (
  | { readonly kind: 'bucket'; readonly name: string }
  | { readonly kind: 'table'; readonly name: string }
  | { readonly kind: 'cluster-snapshots'; readonly cluster: string }
  | { readonly kind: 'instance-snapshots'; readonly instance: string }
  | { readonly kind: 'log-group'; readonly name: string }
  | { readonly kind: 'secret'; readonly arn: string }
);

/** What the sweep could not remove: what it is, where, why not (the service's answer), and the command that removes it. */
export interface Leftover {
  readonly what: string;
  readonly region: string;
  readonly why: string;
  readonly command: string;
}

/** What the sweep removed (one line each; what was already gone is not listed), and what is left. */
export interface SweepReport {
  readonly removed: string[];
  readonly left: Leftover[];
}

/** How long the sweep waits for a table busy with an update (deletion protection being turned off) before it gives up. */
export const TABLE_WAIT_MS = 5 * 60_000;
const POLL_MS = 15_000;

/** How a person names the remnant, in the report and when it is left. */
export function describe(remnant: Remnant): string {
  switch (remnant.kind) {
    case 'bucket':
      return `S3 bucket ${remnant.name}`;
    case 'table':
      return `DynamoDB table ${remnant.name}`;
    case 'cluster-snapshots':
      return `final snapshots of Aurora cluster ${remnant.cluster}`;
    case 'instance-snapshots':
      return `final snapshots of DB instance ${remnant.instance}`;
    case 'log-group':
      return `log group ${remnant.name}`;
    case 'secret':
      return `secret ${remnant.arn}`;
  }
}

/** Removes what is left of `remnant`; never rejects: each failure is a leftover with its command. */
export async function removeRemnant(remnant: Remnant, clients: RegionClients, clock: Clock): Promise<SweepReport> {
  const { region } = remnant;
  switch (remnant.kind) {
    case 'bucket': {
      const emptied: Emptied = { versions: 0, deleteMarkers: 0, versioned: false };
      try {
        const done = await removeBucket(clients.s3, remnant.name, emptied);
        if (!done) return { removed: [], left: [] };
        const content =
          done.versions + done.deleteMarkers === 0
            ? 'empty'
            : `emptied of ${count(done.versions, 'object version')} and ${count(done.deleteMarkers, 'delete marker')}`;
        return { removed: [`${describe(remnant)} (${content})`], left: [] };
      } catch (error) {
        return leftover(remnant, error, bucketCommand(remnant.name, region, emptied.versioned));
      }
    }
    case 'table':
      return removeTable(remnant.name, remnant, clients.dynamodb, clock);
    case 'cluster-snapshots':
      return removeFinalSnapshots(CLUSTER_SNAPSHOTS, remnant.cluster, remnant.region, clients.rds, clock);
    case 'instance-snapshots':
      return removeFinalSnapshots(INSTANCE_SNAPSHOTS, remnant.instance, remnant.region, clients.rds, clock);
    case 'log-group':
      try {
        await clients.logs.send(new DeleteLogGroupCommand({ logGroupName: remnant.name }));
        return { removed: [describe(remnant)], left: [] };
      } catch (error) {
        if (isNotFound(error)) return { removed: [], left: [] };
        return leftover(remnant, error, `aws logs delete-log-group --log-group-name ${shellQuote(remnant.name)} --region ${region}`);
      }
    case 'secret':
      return removeSecret(remnant.arn, remnant, clients.secrets);
  }
}

const leftover = (remnant: Remnant, error: unknown, command: string): SweepReport => ({
  removed: [],
  left: [{ what: describe(remnant), region: remnant.region, why: reason(error), command }],
});

const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

async function removeTable(name: string, remnant: Remnant, dynamodb: RegionClients['dynamodb'], clock: Clock): Promise<SweepReport> {
  const remove = `aws dynamodb delete-table --table-name ${shellQuote(name)} --region ${remnant.region}`;
  let protectedTable = false;
  try {
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: name }));
    protectedTable = Table?.DeletionProtectionEnabled === true;
    if (protectedTable) await dynamodb.send(new UpdateTableCommand({ TableName: name, DeletionProtectionEnabled: false }));
    // A table still being created, or updated (the change above), refuses deletion with ResourceInUseException until it is active.
    for (const deadline = clock.now() + TABLE_WAIT_MS; ; ) {
      try {
        await dynamodb.send(new DeleteTableCommand({ TableName: name }));
        break;
      } catch (error) {
        if (errorName(error) !== 'ResourceInUseException' || clock.now() >= deadline) throw error;
        await clock.sleep(POLL_MS);
      }
    }
    return { removed: [`${describe(remnant)}${protectedTable ? ' (deletion protection turned off first)' : ''}`], left: [] };
  } catch (error) {
    if (isNotFound(error)) return { removed: [], left: [] };
    const unprotect = `aws dynamodb update-table --table-name ${shellQuote(name)} --no-deletion-protection-enabled --region ${remnant.region}`;
    return leftover(remnant, error, protectedTable ? `${unprotect} && ${remove}` : remove);
  }
}

/**
 * Deletes the secret without a recovery window (ForceDeleteWithoutRecovery), whether it still
 * exists or is already scheduled for deletion ("If you forcibly delete an already deleted or
 * nonexistent secret, the operation does not return ResourceNotFoundException",
 * https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DeleteSecret.html).
 *
 * Why without recovery: the run promises to leave nothing of what it created, and a scheduled
 * secret stays listed (and restorable) for 7 to 30 days; nothing else uses it, the run's names
 * being its own. It costs nothing while scheduled ("There is no charge for secrets that you have
 * marked for deletion", https://docs.aws.amazon.com/secretsmanager/latest/userguide/manage_delete-secret.html),
 * so this is about leaving the account as it was, not about cost. DescribeSecret first, because a
 * forced DeleteSecret of a secret already gone succeeds too, and the report should not claim it.
 */
async function removeSecret(arn: string, remnant: Remnant, secrets: RegionClients['secrets']): Promise<SweepReport> {
  try {
    const secret = await secrets.send(new DescribeSecretCommand({ SecretId: arn }));
    await secrets.send(new DeleteSecretCommand({ SecretId: arn, ForceDeleteWithoutRecovery: true }));
    return {
      removed: [`${describe(remnant)}${secret.DeletedDate ? ' (it was scheduled for deletion: deleted now, without recovery)' : ''}`],
      left: [],
    };
  } catch (error) {
    if (isNotFound(error)) return { removed: [], left: [] };
    return leftover(
      remnant,
      error,
      `aws secretsmanager delete-secret --secret-id ${shellQuote(arn)} --force-delete-without-recovery --region ${remnant.region}`,
    );
  }
}
