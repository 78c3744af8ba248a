/**
 * The session-survives drill (lib/integ/drills/session-survives.ts): two servers of the real service
 * behind one front, EC2 and ECS mocked with the shapes their API references document, stopping a
 * server in the stand-in when the drill stops it by API.
 */
import { DescribeInstancesCommand, EC2Client, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { ECSClient, StopTaskCommand } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { SESSION_SURVIVES, sessionSurvives } from '../../../lib/integ/drills/session-survives';
import { httpDeps, SERVERS, STACKS, StandIn, type StandInOptions, stageAt } from './stand-in';

const ec2 = mockClient(EC2Client);
const ecs = mockClient(ECSClient);
const [A, B] = SERVERS;
const TASKS = ['0f1e2d3c4b5a69788796a5b4c3d2e1f0', '9a8b7c6d5e4f30211203f4e5d6c7b8a9'];
const CLUSTER = 'Integ-ab12cd-Stage6-Stateless-WebTierCluster1A2B3C4D-x9Y8z7W6v5U4';

/** DescribeInstances for one instance of an Auto Scaling group that CloudFormation created in `stackName`. */
const described = (instanceId: string, stackName: string) => ({
  Reservations: [
    {
      ReservationId: 'r-0a1b2c3d4e5f60718',
      OwnerId: '123456789012',
      Groups: [],
      Instances: [
        {
          InstanceId: instanceId,
          ImageId: 'ami-0abcdef1234567890',
          InstanceType: 't3.small' as const,
          State: { Code: 16, Name: 'running' as const },
          PrivateIpAddress: '10.0.3.17',
          SubnetId: 'subnet-0a1b2c3d4e5f60718',
          VpcId: 'vpc-0a1b2c3d4e5f60718',
          Tags: [
            { Key: 'aws:autoscaling:groupName', Value: `${stackName}-WebTierAsg-AbCdEfGh1234` },
            { Key: 'aws:cloudformation:logical-id', Value: 'WebTierAsgA1B2C3D4' },
            { Key: 'aws:cloudformation:stack-name', Value: stackName },
          ],
        },
      ],
    },
  ],
});

let standIn: StandIn;
beforeEach(() => {
  ec2.reset();
  ecs.reset();
});
afterEach(() => standIn.close());

async function drill(options: StandInOptions & { webTier?: 'ec2' | 'ecs' } = {}) {
  standIn = new StandIn(options);
  const stage = stageAt(await standIn.start(), 6, { webTier: options.webTier ?? 'ec2' }, { 'AWS::ECS::Cluster': [CLUSTER] });
  return sessionSurvives(stage, {
    ...httpDeps(),
    ec2: new EC2Client({ region: 'eu-west-1' }),
    ecs: new ECSClient({ region: 'eu-west-1' }),
  });
}

/** Terminating an instance stops it in the stand-in, as the load balancer stops sending to it. */
function terminates() {
  ec2.on(TerminateInstancesCommand).callsFake(({ InstanceIds }: { InstanceIds: string[] }) => {
    standIn.stop(InstanceIds[0]);
    return {
      TerminatingInstances: [
        { InstanceId: InstanceIds[0], CurrentState: { Code: 32, Name: 'shutting-down' }, PreviousState: { Code: 16, Name: 'running' } },
      ],
    };
  });
}

test('GIVEN sessions in a shared store WHEN the server that started one is terminated THEN another answers with it', async () => {
  ec2.on(DescribeInstancesCommand).resolves(described(A, STACKS[0].stackName));
  terminates();
  const result = await drill();
  expect(result).toMatchObject({
    name: 'session-survives',
    ok: true,
    detail: `session started on ${A}, which was stopped; 0 s later ${B} answered with the same session and its item`,
  });
  expect(ec2.commandCalls(DescribeInstancesCommand)[0].args[0].input).toEqual({ InstanceIds: [A] });
  expect(ec2.commandCalls(TerminateInstancesCommand)[0].args[0].input).toEqual({ InstanceIds: [A] });
});

test("GIVEN each server keeps its own sessions (stage 5) WHEN the first is terminated THEN the other's answer fails the drill", async () => {
  ec2.on(DescribeInstancesCommand).resolves(described(A, STACKS[0].stackName));
  terminates();
  const result = await drill({ sharedSessions: false });
  expect(result.ok).toBe(false);
  expect(result.detail).toMatch(
    new RegExp(`^${A} was stopped; 0 s later ${B} answered GET /session without the session's item [0-9a-f-]{36}: 401 \\{`),
  );
});

test('GIVEN the same server keeps answering WHEN drilled THEN it fails at the deadline', async () => {
  ec2.on(DescribeInstancesCommand).resolves(described(A, STACKS[0].stackName));
  ec2.on(TerminateInstancesCommand).resolves({ TerminatingInstances: [] });
  const result = await drill();
  expect(result).toMatchObject({
    ok: false,
    detail: `${A} was stopped; no other server answered GET /session: not within ${SESSION_SURVIVES.withinMs / 1000} s`,
  });
});

test("GIVEN the answering instance is another stack's WHEN drilled THEN nothing is terminated", async () => {
  ec2.on(DescribeInstancesCommand).resolves(described(A, 'SomeoneElses-Production'));
  const result = await drill();
  expect(result).toMatchObject({
    ok: false,
    detail: `${A} is not the stage's to stop: its aws:cloudformation:stack-name is SomeoneElses-Production; the stage's stacks: Integ-ab12cd-Stage6-Stateless, Integ-ab12cd-Edge`,
  });
  expect(ec2.commandCalls(TerminateInstancesCommand)).toHaveLength(0);
});

test("GIVEN a Fargate web tier WHEN drilled THEN the answering task is stopped in the stage's cluster, and another answers", async () => {
  ecs.on(StopTaskCommand).callsFake(({ task }: { task: string }) => {
    standIn.stop(task);
    return {
      task: {
        taskArn: `arn:aws:ecs:eu-west-1:123456789012:task/${CLUSTER}/${task}`,
        clusterArn: `arn:aws:ecs:eu-west-1:123456789012:cluster/${CLUSTER}`,
        lastStatus: 'RUNNING',
        desiredStatus: 'STOPPED',
        stopCode: 'UserInitiated' as const,
        stoppedReason: 'zero-to-millions integ: session-survives',
        capacityProviderName: 'FARGATE_SPOT',
      },
    };
  });
  const result = await drill({ webTier: 'ecs', servers: TASKS });
  expect(result).toMatchObject({
    ok: true,
    detail: `session started on ${TASKS[0]}, which was stopped; 0 s later ${TASKS[1]} answered with the same session and its item`,
  });
  expect(ecs.commandCalls(StopTaskCommand)[0].args[0].input).toEqual({
    cluster: CLUSTER,
    task: TASKS[0],
    reason: 'zero-to-millions integ: session-survives',
  });
  expect(ec2.calls()).toHaveLength(0);
});
