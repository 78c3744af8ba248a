import { GetHostedZoneCommand, ListResourceRecordSetsCommand, type ResourceRecordSet, Route53Client } from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import { loadConfig } from '../../lib/config';
import { cdkJsonContext } from '../../lib/config/context';
import { dnsChecks } from '../../lib/preflight/dns';

const CDK_JSON_CONTEXT = cdkJsonContext();

const route53 = mockClient(Route53Client);
const config = loadConfig({
  ...CDK_JSON_CONTEXT,
  domainName: 'mysite.com',
  hostedZoneId: 'Z0123456789ABCDEFGHIJ',
  account: '210987654321',
});
const ZONE_SERVERS = ['ns-1.awsdns-01.org', 'ns-2.awsdns-02.co.uk', 'ns-3.awsdns-03.com', 'ns-4.awsdns-04.net'];
const clock = { now: () => 0, sleep: async () => undefined };

function zone(name = 'mysite.com.', options: { privateZone?: boolean; records?: ResourceRecordSet[] } = {}) {
  route53.on(GetHostedZoneCommand).resolves({
    HostedZone: {
      Id: '/hostedzone/Z0123456789ABCDEFGHIJ',
      Name: name,
      CallerReference: 'x',
      Config: { PrivateZone: options.privateZone ?? false },
    },
    DelegationSet: { NameServers: ZONE_SERVERS },
  });
  route53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: options.records ?? [], IsTruncated: false, MaxItems: 100 });
}

const run = (resolveNs: (d: string) => Promise<string[]> = async () => [...ZONE_SERVERS].reverse().map((s) => `${s}.`)) =>
  dnsChecks(config, { route53: new Route53Client({ region: 'us-east-1' }), resolveNs, clock });

beforeEach(() => route53.reset());

test('GIVEN a delegated public zone and a free name WHEN checked THEN nothing blocks a deploy', async () => {
  zone();
  expect(await run()).toEqual({
    problems: [],
    passed: [
      'hosted zone Z0123456789ABCDEFGHIJ is the public zone of mysite.com',
      "mysite.com is delegated to the zone's name servers (ns-1.awsdns-01.org, ns-2.awsdns-02.co.uk, ns-3.awsdns-03.com, ns-4.awsdns-04.net)",
      'no record holds api.mysite.com yet',
    ],
  });
});

test('GIVEN a zone id that does not exist WHEN checked THEN the fix names how to find the right one', async () => {
  route53.on(GetHostedZoneCommand).rejects(Object.assign(new Error('No hosted zone found'), { name: 'NoSuchHostedZone' }));
  expect((await run()).problems).toEqual([
    'hostedZoneId Z0123456789ABCDEFGHIJ does not exist in this account: create a public hosted zone for mysite.com, or set hostedZoneId to its id (aws route53 list-hosted-zones-by-name --dns-name mysite.com)',
  ]);
});

test('GIVEN the zone of another domain WHEN checked THEN it says which domain the zone is for', async () => {
  zone('othersite.org.');
  expect((await run()).problems).toEqual([
    'hosted zone Z0123456789ABCDEFGHIJ is for othersite.org, not for domainName mysite.com: set hostedZoneId to the zone of mysite.com (aws route53 list-hosted-zones-by-name --dns-name mysite.com), or domainName to othersite.org',
  ]);
});

test('GIVEN a private zone WHEN checked THEN it is refused', async () => {
  zone('mysite.com.', { privateZone: true });
  expect((await run()).problems).toEqual([
    'hosted zone Z0123456789ABCDEFGHIJ (mysite.com) is private: clients on the internet cannot resolve api.mysite.com; use the public zone of mysite.com',
  ]);
});

test('GIVEN the registrar delegating elsewhere WHEN checked THEN it names both sets of name servers (why ACM validation hangs)', async () => {
  zone();
  const { problems } = await run(async () => ['dns1.registrar-servers.com', 'dns2.registrar-servers.com']);
  expect(problems).toEqual([
    "mysite.com is delegated to dns1.registrar-servers.com, dns2.registrar-servers.com, but the zone's name servers are ns-1.awsdns-01.org, ns-2.awsdns-02.co.uk, ns-3.awsdns-03.com, ns-4.awsdns-04.net: set the domain's name servers at the registrar to the zone's, or the certificate's DNS validation waits for hours",
  ]);
});

test('GIVEN a domain with no delegation at all WHEN checked THEN it says so with the name servers to set', async () => {
  zone();
  const { problems } = await run(async () => {
    throw Object.assign(new Error('queryNs ENOTFOUND mysite.com'), { code: 'ENOTFOUND' });
  });
  expect(problems).toEqual([
    'mysite.com has no public NS delegation (ENOTFOUND): at the registrar, set its name servers to ns-1.awsdns-01.org, ns-2.awsdns-02.co.uk, ns-3.awsdns-03.com, ns-4.awsdns-04.net',
  ]);
});

test('GIVEN a plain A record already on the name WHEN checked THEN the weighted record could not be created: it says so', async () => {
  zone('mysite.com.', { records: [{ Name: 'api.mysite.com.', Type: 'A', TTL: 300, ResourceRecords: [{ Value: '192.0.2.8' }] }] });
  expect((await run()).problems).toEqual([
    "api.mysite.com already has an A record that is not weighted (192.0.2.8): the stage's weighted A record cannot be created next to it; delete it, or recreate it as a weighted record with its own set identifier",
  ]);
});

test('GIVEN weighted records of other stages WHEN checked THEN they are fine and listed', async () => {
  zone('mysite.com.', {
    records: [
      {
        Name: 'api.mysite.com.',
        Type: 'A',
        SetIdentifier: 'Stage1-SingleServer',
        Weight: 100,
        TTL: 60,
        ResourceRecords: [{ Value: '192.0.2.8' }],
      },
      { Name: 'api.mysite.com.', Type: 'TXT', TTL: 60, ResourceRecords: [{ Value: '"owner=platform"' }] },
    ],
  });
  const result = await run();
  expect(result.problems).toEqual([]);
  expect(result.passed[2]).toBe(
    'api.mysite.com has weighted records Stage1-SingleServer (weight 100); each stage owns the one with its stack name',
  );
});

test('GIVEN throttling WHEN checked THEN calls are retried', async () => {
  zone();
  route53
    .on(GetHostedZoneCommand)
    .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }))
    .resolves({
      HostedZone: { Id: 'Z', Name: 'mysite.com.', CallerReference: 'x', Config: { PrivateZone: false } },
      DelegationSet: { NameServers: ZONE_SERVERS },
    });
  expect((await run()).problems).toEqual([]);
  expect(route53.commandCalls(GetHostedZoneCommand)).toHaveLength(2);
});

test('GIVEN the resolver out of reach WHEN the delegation is checked THEN it says the check did not run, not that the domain has none', async () => {
  zone();
  const { problems } = await run(async () => {
    throw Object.assign(new Error('queryNs ETIMEOUT mysite.com'), { code: 'ETIMEOUT' });
  });
  expect(problems).toEqual([
    "the DNS resolver did not answer for mysite.com's name servers (ETIMEOUT), so its delegation is unchecked: check the network connection and the resolver (/etc/resolv.conf), then run preflight again",
  ]);
});
