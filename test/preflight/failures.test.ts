/**
 * Preflight when its checks cannot run (lib/preflight/failures.ts, through lib/preflight/index.ts):
 * every failure is one line with its fix, a cause every call shares is said once, and the
 * placeholders still in the configuration come first.
 */
import { CloudFrontClient, ListDistributionsCommand } from '@aws-sdk/client-cloudfront';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { RDSClient } from '@aws-sdk/client-rds';
import { GetHostedZoneCommand, Route53Client } from '@aws-sdk/client-route-53';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { loadConfig } from '../../lib/config';
import { cdkJsonContext } from '../../lib/config/context';
import { preflight } from '../../lib/preflight';
import { failureKind } from '../../lib/preflight/failures';
import type { Overrides } from '../../lib/synth';

const route53 = mockClient(Route53Client);
const cloudfront = mockClient(CloudFrontClient);
const ssm = mockClient(SSMClient);
const clock = { now: () => 0, sleep: async () => undefined };
const REAL = { domainName: 'mysite.com', hostedZoneId: 'Z0123456789ABCDEFGHIJ', account: '210987654321' };

const run = (overrides: Overrides = REAL) =>
  preflight(loadConfig({ ...cdkJsonContext(), ...overrides }), {
    route53: new Route53Client({ region: 'us-east-1' }),
    rds: new RDSClient({ region: 'us-east-1' }),
    dynamodb: new DynamoDBClient({ region: 'us-east-1' }),
    cloudfront: new CloudFrontClient({ region: 'us-east-1' }),
    ssm: (region) => new SSMClient({ region }),
    resolveNs: async () => [],
    clock,
  });

/** Every AWS call the checks make fails with this error. */
function everyCallFails(error: Error): void {
  route53.on(GetHostedZoneCommand).rejects(error);
  cloudfront.on(ListDistributionsCommand).rejects(error);
  ssm.on(GetParameterCommand).rejects(error);
}

const sdkError = (name: string, message: string, extra: object = {}) => Object.assign(new Error(message), { name, ...extra });

beforeEach(() => {
  route53.reset();
  cloudfront.reset();
  ssm.reset();
});

test('GIVEN no network WHEN preflight runs THEN one line says AWS is out of reach, which checks did not run, and what to check', async () => {
  // What the SDK's HTTP handler rejects with when the endpoint's name does not resolve.
  everyCallFails(Object.assign(new Error('getaddrinfo ENOTFOUND route53.amazonaws.com'), { code: 'ENOTFOUND', syscall: 'getaddrinfo' }));
  expect((await run()).problems).toEqual([
    'AWS is out of reach (getaddrinfo ENOTFOUND route53.amazonaws.com), so the DNS checks and the edge checks did not run: check the network connection, and HTTPS_PROXY if you reach the internet through a proxy, then run preflight again',
  ]);
});

test('GIVEN a timeout WHEN preflight runs THEN it is a network failure too', () => {
  expect(failureKind(sdkError('TimeoutError', 'Connection timed out after 1000 ms'))).toBe('network');
  expect(failureKind(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443'), { code: 'ECONNREFUSED' }))).toBe('network');
});

test('GIVEN credentials without a permission WHEN preflight runs THEN each missing permission is named once, with the IAM action to allow', async () => {
  route53.on(GetHostedZoneCommand).rejects(
    sdkError('AccessDenied', 'User: arn:aws:iam::210987654321:user/dev is not authorized to perform: route53:GetHostedZone', {
      $metadata: { httpStatusCode: 403 },
    }),
  );
  ssm.on(GetParameterCommand).resolves({ Parameter: { Value: '27' } });
  cloudfront.on(ListDistributionsCommand).rejects(sdkError('AccessDenied', 'Access denied', { $metadata: { httpStatusCode: 403 } }));
  expect((await run()).problems).toEqual([
    'the credentials may not call route53:GetHostedZone (AccessDenied: User: arn:aws:iam::210987654321:user/dev is not authorized to perform: route53:GetHostedZone), so the DNS checks did not run: allow route53:GetHostedZone to the identity you deploy with (preflight only reads), or run preflight with credentials that have it',
    'the credentials may not call cloudfront:ListDistributions (AccessDenied: Access denied), so the edge checks did not run: allow cloudfront:ListDistributions to the identity you deploy with (preflight only reads), or run preflight with credentials that have it',
  ]);
});

test('GIVEN an expired session token WHEN preflight runs THEN one line says to renew the credentials', async () => {
  everyCallFails(sdkError('ExpiredToken', 'The security token included in the request is expired'));
  expect((await run()).problems).toEqual([
    'the AWS credentials have expired (ExpiredToken: The security token included in the request is expired), so the DNS checks and the edge checks did not run: renew them (aws sso login, or new temporary credentials with their AWS_SESSION_TOKEN), then run preflight again',
  ]);
});

test('GIVEN no credentials at all WHEN preflight runs THEN one line says how to configure them', async () => {
  everyCallFails(sdkError('CredentialsProviderError', 'Could not load credentials from any providers'));
  const { problems } = await run();
  expect(problems).toHaveLength(1);
  expect(problems[0]).toMatch(
    /^no AWS credentials were found \(CredentialsProviderError: Could not load credentials from any providers\), so the DNS checks and the edge checks did not run: configure a profile/,
  );
});

test('GIVEN throttling that outlasts the retries WHEN preflight runs THEN it says which call and to wait', async () => {
  route53.on(GetHostedZoneCommand).rejects(sdkError('Throttling', 'Rate exceeded', { $metadata: { httpStatusCode: 400 } }));
  ssm.on(GetParameterCommand).resolves({ Parameter: { Value: '27' } });
  cloudfront.on(ListDistributionsCommand).resolves({ DistributionList: { Items: [], IsTruncated: false } as any });
  expect((await run()).problems).toEqual([
    'AWS kept throttling route53:GetHostedZone (Throttling: Rate exceeded) through every retry, so the DNS checks did not run: wait a minute and run preflight again',
  ]);
  expect(route53.commandCalls(GetHostedZoneCommand)).toHaveLength(6);
});

test('GIVEN the placeholder defaults WHEN preflight runs THEN they are the first problems, and the DNS checks wait for them', async () => {
  everyCallFails(Object.assign(new Error('getaddrinfo ENOTFOUND cloudfront.amazonaws.com'), { code: 'ENOTFOUND' }));
  const { problems } = await run({});
  expect(problems.map((p) => p.split(' is still')[0]).slice(0, 3)).toEqual(['domainName', 'hostedZoneId', 'account']);
  expect(problems[0]).toBe(
    'domainName is still the placeholder "example.com": set it to the domain you own (its public hosted zone must be in Route 53); the DNS checks wait for it (in cdk.json "context", or -c domainName=...)',
  );
  expect(problems[1]).toContain('aws route53 list-hosted-zones-by-name --dns-name <your domain>');
  expect(problems[2]).toContain('aws sts get-caller-identity --query Account --output text');
  // Only the edge checks asked AWS: the zone was never looked up under a placeholder id.
  expect(route53.calls()).toEqual([]);
  expect(problems.slice(3)).toEqual([expect.stringMatching(/^AWS is out of reach .*, so the edge checks did not run/)]);
});

test('GIVEN an error preflight does not know WHEN preflight runs THEN it still says where, in one line', async () => {
  route53.on(GetHostedZoneCommand).rejects(sdkError('InvalidInput', 'Invalid id'));
  ssm.on(GetParameterCommand).resolves({ Parameter: { Value: '27' } });
  cloudfront.on(ListDistributionsCommand).resolves({ DistributionList: { Items: [], IsTruncated: false } as any });
  expect((await run()).problems).toEqual([
    "the DNS checks failed at route53:GetHostedZone with an error preflight does not recognise (InvalidInput: Invalid id): the message is AWS's own; fix what it names, then run preflight again",
  ]);
});
