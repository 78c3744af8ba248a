/** Preflight's edge checks (lib/preflight/edge.ts): the CDK bootstrap where the CDN stages deploy, and who holds the API name at CloudFront. */
import { CloudFrontClient, ListDistributionsCommand } from '@aws-sdk/client-cloudfront';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { loadConfig } from '../../lib/config';
import { cdkJsonContext } from '../../lib/config/context';
import { BOOTSTRAP_VERSION_PARAMETER, edgeChecks } from '../../lib/preflight/edge';
import type { Overrides } from '../../lib/synth';

const cloudfront = mockClient(CloudFrontClient);
const ssm = mockClient(SSMClient);
const clock = { now: () => 0, sleep: async () => undefined };
const regionsAsked: string[] = [];

const run = (overrides: Overrides) =>
  edgeChecks(loadConfig({ ...cdkJsonContext(), account: '210987654321', domainName: 'mysite.com', ...overrides }), {
    cloudfront: new CloudFrontClient({ region: 'us-east-1' }),
    ssm: (region) => {
      regionsAsked.push(region);
      return new SSMClient({ region });
    },
    clock,
  });

const distribution = (id: string, aliases: string[]) => ({ Id: id, Aliases: { Quantity: aliases.length, Items: aliases } });
const bootstrapped = () => ssm.on(GetParameterCommand, { Name: BOOTSTRAP_VERSION_PARAMETER }).resolves({ Parameter: { Value: '27' } });

beforeEach(() => {
  cloudfront.reset();
  ssm.reset();
  regionsAsked.length = 0;
});

test('GIVEN only stages without a CDN WHEN checked THEN nothing is asked', async () => {
  expect(await run({ stages: '1,2,3,4' })).toEqual({ problems: [], passed: [] });
  expect(cloudfront.calls()).toEqual([]);
});

test('GIVEN stage 5 in us-east-1, bootstrapped, and the name free WHEN checked THEN it passes', async () => {
  bootstrapped();
  cloudfront
    .on(ListDistributionsCommand)
    .resolves({ DistributionList: { Items: [distribution('EOTHER', ['www.mysite.com'])], IsTruncated: false } as any });
  const result = await run({ stages: '5' });
  expect(result.problems).toEqual([]);
  expect(result.passed).toEqual([
    'the CDK is bootstrapped in 210987654321/us-east-1 (version 27), where the stage deploys',
    'api.mysite.com is on no CloudFront distribution of this account (one in another account would still block it)',
  ]);
  expect(regionsAsked).toEqual(['us-east-1']);
});

test('GIVEN a stage in eu-west-1 WHEN us-east-1 is not bootstrapped THEN the problem names the command that fixes it', async () => {
  ssm.on(GetParameterCommand).callsFake(async () => {
    throw Object.assign(new Error('not found'), { name: 'ParameterNotFound' });
  });
  cloudfront.on(ListDistributionsCommand).resolves({ DistributionList: { Items: [], IsTruncated: false } as any });
  const result = await run({ stages: '5', region: 'eu-west-1' });
  expect(regionsAsked).toEqual(['eu-west-1', 'us-east-1']);
  expect(result.problems).toEqual([
    'the CDK is not bootstrapped in 210987654321/eu-west-1, where the stage deploys: run npx cdk bootstrap aws://210987654321/eu-west-1',
    "the CDK is not bootstrapped in 210987654321/us-east-1, where the CDN's certificate and firewall deploy (companion stack): run npx cdk bootstrap aws://210987654321/us-east-1",
  ]);
});

test('GIVEN stage 5 holding the API name WHEN stage 6 would take it too THEN the problem says which distribution has it and both ways to move it', async () => {
  bootstrapped();
  cloudfront
    .on(ListDistributionsCommand)
    .resolvesOnce({
      DistributionList: {
        Items: [distribution('E5', ['api.mysite.com', 'stage5.api.mysite.com'])],
        IsTruncated: true,
        NextMarker: 'm1',
      } as any,
    })
    .resolvesOnce({ DistributionList: { Items: [distribution('E6', ['stage6.api.mysite.com'])], IsTruncated: false } as any });
  const result = await run({ stages: '6', weight: '{"6":100}' });
  expect(result.problems).toEqual([
    expect.stringMatching(
      /^api\.mysite\.com is on CloudFront distribution E5 \(Stage5-CacheAndCdn\), and a name can be on one distribution only: Stage6-Stateless with weight 100 would fail with CNAMEAlreadyExists; set the weight of stage 5 to 0 and deploy Stage5-CacheAndCdn first .* aws cloudfront associate-alias --target-distribution-id <Stage6-Stateless's distribution> --alias api\.mysite\.com/,
    ),
  ]);
  // Every page was read: the holder could have been on any of them.
  expect(cloudfront.commandCalls(ListDistributionsCommand).map((c) => c.args[0].input.Marker)).toEqual([undefined, 'm1']);
});

test('GIVEN the stage itself holding the name (a redeploy) WHEN checked THEN it passes', async () => {
  bootstrapped();
  cloudfront.on(ListDistributionsCommand).resolves({
    DistributionList: { Items: [distribution('E6', ['api.mysite.com', 'stage6.api.mysite.com'])], IsTruncated: false } as any,
  });
  const result = await run({ stages: '6', weight: '{"6":100}' });
  expect(result.problems).toEqual([]);
  expect(result.passed).toContain(
    "api.mysite.com is already on Stage6-Stateless's distribution E6 (one in another account would still block it)",
  );
});

test('GIVEN weight 0 WHEN another stage holds the name THEN the stage can deploy beside it', async () => {
  bootstrapped();
  cloudfront.on(ListDistributionsCommand).resolves({
    DistributionList: { Items: [distribution('E5', ['api.mysite.com', 'stage5.api.mysite.com'])], IsTruncated: false } as any,
  });
  const result = await run({ stages: '6', weight: '{"6":0}' });
  expect(result.problems).toEqual([]);
  expect(result.passed).toContain(
    'Stage6-Stateless has weight 0: its distribution takes only stage6.api.mysite.com, and leaves api.mysite.com where it is',
  );
});

test('GIVEN stages 5 and 6 at their default weights WHEN checked THEN only stage 5 takes the API name, and stage 6 deploys beside it', async () => {
  bootstrapped();
  cloudfront.on(ListDistributionsCommand).resolves({ DistributionList: { Items: [], IsTruncated: false } as any });
  const result = await run({ stages: '5,6' });
  expect(result.problems).toEqual([]);
  expect(result.passed).toContain(
    'Stage6-Stateless has weight 0: its distribution takes only stage6.api.mysite.com, and leaves api.mysite.com where it is',
  );
});

test('GIVEN a distribution of something else holding the name WHEN checked THEN the problem says it is not a stage', async () => {
  bootstrapped();
  cloudfront
    .on(ListDistributionsCommand)
    .resolves({ DistributionList: { Items: [distribution('EX', ['api.mysite.com'])], IsTruncated: false } as any });
  const [problem] = (await run({ stages: '5' })).problems;
  expect(problem).toMatch(
    /on CloudFront distribution EX \(not a stage of this project\).*remove api\.mysite\.com from distribution EX first/,
  );
});
