/** Whether the stack is rolling back (lambda/verify-deployment/rollback.ts); the handler's use of it is in verify.test.ts. */
import { CloudFormationClient, DescribeStacksCommand, StackStatus } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { isRollingBack, stackState } from '../../../lambda/verify-deployment/rollback';

const cloudformation = mockClient(CloudFormationClient);
beforeEach(() => cloudformation.reset());

const STACK_ID = 'arn:aws:cloudformation:us-east-1:123456789012:stack/Stage1-SingleServer/0a1b2c3d-4e5f-6789-abcd-ef0123456789';
const client = () => new CloudFormationClient({ region: 'us-east-1' });
const instantClock = () => {
  const slept: number[] = [];
  return { slept, now: () => 0, sleep: async (ms: number) => void slept.push(ms) };
};
const stack = (status: string) => ({
  Stacks: [{ StackId: STACK_ID, StackName: 'Stage1-SingleServer', StackStatus: status as StackStatus, CreationTime: new Date() }],
});

test('of every stack status the SDK knows, exactly those of a rollback in progress count as rolling back', () => {
  expect(Object.values(StackStatus).filter(isRollingBack).sort()).toEqual([
    'IMPORT_ROLLBACK_IN_PROGRESS',
    'ROLLBACK_IN_PROGRESS',
    'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS',
    'UPDATE_ROLLBACK_IN_PROGRESS',
  ]);
  // What a deployment is in while the trigger runs, and a rollback that is over.
  for (const status of [
    'CREATE_IN_PROGRESS',
    'UPDATE_IN_PROGRESS',
    'IMPORT_IN_PROGRESS',
    'UPDATE_ROLLBACK_COMPLETE',
    'UPDATE_ROLLBACK_FAILED',
  ])
    expect([status, isRollingBack(status)]).toEqual([status, false]);
});

test('GIVEN a stack WHEN its state is asked THEN DescribeStacks names it by its id and its status is returned', async () => {
  cloudformation.on(DescribeStacksCommand).resolves(stack('UPDATE_ROLLBACK_IN_PROGRESS'));
  expect(await stackState(STACK_ID, { cloudformation: client(), clock: instantClock() })).toEqual({
    status: 'UPDATE_ROLLBACK_IN_PROGRESS',
  });
  expect(cloudformation.commandCalls(DescribeStacksCommand).map((c) => c.args[0].input)).toEqual([{ StackName: STACK_ID }]);
});

test('GIVEN throttling WHEN the state is asked THEN it is asked again with backoff', async () => {
  const throttled = Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } });
  cloudformation.on(DescribeStacksCommand).rejectsOnce(throttled).rejectsOnce(throttled).resolves(stack('UPDATE_IN_PROGRESS'));
  const clock = instantClock();
  expect(await stackState(STACK_ID, { cloudformation: client(), clock })).toEqual({ status: 'UPDATE_IN_PROGRESS' });
  expect(clock.slept).toEqual([1000, 2000]);
});

test.each([
  [
    'access is denied',
    () =>
      cloudformation
        .on(DescribeStacksCommand)
        .rejects(Object.assign(new Error('not authorized to perform: cloudformation:DescribeStacks'), { name: 'AccessDenied' })),
    `cloudformation:DescribeStacks on ${STACK_ID} failed: AccessDenied: not authorized to perform: cloudformation:DescribeStacks`,
  ],
  [
    'no stack comes back',
    () => cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [] }),
    `cloudformation:DescribeStacks on ${STACK_ID} returned no stack status`,
  ],
])(
  'GIVEN %s WHEN the state is asked THEN it is unreadable, naming the call, the stack and what went wrong',
  async (_case, arrange, unreadable) => {
    arrange();
    expect(await stackState(STACK_ID, { cloudformation: client(), clock: instantClock() })).toEqual({ unreadable });
    expect(cloudformation.commandCalls(DescribeStacksCommand)).toHaveLength(1); // not retried: another attempt would not change it
  },
);
