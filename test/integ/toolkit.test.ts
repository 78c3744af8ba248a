/**
 * The deploy test's toolkit port (lib/integ/toolkit.ts) against a mocked `@aws-cdk/toolkit-lib`:
 * one stack per deploy, by its id in the assembly, and its outputs back; every stack on destroy; the
 * toolkit's progress printed and its questions answered yes (the plan was confirmed before).
 */
import type { IoMessage, IoRequest } from '@aws-cdk/toolkit-lib';

const calls: { action: string; options: any }[] = [];
// The real module is large (seconds to load): the mock has what the port uses, with the values toolkit-lib gives them.
jest.mock('@aws-cdk/toolkit-lib', () => ({
  StackSelectionStrategy: { PATTERN_MATCH: 'pattern-match', PATTERN_MUST_MATCH_SINGLE: 'pattern-must-match-single' },
  Toolkit: class {
    async fromAssemblyDirectory(directory: string) {
      return { directory };
    }
    async deploy(_cx: unknown, options: any) {
      calls.push({ action: 'deploy', options });
      return { stacks: [{ stackName: 'Integ-k3x9qa-Stage1-SingleServer', outputs: { Url: 'http://integ-k3x9qa.example.com/' } }] };
    }
    async destroy(_cx: unknown, options: any) {
      calls.push({ action: 'destroy', options });
      return { stacks: [] };
    }
  },
}));

import { LineIoHost, toolkitPort } from '../../lib/integ/toolkit';

const STACKS = [
  { stackName: 'Integ-k3x9qa-Stage1-SingleServer', hierarchicalId: 'Integ-k3x9qa/Stage1-SingleServer' },
  { stackName: 'Integ-k3x9qa-Proof', hierarchicalId: 'Integ-k3x9qa/Proof' },
];

test('deploy takes one stack by its id in the assembly and returns its outputs; destroy takes every stack', async () => {
  const port = toolkitPort('/tmp/assembly-Integ-k3x9qa', STACKS, () => undefined);
  expect(await port.deploy('Integ-k3x9qa-Stage1-SingleServer')).toEqual({ Url: 'http://integ-k3x9qa.example.com/' });
  await port.destroy();
  expect(calls.map((c) => [c.action, c.options.stacks])).toEqual([
    ['deploy', { strategy: 'pattern-must-match-single', patterns: ['Integ-k3x9qa/Stage1-SingleServer'] }],
    ['destroy', { strategy: 'pattern-match', patterns: ['Integ-k3x9qa/Stage1-SingleServer', 'Integ-k3x9qa/Proof'] }],
  ]);
  await expect(port.deploy('Stage1-SingleServer')).rejects.toThrow(
    'no stack Stage1-SingleServer in the integ app; it has Integ-k3x9qa-Stage1-SingleServer, Integ-k3x9qa-Proof',
  );
});

test("the toolkit's progress and problems are printed a line at a time, its debug chatter is not; its confirmations are answered yes", async () => {
  const lines: string[] = [];
  const host = new LineIoHost((line) => lines.push(line));
  const message = (level: string, text: string) =>
    ({ level, message: text, time: new Date(), action: 'deploy', data: undefined }) as IoMessage<unknown>;
  await host.notify(message('info', 'Integ-k3x9qa-Stage1-SingleServer: deploying... [1/2]\n'));
  await host.notify(message('debug', 'Retrieved account ID 210987654321 from disk cache'));
  await host.notify(message('error', 'Integ-k3x9qa-Proof failed: CREATE_FAILED\nAssertionResultsHttpApiCall: Expected 201, got 503'));
  expect(lines).toEqual([
    '  cdk: Integ-k3x9qa-Stage1-SingleServer: deploying... [1/2]',
    '  cdk: Integ-k3x9qa-Proof failed: CREATE_FAILED',
    '  cdk: AssertionResultsHttpApiCall: Expected 201, got 503',
  ]);
  const request = (code: string, defaultResponse: unknown) =>
    ({ ...message('info', '?'), code, defaultResponse }) as IoRequest<unknown, unknown>;
  expect(await host.requestResponse(request('CDK_TOOLKIT_I5060', false))).toBe(true);
  expect(await host.requestResponse(request('CDK_TOOLKIT_I7010', false))).toBe(true);
  expect(await host.requestResponse(request('CDK_TOOLKIT_I9999', 'keep'))).toBe('keep');
});
