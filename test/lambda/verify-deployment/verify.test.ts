import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  ListResourceRecordSetsCommand,
  type ResourceRecordSet,
  Route53Client,
  TestDNSAnswerCommand,
} from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import { paramsFromEnvironment } from '../../../lambda/verify-deployment';
import { type Probe, VerificationFailed, type VerifyParams, verifyDeployment } from '../../../lambda/verify-deployment/verify';

const route53 = mockClient(Route53Client);

const EIP = '203.0.113.10';
const RECORD: ResourceRecordSet = {
  Name: 'api.example.com.',
  Type: 'A',
  SetIdentifier: 'Stage1-SingleServer',
  Weight: 100,
  TTL: 60,
  ResourceRecords: [{ Value: EIP }],
};
const PARAMS: VerifyParams = {
  hostedZoneId: 'Z0123456789ABCDEFGHIJ',
  recordName: 'api.example.com',
  setIdentifier: 'Stage1-SingleServer',
  weight: 100,
  target: { kind: 'ip', address: EIP },
  healthUrl: `http://${EIP}/healthz`,
  readyUrl: `http://${EIP}/readyz`,
  budgetMs: 600_000,
};

/** A clock whose sleeps pass instantly; `elapsed` says how long the waits would have taken. */
function fakeClock() {
  let now = 0;
  return {
    now: () => now,
    sleep: async (ms: number) => {
      now += ms;
    },
    get elapsed() {
      return now;
    },
  };
}

/** A probe that answers from a script, then repeats its last answer. */
function scriptedProbe(
  answers: ({ status: number; body?: string } | Error)[],
  addresses: string[] = [],
): Probe & { calls: [string, string][] } {
  const calls: [string, string][] = [];
  return {
    calls,
    async get(url, host) {
      calls.push([url, host]);
      const answer = answers[Math.min(calls.length - 1, answers.length - 1)];
      if (answer instanceof Error) throw answer;
      return { status: answer.status, body: answer.body ?? '' };
    },
    resolve: async () => addresses,
  };
}

const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } });

function healthyZone(record: ResourceRecordSet = RECORD, answers: string[] = [EIP]) {
  route53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [record], IsTruncated: false, MaxItems: 100 });
  route53.on(ChangeResourceRecordSetsCommand).resolves({ ChangeInfo: { Id: '/change/C1', Status: 'PENDING', SubmittedAt: new Date() } });
  route53.on(GetChangeCommand).resolves({ ChangeInfo: { Id: '/change/C1', Status: 'INSYNC', SubmittedAt: new Date() } });
  route53.on(TestDNSAnswerCommand).resolves({
    RecordData: answers,
    Nameserver: 'ns-1.awsdns-01.org',
    RecordName: 'api.example.com',
    RecordType: 'A',
    ResponseCode: 'NOERROR',
    Protocol: 'UDP',
  });
}

async function run(params: VerifyParams, probe: Probe, clock = fakeClock()) {
  const log: string[] = [];
  const client = new Route53Client({ region: 'us-east-1' });
  await verifyDeployment(params, { route53: client, probe, clock, log: (l) => log.push(l) });
  return log;
}

beforeEach(() => route53.reset());

test('GIVEN a stage that serves WHEN verified THEN each step passes and says what it saw', async () => {
  healthyZone();
  const probe = scriptedProbe([{ status: 200 }]);
  expect(await run(PARAMS, probe)).toEqual([
    'record: api.example.com (Stage1-SingleServer) points at 203.0.113.10 and is in sync on every Route 53 server',
    'dns-answer: Route 53 answers api.example.com with 203.0.113.10',
    'health: http://203.0.113.10/healthz (Host: api.example.com) answers 200',
    'ready: http://203.0.113.10/readyz (Host: api.example.com) answers 200: the servers reach their data',
  ]);
  expect(probe.calls).toEqual([
    ['http://203.0.113.10/healthz', 'api.example.com'],
    ['http://203.0.113.10/readyz', 'api.example.com'],
  ]);
});

test('the record is re-asserted verbatim, so the check changes nothing', async () => {
  healthyZone();
  await run(PARAMS, scriptedProbe([{ status: 200 }]));
  expect(route53.commandCalls(ChangeResourceRecordSetsCommand).map((c) => c.args[0].input)).toEqual([
    { HostedZoneId: 'Z0123456789ABCDEFGHIJ', ChangeBatch: { Changes: [{ Action: 'UPSERT', ResourceRecordSet: RECORD }] } },
  ]);
});

test('GIVEN slow propagation WHEN the change is PENDING for a while THEN it waits with backoff until INSYNC', async () => {
  healthyZone();
  route53
    .on(GetChangeCommand)
    .resolvesOnce({ ChangeInfo: { Id: '/change/C1', Status: 'PENDING', SubmittedAt: new Date() } })
    .resolvesOnce({ ChangeInfo: { Id: '/change/C1', Status: 'PENDING', SubmittedAt: new Date() } })
    .resolvesOnce({ ChangeInfo: { Id: '/change/C1', Status: 'PENDING', SubmittedAt: new Date() } })
    .resolves({ ChangeInfo: { Id: '/change/C1', Status: 'INSYNC', SubmittedAt: new Date() } });
  const clock = fakeClock();
  await run(PARAMS, scriptedProbe([{ status: 200 }]), clock);
  expect(route53.commandCalls(GetChangeCommand)).toHaveLength(4);
  expect(clock.elapsed).toBe(2000 + 4000 + 8000);
});

test('GIVEN Route 53 answering with another address WHEN verified THEN the dns-answer step fails naming both', async () => {
  healthyZone(RECORD, ['198.51.100.7']);
  await expect(run(PARAMS, scriptedProbe([{ status: 200 }]))).rejects.toThrow(
    'Deployment verification failed at step "dns-answer": in 8 tries Route 53 answered api.example.com with 198.51.100.7, never with this stage\'s 203.0.113.10',
  );
});

test('GIVEN weighted answers WHEN another stage answers first THEN sampling finds this stage', async () => {
  healthyZone();
  route53
    .on(TestDNSAnswerCommand)
    .resolvesOnce({ RecordData: ['198.51.100.7'] })
    .resolves({ RecordData: [EIP] });
  await expect(run(PARAMS, scriptedProbe([{ status: 200 }]))).resolves.toContain(
    'dns-answer: Route 53 answers api.example.com with 203.0.113.10',
  );
});

test('GIVEN weight 0 (a new stage during cutover) WHEN verified THEN no DNS answer is expected, health still is', async () => {
  healthyZone(RECORD, ['198.51.100.7']);
  const log = await run({ ...PARAMS, weight: 0 }, scriptedProbe([{ status: 200 }]));
  expect(log[1]).toBe('dns-answer: skipped; the stage has weight 0, so Route 53 does not answer with it (yet)');
  expect(route53.commandCalls(TestDNSAnswerCommand)).toHaveLength(0);
});

test('GIVEN a health endpoint failing then passing WHEN verified THEN it waits until 200', async () => {
  healthyZone();
  const refused = Object.assign(new Error('connect ECONNREFUSED 203.0.113.10:80'), { name: 'Error' });
  const probe = scriptedProbe([refused, { status: 503, body: '{"status":"starting"}' }, { status: 200 }]);
  const clock = fakeClock();
  await run(PARAMS, probe, clock);
  expect(probe.calls.map(([url]) => url.split('/').at(-1))).toEqual(['healthz', 'healthz', 'healthz', 'readyz']);
  expect(clock.elapsed).toBe(2000 + 4000);
});

test('GIVEN servers that answer their health check but cannot reach their data WHEN verified THEN the ready step fails with what they said', async () => {
  healthyZone();
  const probe: Probe = {
    get: async (url) =>
      url.endsWith('/healthz')
        ? { status: 200, body: '{"status":"ok"}' }
        : { status: 503, body: '{"status":"not ready","dataStore":{"ok":false}}' },
    resolve: async () => [],
  };
  await expect(run({ ...PARAMS, budgetMs: 30_000 }, probe)).rejects.toThrow(
    'Deployment verification failed at step "ready": time budget of 30 s exhausted; last saw HTTP 503 {"status":"not ready","dataStore":{"ok":false}}',
  );
});

test('GIVEN a health endpoint that never passes WHEN the time budget runs out THEN it fails with the last answer', async () => {
  healthyZone();
  await expect(
    run({ ...PARAMS, budgetMs: 60_000 }, scriptedProbe([{ status: 503, body: '{"error":"database unreachable"}' }])),
  ).rejects.toThrow(
    'Deployment verification failed at step "health": time budget of 60 s exhausted; last saw HTTP 503 {"error":"database unreachable"}',
  );
});

test('GIVEN throttling WHEN Route 53 refuses a few calls THEN they are retried with backoff', async () => {
  healthyZone();
  route53
    .on(ListResourceRecordSetsCommand)
    .rejectsOnce(throttled())
    .rejectsOnce(throttled())
    .resolves({ ResourceRecordSets: [RECORD], IsTruncated: false, MaxItems: 100 });
  route53
    .on(TestDNSAnswerCommand)
    .rejectsOnce(throttled())
    .resolves({ RecordData: [EIP] });
  const clock = fakeClock();
  await run(PARAMS, scriptedProbe([{ status: 200 }]), clock);
  expect(route53.commandCalls(ListResourceRecordSetsCommand)).toHaveLength(3);
  expect(clock.elapsed).toBe(1000 + 2000 + 1000);
});

test('GIVEN throttling that never ends WHEN retries run out THEN the error surfaces', async () => {
  healthyZone();
  route53.on(ListResourceRecordSetsCommand).rejects(throttled());
  await expect(run(PARAMS, scriptedProbe([{ status: 200 }]))).rejects.toThrow('Rate exceeded');
  expect(route53.commandCalls(ListResourceRecordSetsCommand)).toHaveLength(6);
});

test('GIVEN no record for this stage WHEN verified THEN the record step fails saying what the zone has', async () => {
  healthyZone({ ...RECORD, SetIdentifier: undefined, Weight: undefined });
  await expect(run(PARAMS, scriptedProbe([{ status: 200 }]))).rejects.toThrow(
    'Deployment verification failed at step "record": no A record api.example.com with set identifier Stage1-SingleServer; the zone has A (not weighted)',
  );
});

test('GIVEN a record pointing elsewhere WHEN verified THEN the record step fails', async () => {
  healthyZone({ ...RECORD, ResourceRecords: [{ Value: '192.0.2.1' }] });
  await expect(run(PARAMS, scriptedProbe([{ status: 200 }]))).rejects.toThrow(VerificationFailed);
});

test('GIVEN stage 3 WHEN the record is an alias to the load balancer THEN its addresses are the expected answer', async () => {
  const alb = 'stage3-alb-123.us-east-1.elb.amazonaws.com';
  healthyZone(
    {
      Name: 'api.example.com.',
      Type: 'A',
      SetIdentifier: 'Stage3-LoadBalanced',
      Weight: 100,
      AliasTarget: { DNSName: `dualstack.${alb}.`, HostedZoneId: 'Z35SXDOTRQ7X7K', EvaluateTargetHealth: true },
    },
    ['3.5.1.2', '3.5.1.3'],
  );
  const probe = scriptedProbe([{ status: 200 }], ['3.5.1.3', '3.5.1.2']);
  const log = await run(
    {
      ...PARAMS,
      setIdentifier: 'Stage3-LoadBalanced',
      target: { kind: 'alias', dnsName: alb },
      healthUrl: `https://${alb}/healthz`,
      readyUrl: `https://${alb}/readyz`,
    },
    probe,
  );
  expect(log[0]).toBe(`record: api.example.com (Stage3-LoadBalanced) points at ${alb} and is in sync on every Route 53 server`);
  expect(probe.calls).toEqual([
    [`https://${alb}/healthz`, 'api.example.com'],
    [`https://${alb}/readyz`, 'api.example.com'],
  ]);
});

describe('GIVEN stage 5 WHEN the record is an alias to the CDN', () => {
  const cdn = 'd111111abcdef8.cloudfront.net';
  const record: ResourceRecordSet = {
    Name: 'api.example.com.',
    Type: 'A',
    SetIdentifier: 'Stage5-CacheAndCdn',
    Weight: 100,
    AliasTarget: { DNSName: `${cdn}.`, HostedZoneId: 'Z2FDTNDATAQYW2', EvaluateTargetHealth: false },
  };
  const params: VerifyParams = {
    ...PARAMS,
    setIdentifier: 'Stage5-CacheAndCdn',
    target: { kind: 'cdn', dnsName: cdn },
    healthUrl: `https://${cdn}/healthz`,
    readyUrl: `https://${cdn}/readyz`,
  };

  test('THEN any answer passes (the edge differs by who asks), and health and readiness are checked through the distribution', async () => {
    // Route 53's test resolver is answered by another edge than this function's resolver.
    healthyZone(record, ['18.160.1.1']);
    const probe = scriptedProbe([{ status: 200 }], ['13.224.9.9']);
    const log = await run(params, probe);
    expect(log[1]).toBe('dns-answer: Route 53 answers api.example.com with 18.160.1.1');
    expect(probe.calls).toEqual([
      [`https://${cdn}/healthz`, 'api.example.com'],
      [`https://${cdn}/readyz`, 'api.example.com'],
    ]);
  });

  test('THEN no answer at all still fails the dns-answer step', async () => {
    healthyZone(record, []);
    await expect(run(params, scriptedProbe([{ status: 200 }]))).rejects.toThrow(/step "dns-answer".*never with this stage/);
  });

  test('THEN a record that aliases something else fails the record step', async () => {
    healthyZone({ ...record, AliasTarget: { ...record.AliasTarget!, DNSName: 'd999.cloudfront.net.' } }, ['18.160.1.1']);
    await expect(run(params, scriptedProbe([{ status: 200 }]))).rejects.toThrow(/step "record".*expected d111111abcdef8\.cloudfront\.net/);
  });
});

test('the handler refuses a target kind it does not know, naming it and those it knows', () => {
  const saved = { ...process.env };
  try {
    Object.assign(process.env, {
      HOSTED_ZONE_ID: 'Z1',
      RECORD_NAME: 'api.example.com',
      SET_IDENTIFIER: 'Stage5-CacheAndCdn',
      WEIGHT: '1',
      TARGET_KIND: 'cloudfront',
      TARGET: 'd1.cloudfront.net',
      HEALTH_URL: 'https://d1.cloudfront.net/healthz',
      READY_URL: 'https://d1.cloudfront.net/readyz',
      BUDGET_SECONDS: '600',
    });
    expect(() => paramsFromEnvironment()).toThrow('environment variable TARGET_KIND is "cloudfront"; allowed: ip, alias, cdn');
    process.env.TARGET_KIND = 'cdn';
    expect(paramsFromEnvironment().target).toEqual({ kind: 'cdn', dnsName: 'd1.cloudfront.net' });
  } finally {
    process.env = saved;
  }
});

test('the handler reads its settings from the environment, and names one that is missing', () => {
  const env = {
    HOSTED_ZONE_ID: 'Z1',
    RECORD_NAME: 'api.example.com',
    SET_IDENTIFIER: 'Stage1-SingleServer',
    WEIGHT: '0',
    TARGET_KIND: 'ip',
    TARGET: EIP,
    HEALTH_URL: `http://${EIP}/healthz`,
    READY_URL: `http://${EIP}/readyz`,
    BUDGET_SECONDS: '600',
  };
  const saved = { ...process.env };
  try {
    Object.assign(process.env, env);
    expect(paramsFromEnvironment()).toEqual({
      hostedZoneId: 'Z1',
      recordName: 'api.example.com',
      setIdentifier: 'Stage1-SingleServer',
      weight: 0,
      target: { kind: 'ip', address: EIP },
      healthUrl: `http://${EIP}/healthz`,
      readyUrl: `http://${EIP}/readyz`,
      budgetMs: 600_000,
    });
    delete process.env.HEALTH_URL;
    expect(() => paramsFromEnvironment()).toThrow('environment variable HEALTH_URL is not set');
  } finally {
    process.env = saved;
  }
});
