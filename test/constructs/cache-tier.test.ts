/** The managed cache (lib/constructs/cache-tier.ts), on a bare stack. */
import { CACHE_ACCESS_STRING } from '../../lib/data-contract';
import { fixtureTemplate } from '../support/synth-cache';
import { idOf, ingressRules, only, resources, statementsOf, subnetTier } from '../support/template';

const template = fixtureTemplate('cache-tier/managed');
const [cacheId, cache] = only(template, 'AWS::ElastiCache::ServerlessCache');

test('ElastiCache Serverless for Valkey 8, in the isolated subnets of every zone, with the limits given, no snapshots', () => {
  expect(cache.Properties).toMatchObject({
    Engine: 'valkey',
    MajorEngineVersion: '8',
    ServerlessCacheName: 'cachetier',
    CacheUsageLimits: { DataStorage: { Maximum: 2, Unit: 'GB' }, ECPUPerSecond: { Maximum: 5000 } },
    SnapshotRetentionLimit: 0,
  });
  expect(cache.Properties.SubnetIds.map((s: unknown) => subnetTier(template, s))).toEqual(['Isolated', 'Isolated']);
  expect(cache.DeletionPolicy).toBe('Delete'); // it holds nothing the database does not
});

test('its group admits the web tier alone, on the primary and reader ports, and lets nothing out', () => {
  const group = idOf(cache.Properties.SecurityGroupIds[0]);
  const [webGroup] = resources(template, 'AWS::EC2::SecurityGroup').find(([id]) => id.startsWith('WebTier'))!;
  expect(ingressRules(template)).toEqual([{ group, from: webGroup, fromPort: 6379, toPort: 6380 }]);
  expect(template.Resources[group].Properties.SecurityGroupEgress).toEqual([expect.objectContaining({ CidrIp: '255.255.255.255/32' })]);
});

test('one user, the app\'s, limited to its own keys, with a password Secrets Manager generates; a Valkey group needs no "default" user', () => {
  const [appId, app] = only(template, 'AWS::ElastiCache::User');
  expect(app.Properties).toMatchObject({ UserName: 'app', UserId: 'cachetier-app', AccessString: CACHE_ACCESS_STRING, Engine: 'valkey' });
  expect(CACHE_ACCESS_STRING).toBe('on ~item:* ~session:* -@all +@read +@write +@connection +eval -@dangerous');
  const [secretId, secret] = only(template, 'AWS::SecretsManager::Secret');
  expect(secret.Properties.GenerateSecretString).toMatchObject({
    SecretStringTemplate: '{"username":"app"}',
    GenerateStringKey: 'password',
    PasswordLength: 64,
    ExcludePunctuation: true,
  });
  expect(app.Properties.AuthenticationMode).toEqual({
    Type: 'password',
    Passwords: [{ 'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: secretId }, ':SecretString:password::}}']] }],
  });
  const [groupId, group] = only(template, 'AWS::ElastiCache::UserGroup');
  expect(group.Properties).toMatchObject({ Engine: 'valkey', UserIds: [{ Ref: appId }] });
  expect(idOf(cache.Properties.UserGroupId)).toBe(groupId);
});

test('the web tier may read the credentials, and nothing more', () => {
  const [secretId] = only(template, 'AWS::SecretsManager::Secret');
  const [roleId] = resources(template, 'AWS::IAM::Role').find(([id]) => id.startsWith('WebRole'))!;
  expect(statementsOf(template, roleId)).toEqual([
    { Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'], Effect: 'Allow', Resource: { Ref: secretId } },
  ]);
  expect(cacheId).toMatch(/^Cache/);
});

test('snapshot', () => expect(template).toMatchSnapshot());
