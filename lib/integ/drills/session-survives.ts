/**
 * session-survives (stage 6 and up): a visitor's session outlives the server that started it, since
 * sessions live in a store every server shares. The drill starts a session, creates an item with it,
 * learns which server answers GET /session (X-Served-By), stops that server by API (its EC2 instance
 * terminated, or its ECS task stopped), then asks GET /session with the same cookie until another
 * server answers: that answer must be the same session, the item in it.
 *
 * Only the stage's own server is stopped: an instance whose `aws:cloudformation:stack-name` tag is
 * one of the stage's stacks (CloudFormation tags an Auto Scaling group's instances with it:
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-autoscaling-autoscalinggroup-tagproperty.html),
 * or a task in the stage's own ECS cluster.
 */
import { DescribeInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { StopTaskCommand } from '@aws-sdk/client-ecs';
import type { ProofResult, StageUnderTest } from '../types';
import { type Answer, at, briefly, type DrillDeps, type HttpDeps, poll, postItem, request, seconds, started } from './shared';

export const SESSION_SURVIVES = {
  /**
   * How long another server may take to answer once the first is stopped: the load balancer sends
   * each request to any healthy server, so another one usually answers the very next.
   */
  withinMs: 90_000,
  everyMs: 3000,
} as const;

const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;
/** The last part of a task's ARN, as the service reports it. */
const TASK_ID = /^[0-9a-f]{32}$/;

/** Whether a GET /session answer is a live session that lists the item. */
function holds(answer: Answer, item: string): boolean {
  if (answer.status !== 200) return false;
  try {
    return (JSON.parse(answer.text) as { recent?: { id: string }[] }).recent?.some((r) => r.id === item) === true;
  } catch {
    return false;
  }
}

export async function sessionSurvives(stage: StageUnderTest, deps: HttpDeps & Pick<DrillDeps, 'ec2' | 'ecs'>): Promise<ProofResult> {
  const { http, clock } = deps;
  const result = started('session-survives', clock);
  const begun = await request(http, at(stage, 'sessions'), { method: 'POST' });
  const cookie = begun.headers.get('set-cookie')?.split(';')[0];
  if (begun.status !== 201 || !cookie) return result.fail(`POST /sessions: expected 201 and a cookie, got ${briefly(begun)}`);
  const item = await postItem(http, stage, 'session-survives', cookie);
  if (!item.id) return result.fail(`POST /items with the session: expected 201, got ${briefly(item)}`);

  const readSession = () => request(http, at(stage, 'session'), { headers: { cookie } });
  const first = await readSession();
  const server = first.headers.get('x-served-by');
  if (!holds(first, item.id) || !server) {
    return result.fail(
      `GET /session before any server stopped: expected 200 from a server, listing item ${item.id}; got ${briefly(first)}`,
    );
  }
  const refused = await stopServer(stage, deps, server);
  if (refused) return result.fail(refused);
  const stoppedAt = clock.now();

  const other = await poll(deps, SESSION_SURVIVES.withinMs, SESSION_SURVIVES.everyMs, async () => {
    const answer = await readSession();
    const by = answer.headers.get('x-served-by');
    return by && by !== server ? { answer, by } : undefined;
  });
  if (other.value === undefined) return result.fail(`${server} was stopped; no other server answered GET /session: ${other.gaveUp}`);
  const { answer, by } = other.value;
  const after = seconds(clock.now() - stoppedAt);
  if (!holds(answer, item.id)) {
    return result.fail(
      `${server} was stopped; ${after} s later ${by} answered GET /session without the session's item ${item.id}: ${briefly(answer)}`,
    );
  }
  return result.pass(`session started on ${server}, which was stopped; ${after} s later ${by} answered with the same session and its item`);
}

/** Stops the stage's server that X-Served-By names; what is wrong instead, when it is not one. */
async function stopServer(stage: StageUnderTest, deps: Pick<DrillDeps, 'ec2' | 'ecs'>, server: string): Promise<string | undefined> {
  if (stage.config.webTier === 'ecs') {
    if (!TASK_ID.test(server)) return `X-Served-By is ${JSON.stringify(server)}, not an ECS task id (32 hexadecimal digits)`;
    const [cluster] = await stage.physicalIds('AWS::ECS::Cluster');
    if (!cluster) return 'the stage has no ECS cluster (AWS::ECS::Cluster) to stop a task in';
    await deps.ecs.send(new StopTaskCommand({ cluster, task: server, reason: 'zero-to-millions integ: session-survives' }));
    return undefined;
  }
  if (!INSTANCE_ID.test(server)) return `X-Served-By is ${JSON.stringify(server)}, not an EC2 instance id`;
  const described = await deps.ec2.send(new DescribeInstancesCommand({ InstanceIds: [server] }));
  const instance = described.Reservations?.flatMap((r) => r.Instances ?? []).find((i) => i.InstanceId === server);
  const stack = instance?.Tags?.find((t) => t.Key === 'aws:cloudformation:stack-name')?.Value;
  const names = stage.stacks.map((s) => s.stackName);
  if (stack === undefined || !names.includes(stack)) {
    return `${server} is not the stage's to stop: its aws:cloudformation:stack-name is ${stack ?? 'missing'}; the stage's stacks: ${names.join(', ')}`;
  }
  await deps.ec2.send(new TerminateInstancesCommand({ InstanceIds: [server] }));
  return undefined;
}
