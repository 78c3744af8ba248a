/**
 * The runner's sweep over AWS (lib/integ/aws.ts): the stacks listed before the destroy by name and
 * after it by their unique ids, so what a stack made after the first listing (Ctrl-C during its
 * creation) is removed too; recorded answers shaped as the CloudFormation API reference shows them.
 */
import {
  CloudFormationClient,
  DescribeStacksCommand,
  ListStackResourcesCommand,
  type ResourceStatus,
} from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, DeleteLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';
import { loadConfig } from '../../lib/config';
import { cdkJsonContext } from '../../lib/config/context';
import type { StageNumber } from '../../lib/config/stages';
import { awsSweep, drillProofs, physicalIdsOf, regionClients } from '../../lib/integ/aws';

const cloudformation = mockClient(CloudFormationClient);
const logs = mockClient(CloudWatchLogsClient);
const STACK = { stackName: 'Integ-k3x9qa-Stage1-SingleServer', region: 'eu-west-1' };
const STACK_ID =
  'arn:aws:cloudformation:eu-west-1:210987654321:stack/Integ-k3x9qa-Stage1-SingleServer/5f1e0c90-0e4b-11ef-9e0a-0a1b2c3d4e5f';

const resource = (
  LogicalResourceId: string,
  ResourceType: string,
  PhysicalResourceId: string,
  ResourceStatus: ResourceStatus = 'CREATE_COMPLETE',
) => ({
  LogicalResourceId,
  PhysicalResourceId,
  ResourceType,
  ResourceStatus,
  LastUpdatedTimestamp: new Date('2026-12-04T05:00:00Z'),
});

beforeEach(() => {
  cloudformation.reset();
  logs.reset();
});

test('a function made after the first listing is found by the second, by stack id, and its log group removed', async () => {
  cloudformation.on(DescribeStacksCommand, { StackName: STACK.stackName }).resolves({
    Stacks: [{ StackName: STACK.stackName, StackId: STACK_ID, StackStatus: 'CREATE_IN_PROGRESS', CreationTime: new Date() }],
  });
  cloudformation
    .on(ListStackResourcesCommand, { StackName: STACK.stackName })
    .resolves({ StackResourceSummaries: [resource('Vpc', 'AWS::EC2::VPC', 'vpc-0a1b2c3d')] });
  cloudformation.on(ListStackResourcesCommand, { StackName: STACK_ID }).resolves({
    StackResourceSummaries: [
      resource('Vpc', 'AWS::EC2::VPC', 'vpc-0a1b2c3d', 'DELETE_COMPLETE'),
      resource('VerificationFunction', 'AWS::Lambda::Function', 'Integ-k3x9qa-Stage1-Verification-AbC123', 'DELETE_COMPLETE'),
    ],
  });
  logs.on(DeleteLogGroupCommand).resolves({});

  const port = awsSweep([STACK], regionClients());
  const listed = await port.inventory();
  const report = await port.sweep(listed);

  expect(cloudformation.commandCalls(ListStackResourcesCommand).map((c) => c.args[0].input.StackName)).toEqual([STACK.stackName, STACK_ID]);
  expect(logs.commandCalls(DeleteLogGroupCommand).map((c) => c.args[0].input.logGroupName)).toEqual([
    '/aws/lambda/Integ-k3x9qa-Stage1-Verification-AbC123',
  ]);
  expect(report.left).toEqual([]);
});

test('a stack never created is listed by neither, and the physical ids of a type come from its resources', async () => {
  const missing = Object.assign(new Error(`Stack with id ${STACK.stackName} does not exist`), { name: 'ValidationError' });
  cloudformation.on(DescribeStacksCommand).rejects(missing);
  cloudformation.on(ListStackResourcesCommand).rejects(missing);
  const port = awsSweep([STACK], regionClients());
  expect(await port.sweep(await port.inventory())).toEqual({ removed: [], left: [] });
  expect(cloudformation.commandCalls(ListStackResourcesCommand)).toHaveLength(1);

  cloudformation.reset();
  cloudformation.on(ListStackResourcesCommand).resolves({
    StackResourceSummaries: [
      resource('DataTierCluster', 'AWS::RDS::DBCluster', 'integ-k3x9qa-cluster'),
      resource('DataTierWriter', 'AWS::RDS::DBInstance', 'integ-k3x9qa-writer'),
    ],
  });
  expect(await physicalIdsOf(STACK, 'AWS::RDS::DBCluster', regionClients())).toEqual(['integ-k3x9qa-cluster']);
});

test('the drills a stage runs, in their order: a failover only with rds, a rate limit only when the firewall blocks', () => {
  const names = (stage: StageNumber, given: Record<string, string> = {}) =>
    drillProofs(stage, loadConfig({ ...cdkJsonContext(), ...given }), { interrupted: false }).map((p) => p.name);
  expect(names(1)).toEqual([]);
  expect(names(4)).toEqual(['failover']);
  expect(names(4, { dataStore: 'dynamodb' })).toEqual([]);
  expect(names(5)).toEqual(['data-cache', 'failover', 'rate-limit']);
  expect(names(6, { dataStore: 'dynamodb', wafMode: 'count' })).toEqual(['data-cache', 'session-survives']);
});
