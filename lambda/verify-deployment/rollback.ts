/**
 * Whether CloudFormation is rolling the stack back, asked before any check: a rollback is never
 * verified.
 *
 * When an update fails (the verification itself, or any other resource), CloudFormation rolls back
 * with the stack UPDATE_ROLLBACK_IN_PROGRESS and sends the trigger another Update, with the old
 * properties (ResourceProperties the old ones, OldResourceProperties the failed ones), which
 * aws-cdk-lib's trigger provider answers like any update: it invokes the verification, with no
 * payload, so the Lambda sees neither the request type nor the stack. Run then, the verification
 * judges a stage that is still being restored, and its failure (or its wait of up to the whole
 * budget) fails the rollback: the stack ends UPDATE_ROLLBACK_FAILED, which only a manual
 * `continue-update-rollback` gets out of. What the rollback restores is the deployment that last
 * completed. The rollback of a failed create deletes the trigger, and a delete never invokes it.
 *
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-requesttypes-update.html
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStacks.html
 */
import { type CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { type Clock, retrying } from '../shared/retry';

/**
 * The stack statuses of a rollback in progress: ROLLBACK_IN_PROGRESS (a failed create),
 * UPDATE_ROLLBACK_IN_PROGRESS (a failed update: its resources are updated back), its cleanup, and
 * IMPORT_ROLLBACK_IN_PROGRESS.
 */
export function isRollingBack(status: string): boolean {
  return status.includes('ROLLBACK') && status.endsWith('_IN_PROGRESS');
}

/** What the stack is doing: its status, or (when DescribeStacks fails) what failed. */
export type StackState = { readonly status: string } | { readonly unreadable: string };

export interface StackDeps {
  readonly cloudformation: Pick<CloudFormationClient, 'send'>;
  readonly clock: Clock;
}

/**
 * The status of the stack `stackId` (its ARN, the stack's unique id), retrying throttling and AWS
 * faults with backoff. A failure is returned, not thrown, naming the call, the stack and the error:
 * the caller decides what an unknown status means.
 */
export async function stackState(stackId: string, deps: StackDeps): Promise<StackState> {
  try {
    const { Stacks } = await retrying(() => deps.cloudformation.send(new DescribeStacksCommand({ StackName: stackId })), deps.clock);
    const status = Stacks?.[0]?.StackStatus;
    return status ? { status } : { unreadable: `cloudformation:DescribeStacks on ${stackId} returned no stack status` };
  } catch (error) {
    const { name, message } = error as Error;
    return { unreadable: `cloudformation:DescribeStacks on ${stackId} failed: ${name}: ${message}` };
  }
}
