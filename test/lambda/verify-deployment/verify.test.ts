import { CloudFormationClient, DescribeStacksCommand, type StackStatus } from '@aws-sdk/client-cloudformation';
import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  ListResourceRecordSetsCommand,
  type ResourceRecordSet,
  Route53Client,
  TestDNSAnswerCommand,
} from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import { run as handle, paramsFromEnvironment } from '../../../lambda/verify-deployment';
import { type Probe, VerificationFailed, type VerifyParams, verifyDeployment } from '../../../lambda/verify-deployment/verify';
import { FakeRoute53 } from '../../support/fake-route53';

const route53 = mockClient(Route53Client);
const cloudformation = mockClient(CloudFormationClient);

const EIP = '203.0.113.10';
const RECORD: ResourceRecordSet = {
  Name: 'api.example.com.',
  Type: 'A',
  SetIdentifier: 'Stage1-SingleServer',
  Weight: 100,
  TTL: 60,
  ResourceRecords: [{ Value: EIP }],
};
const PARAMS: VerifyParams & { routing: { kind: 'weighted' } } = {
  hostedZoneId: 'Z0123456789ABCDEFGHIJ',
  recordName: 'api.example.com',
  routing: { kind: 'weighted', setIdentifier: 'Stage1-SingleServer', weight: 100 },
  recordTypes: ['A'],
  target: { kind: 'ip', address: EIP },
  healthUrl: `http://${EIP}/healthz`,
  readyUrl: `http://${EIP}/readyz`,
  budgetMs: 600_000,
};

/** The stage's parameters with its records at `weight`. */
const atWeight = (weight: number, params = PARAMS): VerifyParams => ({ ...params, routing: { ...params.routing, weight } });

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

/** What the service's /healthz and (everything answering) /readyz say through a load balancer or CDN. */
const HEALTHY = '{"status":"ok"}';
const READY = '{"status":"ready"}';

/** A probe that answers from a script, then repeats its last answer; a body left out is what the service says to that URL. */
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
      return { status: answer.status, body: answer.body ?? (url.endsWith('/readyz') ? READY : HEALTHY) };
    },
    resolve: async () => addresses,
  };
}

const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } });

const dnsAnswer = (data: string[]) => ({
  RecordData: data,
  Nameserver: 'ns-1.awsdns-01.org',
  RecordName: 'api.example.com',
  RecordType: 'A' as const,
  ResponseCode: 'NOERROR',
  Protocol: 'UDP',
});

function healthyZone(records: ResourceRecordSet[] = [RECORD], answers: string[] = [EIP]) {
  route53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: records, IsTruncated: false, MaxItems: 100 });
  route53.on(ChangeResourceRecordSetsCommand).resolves({ ChangeInfo: { Id: '/change/C1', Status: 'PENDING', SubmittedAt: new Date() } });
  route53.on(GetChangeCommand).resolves({ ChangeInfo: { Id: '/change/C1', Status: 'INSYNC', SubmittedAt: new Date() } });
  route53.on(TestDNSAnswerCommand).resolves(dnsAnswer(answers));
}

async function run(
  params: VerifyParams,
  probe: Probe,
  clock = fakeClock(),
  client: Pick<Route53Client, 'send'> = new Route53Client({ region: 'us-east-1' }),
) {
  const log: string[] = [];
  await verifyDeployment(params, { route53: client, probe, clock, log: (l) => log.push(l) });
  return log;
}

beforeEach(() => {
  route53.reset();
  cloudformation.reset();
});

test('GIVEN the only stage that serves WHEN verified THEN each step passes and says what it saw', async () => {
  healthyZone();
  const probe = scriptedProbe([{ status: 200 }]);
  expect(await run(PARAMS, probe)).toEqual([
    'record: A api.example.com (Stage1-SingleServer) points at 203.0.113.10 with weight 100: 100 % of answers; in sync on every Route 53 server',
    "dns-answer: Route 53 answers api.example.com with 203.0.113.10, this stage's",
    'health: http://203.0.113.10/healthz (Host: api.example.com) answers 200',
    'ready: http://203.0.113.10/readyz (Host: api.example.com) says ready: the servers reach their data, cache and session store',
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
    {
      HostedZoneId: 'Z0123456789ABCDEFGHIJ',
      ChangeBatch: {
        Comment: 'zero-to-millions verification of Stage1-SingleServer: re-asserts its records unchanged, to learn when they are in sync',
        Changes: [{ Action: 'UPSERT', ResourceRecordSet: RECORD }],
      },
    },
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

test('GIVEN a change that never reaches every server WHEN the budget runs out THEN the record step fails naming it', async () => {
  healthyZone();
  route53.on(GetChangeCommand).resolves({ ChangeInfo: { Id: '/change/C1', Status: 'PENDING', SubmittedAt: new Date() } });
  await expect(run({ ...PARAMS, budgetMs: 30_000 }, scriptedProbe([{ status: 200 }]))).rejects.toThrow(
    'Deployment verification failed at step "record": time budget of 30 s exhausted; last saw change /change/C1 PENDING',
  );
});

describe('GIVEN the only record of the name (one answer is conclusive)', () => {
  test('WHEN Route 53 keeps answering with another address THEN the dns-answer step fails naming both', async () => {
    healthyZone([RECORD], ['198.51.100.7']);
    // An address record evaluates no health: nothing else explains another answer.
    await expect(run({ ...PARAMS, budgetMs: 30_000 }, scriptedProbe([{ status: 200 }]))).rejects.toThrow(
      new Error(
        'Deployment verification failed at step "dns-answer": time budget of 30 s exhausted; last saw Route 53 answering api.example.com with 198.51.100.7 (NOERROR), not this stage\'s 203.0.113.10, although its record is the one Route 53 answers with (the only one of the name with a weight above 0, or the only one)',
      ),
    );
  });

  test('WHEN the first answer is another (a change still reaching the test resolver) THEN it asks again until it is this stage', async () => {
    healthyZone();
    route53
      .on(TestDNSAnswerCommand)
      .resolvesOnce(dnsAnswer(['198.51.100.7']))
      .resolves(dnsAnswer([EIP]));
    const log = await run(PARAMS, scriptedProbe([{ status: 200 }]));
    expect(log[1]).toBe("dns-answer: Route 53 answers api.example.com with 203.0.113.10, this stage's");
    expect(route53.commandCalls(TestDNSAnswerCommand)).toHaveLength(2);
  });

  test('WHEN another stage raises its weight meanwhile THEN the answer is not held against this stage', async () => {
    healthyZone();
    const other = { ...RECORD, SetIdentifier: 'Stage2-SeparateData', ResourceRecords: [{ Value: '198.51.100.7' }] };
    route53
      .on(ListResourceRecordSetsCommand)
      .resolvesOnce({ ResourceRecordSets: [RECORD, { ...other, Weight: 0 }], IsTruncated: false, MaxItems: 100 })
      .resolves({ ResourceRecordSets: [RECORD, other], IsTruncated: false, MaxItems: 100 });
    route53.on(TestDNSAnswerCommand).resolves(dnsAnswer(['198.51.100.7']));
    const log = await run(PARAMS, scriptedProbe([{ status: 200 }]));
    expect(log[1]).toBe(
      'dns-answer: not concluded; another record of api.example.com got a weight above 0 meanwhile (the record step proved what Route 53 holds)',
    );
  });

  test('WHEN its weight is 0 and it is alone THEN Route 53 answers with it (all weights 0: equal shares), so it is asked', async () => {
    healthyZone([{ ...RECORD, Weight: 0 }]);
    const log = await run(atWeight(0), scriptedProbe([{ status: 200 }]));
    expect(log[0]).toContain('with weight 0: 100 % of answers');
    expect(route53.commandCalls(TestDNSAnswerCommand)).toHaveLength(1);
  });
});

describe('GIVEN other stages share the name (weighted records, one picked per query)', () => {
  const other = (weight: number): ResourceRecordSet => ({
    ...RECORD,
    SetIdentifier: 'Stage3-LoadBalanced',
    Weight: weight,
    ResourceRecords: undefined,
    TTL: undefined,
    AliasTarget: {
      DNSName: 'dualstack.stage3-alb-1.us-east-1.elb.amazonaws.com.',
      HostedZoneId: 'Z35SXDOTRQ7X7K',
      EvaluateTargetHealth: true,
    },
  });

  test.each([
    [5, 100, '4.8 %'],
    [10, 100, '9.1 %'],
    [1, 255, '0.4 %'],
  ])('WHEN this stage has weight %i beside %i THEN no answer is asked for, and the log gives its share', async (weight, others, share) => {
    healthyZone([{ ...RECORD, Weight: weight }, other(others)], ['3.5.1.2']);
    const log = await run(atWeight(weight), scriptedProbe([{ status: 200 }]));
    expect(log[0]).toBe(
      `record: A api.example.com (Stage1-SingleServer) points at 203.0.113.10 with weight ${weight} beside Stage3-LoadBalanced at ${others}: ${share} of answers; in sync on every Route 53 server`,
    );
    expect(log[1]).toBe(
      `dns-answer: not asked; Route 53 answers api.example.com with this stage's record ${share} of the time, so no number of answers proves or disproves it (the record step proved what Route 53 holds)`,
    );
    expect(route53.commandCalls(TestDNSAnswerCommand)).toHaveLength(0);
  });

  test('WHEN this stage has weight 0 beside one at 100 (a new stage before cutover) THEN it gets no answers, and its record and health are still verified', async () => {
    healthyZone([{ ...RECORD, Weight: 0 }, other(100)], ['3.5.1.2']);
    const probe = scriptedProbe([{ status: 200 }]);
    const log = await run(atWeight(0), probe);
    expect(log[0]).toContain('with weight 0 beside Stage3-LoadBalanced at 100: 0 % of answers');
    expect(route53.commandCalls(TestDNSAnswerCommand)).toHaveLength(0);
    expect(probe.calls.map(([url]) => url)).toEqual([PARAMS.healthUrl, PARAMS.readyUrl]);
  });

  test('WHEN every record of the name has weight 0 THEN each gets an equal share, and no answer is asked for', async () => {
    healthyZone([{ ...RECORD, Weight: 0 }, other(0)]);
    const log = await run(atWeight(0), scriptedProbe([{ status: 200 }]));
    expect(log[0]).toContain(': 50 % of answers');
    expect(route53.commandCalls(TestDNSAnswerCommand)).toHaveLength(0);
  });
});

describe('GIVEN a Route 53 that answers by weight WHEN a stage is deployed 1,000 times', () => {
  const DEPLOYS = 1000;
  const other: ResourceRecordSet = {
    ...RECORD,
    SetIdentifier: 'Stage2-SeparateData',
    Weight: 255,
    ResourceRecords: [{ Value: '198.51.100.7' }],
  };
  const deploy = async (zone: FakeRoute53, params: VerifyParams) => {
    try {
      await run(params, scriptedProbe([{ status: 200 }]), fakeClock(), zone);
      return 'passed';
    } catch (error) {
      return error instanceof VerificationFailed ? error.step : String(error);
    }
  };

  test('THEN a healthy stage at weight 1 beside one at 255 passes every time', async () => {
    const outcomes: Record<string, number> = {};
    for (let seed = 1; seed <= DEPLOYS; seed++) {
      const zone = new FakeRoute53({ records: [{ ...RECORD, Weight: 1 }, other], seed });
      const outcome = await deploy(zone, atWeight(1));
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    }
    expect(outcomes).toEqual({ passed: DEPLOYS });
  });

  test('THEN the only stage with a weight above 0 is asked for one answer per deploy and passes every time (200 deploys)', async () => {
    const outcomes: Record<string, number> = {};
    let answers = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const zone = new FakeRoute53({ records: [RECORD, { ...other, Weight: 0 }], seed });
      const outcome = await deploy(zone, PARAMS);
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      answers += zone.count('TestDNSAnswer');
    }
    expect(outcomes).toEqual({ passed: 200 });
    expect(answers).toBe(200);
  });

  test('THEN a record that points elsewhere fails at the record step every time, at any weight', async () => {
    const outcomes: Record<string, number> = {};
    for (let seed = 1; seed <= DEPLOYS; seed++) {
      const weight = seed % 256;
      const zone = new FakeRoute53({ records: [{ ...RECORD, Weight: weight, ResourceRecords: [{ Value: '192.0.2.1' }] }, other], seed });
      const outcome = await deploy(zone, atWeight(weight));
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    }
    expect(outcomes).toEqual({ record: DEPLOYS });
  });
});

describe('GIVEN a zone listed a page at a time', () => {
  // Records sort by reversed name, then type, then set identifier: the stage's records sit between others'.
  const records: ResourceRecordSet[] = [
    { Name: 'example.com.', Type: 'NS', TTL: 172800, ResourceRecords: [{ Value: 'ns-1.awsdns-01.org.' }] },
    ...['Stage2-SeparateData', 'Stage3-LoadBalanced', 'Stage4-ReplicatedData'].map((id, i) => ({
      ...RECORD,
      SetIdentifier: id,
      Weight: 0,
      ResourceRecords: [{ Value: `198.51.100.${i + 1}` }],
    })),
    { ...RECORD, SetIdentifier: 'Stage1-SingleServer', Weight: 0 },
    { Name: 'api.example.com.', Type: 'TXT', TTL: 300, ResourceRecords: [{ Value: '"owner=platform"' }] },
    {
      Name: 'stage5.api.example.com.',
      Type: 'A',
      AliasTarget: { DNSName: 'd1.cloudfront.net.', HostedZoneId: 'Z2FDTNDATAQYW2', EvaluateTargetHealth: false },
    },
  ];

  test.each([1, 2, 3])(
    'WHEN a page holds %i record(s) THEN the stage record is found across pages, and paging stops past the name',
    async (pageSize) => {
      const zone = new FakeRoute53({ records, pageSize });
      const log = await run(atWeight(0), scriptedProbe([{ status: 200 }]), fakeClock(), zone);
      expect(log[0]).toContain(
        'with weight 0 beside Stage2-SeparateData at 0, Stage3-LoadBalanced at 0, Stage4-ReplicatedData at 0: 25 % of answers',
      );
      // The records of api.example.com (4 A, 1 TXT) take ceil(5 / pageSize) pages, and one more only if a page ended exactly at the name's end.
      expect(zone.count('ListResourceRecordSets')).toBeLessThanOrEqual(Math.ceil(5 / pageSize) + 1);
    },
  );

  test('WHEN a page ends inside the weighted group THEN the next starts at the name, type and set identifier Route 53 gives', async () => {
    const zone = new FakeRoute53({ records, pageSize: 2 });
    const sent: unknown[] = [];
    const recording = {
      send: (command: any) => {
        sent.push(command.input);
        return zone.send(command);
      },
    };
    await run(atWeight(0), scriptedProbe([{ status: 200 }]), fakeClock(), recording);
    expect(sent.filter((i: any) => i.StartRecordName)[1]).toMatchObject({
      StartRecordName: 'api.example.com.',
      StartRecordType: 'A',
      StartRecordIdentifier: 'Stage3-LoadBalanced',
    });
  });
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

describe('GIVEN servers whose /readyz answers 200 but degraded (the writer answers; a reader, the cache or the session store does not)', () => {
  const DEGRADED = { status: 200, body: '{"status":"degraded"}' };
  /** A probe whose /healthz passes and whose /readyz answers from `answers`, then repeats the last. */
  const readiness = (answers: { status: number; body: string }[]) => {
    const health = scriptedProbe([{ status: 200 }]);
    const ready = scriptedProbe(answers);
    return {
      get: (url: string, host: string) => (url.endsWith('/readyz') ? ready : health).get(url, host),
      resolve: health.resolve,
      ready,
    };
  };

  test('WHEN it stays degraded THEN the ready step fails when the budget runs out, saying what it saw: a fresh stage does not start degraded', async () => {
    healthyZone();
    await expect(run({ ...PARAMS, budgetMs: 30_000 }, readiness([DEGRADED]))).rejects.toThrow(
      'Deployment verification failed at step "ready": time budget of 30 s exhausted; last saw HTTP 200 {"status":"degraded"}: the writer answers, but a reader, the cache or the session store does not (a server\'s own /readyz names which)',
    );
  });

  test('WHEN it becomes ready (a reader or the cache a little late) THEN it waits for that, and passes', async () => {
    healthyZone();
    const probe = readiness([DEGRADED, DEGRADED, { status: 200, body: '{"status":"ready"}' }]);
    const clock = fakeClock();
    const log = await run(PARAMS, probe, clock);
    expect(log.at(-1)).toBe(
      'ready: http://203.0.113.10/readyz (Host: api.example.com) says ready: the servers reach their data, cache and session store',
    );
    expect(probe.ready.calls).toHaveLength(3);
    expect(clock.elapsed).toBe(2000 + 4000);
  });

  test.each([
    ['not JSON', 'OK'],
    ['JSON without a status', '{"ok":true}'],
  ])('WHEN a 200 is %s THEN it is no readiness answer, and the step fails saying so', async (_what, body) => {
    healthyZone();
    await expect(run({ ...PARAMS, budgetMs: 30_000 }, readiness([{ status: 200, body }]))).rejects.toThrow(
      `step "ready": time budget of 30 s exhausted; last saw HTTP 200 ${body}: not a readiness answer, which says {"status":"ready"}`,
    );
  });
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
    .on(ChangeResourceRecordSetsCommand)
    .rejectsOnce(throttled())
    .resolves({ ChangeInfo: { Id: '/change/C1', Status: 'PENDING', SubmittedAt: new Date() } });
  route53
    .on(TestDNSAnswerCommand)
    .rejectsOnce(throttled())
    .resolves(dnsAnswer([EIP]));
  const clock = fakeClock();
  await run(PARAMS, scriptedProbe([{ status: 200 }]), clock);
  expect(route53.commandCalls(ListResourceRecordSetsCommand)).toHaveLength(3);
  expect(route53.commandCalls(ChangeResourceRecordSetsCommand)).toHaveLength(2);
  expect(clock.elapsed).toBe(1000 + 2000 + 1000 + 1000);
});

test('GIVEN throttling that never ends WHEN retries run out THEN the error surfaces', async () => {
  healthyZone();
  route53.on(ListResourceRecordSetsCommand).rejects(throttled());
  await expect(run(PARAMS, scriptedProbe([{ status: 200 }]))).rejects.toThrow('Rate exceeded');
  expect(route53.commandCalls(ListResourceRecordSetsCommand)).toHaveLength(6);
});

describe('GIVEN what Route 53 holds differs from what the stage declares WHEN verified THEN the record step fails saying how', () => {
  test.each([
    [
      'no record for this stage',
      [{ ...RECORD, SetIdentifier: undefined, Weight: undefined }],
      PARAMS,
      'no A record api.example.com with set identifier Stage1-SingleServer; the zone has A (not weighted)',
    ],
    [
      'another stage at this address, none of its own',
      [{ ...RECORD, SetIdentifier: 'Stage2-SeparateData' }],
      PARAMS,
      'no A record api.example.com with set identifier Stage1-SingleServer; the zone has A Stage2-SeparateData',
    ],
    [
      'a record that points elsewhere',
      [{ ...RECORD, ResourceRecords: [{ Value: '192.0.2.1' }] }],
      PARAMS,
      "A api.example.com (Stage1-SingleServer): it answers 192.0.2.1, not the stage's address 203.0.113.10",
    ],
    [
      'a record with an extra address',
      [{ ...RECORD, ResourceRecords: [{ Value: EIP }, { Value: '192.0.2.1' }] }],
      PARAMS,
      "A api.example.com (Stage1-SingleServer): it answers 203.0.113.10, 192.0.2.1, not the stage's address 203.0.113.10",
    ],
    [
      'a weight other than the stage declares (another deploy, or a hand edit)',
      [{ ...RECORD, Weight: 100 }],
      atWeight(5),
      "A api.example.com (Stage1-SingleServer): its weight is 100, the stage's is 5",
    ],
    [
      'a record of its set identifier that is not weighted',
      [{ ...RECORD, Weight: undefined }],
      PARAMS,
      'A api.example.com (Stage1-SingleServer): it is not a weighted record',
    ],
  ])('%s', async (_name, records, params, detail) => {
    healthyZone(records as ResourceRecordSet[]);
    await expect(run(params, scriptedProbe([{ status: 200 }]))).rejects.toThrow(
      `Deployment verification failed at step "record": ${detail}`,
    );
    expect(route53.commandCalls(ChangeResourceRecordSetsCommand)).toHaveLength(0);
  });

  test('every problem is named at once', async () => {
    healthyZone([{ ...RECORD, Weight: 7, ResourceRecords: [{ Value: '192.0.2.1' }] }]);
    await expect(run(PARAMS, scriptedProbe([{ status: 200 }]))).rejects.toThrow(
      "A api.example.com (Stage1-SingleServer): its weight is 7, the stage's is 100; A api.example.com (Stage1-SingleServer): it answers 192.0.2.1, not the stage's address 203.0.113.10",
    );
  });
});

describe('GIVEN stage 3 WHEN the record is an alias to the load balancer', () => {
  const alb = 'stage3-alb-123.us-east-1.elb.amazonaws.com';
  const record: ResourceRecordSet = {
    Name: 'api.example.com.',
    Type: 'A',
    SetIdentifier: 'Stage3-LoadBalanced',
    Weight: 100,
    AliasTarget: { DNSName: `dualstack.${alb}.`, HostedZoneId: 'Z35SXDOTRQ7X7K', EvaluateTargetHealth: true },
  };
  const params: VerifyParams = {
    ...PARAMS,
    routing: { kind: 'weighted', setIdentifier: 'Stage3-LoadBalanced', weight: 100 },
    target: { kind: 'alias', dnsName: alb, hostedZoneId: 'Z35SXDOTRQ7X7K' },
    healthUrl: `https://${alb}/healthz`,
    readyUrl: `https://${alb}/readyz`,
  };

  test("THEN its load balancer's addresses are the expected answer, and health is checked through it", async () => {
    healthyZone([record], ['3.5.1.2', '3.5.1.3']);
    const probe = scriptedProbe([{ status: 200 }], ['3.5.1.3', '3.5.1.2']);
    const log = await run(params, probe);
    expect(log[0]).toBe(
      `record: A api.example.com (Stage3-LoadBalanced) points at ${alb} with weight 100: 100 % of answers; in sync on every Route 53 server`,
    );
    expect(log[1]).toBe("dns-answer: Route 53 answers api.example.com with 3.5.1.2, 3.5.1.3, this stage's");
    expect(probe.calls).toEqual([
      [`https://${alb}/healthz`, 'api.example.com'],
      [`https://${alb}/readyz`, 'api.example.com'],
    ]);
  });

  test.each([
    ['upper case', `DUALSTACK.${alb.toUpperCase()}.`],
    ['no trailing dot', `dualstack.${alb}`],
    ['no dualstack prefix', `${alb}.`],
  ])('THEN an alias DNS name that differs only in form (%s) is the same target', async (_form, dnsName) => {
    healthyZone([{ ...record, AliasTarget: { ...record.AliasTarget!, DNSName: dnsName } }], ['3.5.1.2']);
    await expect(run(params, scriptedProbe([{ status: 200 }], ['3.5.1.2']))).resolves.toHaveLength(4);
  });

  test.each([
    [
      'another load balancer',
      { DNSName: 'dualstack.stage4-alb-9.us-east-1.elb.amazonaws.com.' },
      "it aliases stage4-alb-9.us-east-1.elb.amazonaws.com, not the stage's stage3-alb-123.us-east-1.elb.amazonaws.com",
    ],
    [
      'the right name in another hosted zone',
      { HostedZoneId: 'Z1H1FL5HABSF5' },
      'its alias target is in hosted zone Z1H1FL5HABSF5, not Z35SXDOTRQ7X7K',
    ],
  ])('THEN an alias to %s fails the record step', async (_name, change, detail) => {
    healthyZone([{ ...record, AliasTarget: { ...record.AliasTarget!, ...change } }]);
    await expect(run(params, scriptedProbe([{ status: 200 }]))).rejects.toThrow(
      `step "record": A api.example.com (Stage3-LoadBalanced): ${detail}`,
    );
  });

  test("WHEN Route 53 keeps answering with another stage's addresses THEN the failure says that this record is passed over while its load balancer has no healthy target", async () => {
    // Another stage at weight 0: Route 53 answers with it while this stage's targets are not healthy yet.
    const other = {
      ...record,
      SetIdentifier: 'Stage4-ReplicatedData',
      Weight: 0,
      AliasTarget: { ...record.AliasTarget!, DNSName: 'dualstack.stage4-alb-9.us-east-1.elb.amazonaws.com.' },
    };
    healthyZone([record, other], ['3.9.9.9']);
    await expect(run({ ...params, budgetMs: 30_000 }, scriptedProbe([{ status: 200 }], ['3.5.1.2']))).rejects.toThrow(
      new Error(
        `Deployment verification failed at step "dns-answer": time budget of 30 s exhausted; last saw Route 53 answering api.example.com with 3.9.9.9 (NOERROR), not this stage's 3.5.1.2, although its record is the one Route 53 answers with (the only one of the name with a weight above 0, or the only one), unless Route 53 takes it for unhealthy: it evaluates its load balancer's health, and while that has no healthy target (yet) Route 53 answers with the name's other records, those at weight 0 included`,
      ),
    );
  });

  test('THEN a plain record where the alias should be fails the record step', async () => {
    healthyZone([{ ...record, AliasTarget: undefined, TTL: 60, ResourceRecords: [{ Value: '3.5.1.2' }] }]);
    await expect(run(params, scriptedProbe([{ status: 200 }]))).rejects.toThrow(
      `A api.example.com (Stage3-LoadBalanced): it answers 3.5.1.2, not an alias to ${alb}`,
    );
  });
});

describe('GIVEN stage 5 WHEN the records are aliases to the CDN (A and AAAA)', () => {
  const cdn = 'd111111abcdef8.cloudfront.net';
  const alias = { DNSName: `${cdn}.`, HostedZoneId: 'Z2FDTNDATAQYW2', EvaluateTargetHealth: false };
  const a: ResourceRecordSet = {
    Name: 'api.example.com.',
    Type: 'A',
    SetIdentifier: 'Stage5-CacheAndCdn',
    Weight: 100,
    AliasTarget: alias,
  };
  const aaaa: ResourceRecordSet = { ...a, Type: 'AAAA' };
  const params: VerifyParams = {
    ...PARAMS,
    routing: { kind: 'weighted', setIdentifier: 'Stage5-CacheAndCdn', weight: 100 },
    recordTypes: ['A', 'AAAA'],
    target: { kind: 'cdn', dnsName: cdn, hostedZoneId: 'Z2FDTNDATAQYW2' },
    healthUrl: `https://${cdn}/healthz`,
    readyUrl: `https://${cdn}/readyz`,
    hostName: 'stage5.api.example.com',
  };

  test('THEN both records are verified and re-asserted in one change, no answer is asked for, and health is checked through the distribution', async () => {
    healthyZone([a, aaaa], ['18.160.1.1']);
    const probe = scriptedProbe([{ status: 200 }]);
    const log = await run(params, probe);
    expect(log.slice(0, 3)).toEqual([
      `record: A api.example.com (Stage5-CacheAndCdn) points at ${cdn} with weight 100: 100 % of answers; in sync on every Route 53 server`,
      `record: AAAA api.example.com (Stage5-CacheAndCdn) points at ${cdn} with weight 100: 100 % of answers; in sync on every Route 53 server`,
      `dns-answer: not asked; a distribution's addresses depend on who asks, so no answer is comparable (the record step proved where api.example.com points)`,
    ]);
    expect(route53.commandCalls(TestDNSAnswerCommand)).toHaveLength(0);
    expect(
      route53.commandCalls(ChangeResourceRecordSetsCommand)[0].args[0].input.ChangeBatch?.Changes?.map((c) => c.ResourceRecordSet?.Type),
    ).toEqual(['A', 'AAAA']);
    expect(probe.calls).toEqual([
      [`https://${cdn}/healthz`, 'stage5.api.example.com'],
      [`https://${cdn}/readyz`, 'stage5.api.example.com'],
    ]);
  });

  test('THEN a missing AAAA record fails the record step', async () => {
    healthyZone([a]);
    await expect(run(params, scriptedProbe([{ status: 200 }]))).rejects.toThrow(
      'step "record": no AAAA record api.example.com with set identifier Stage5-CacheAndCdn; the zone has A Stage5-CacheAndCdn',
    );
  });

  test('THEN a record that aliases another distribution fails the record step', async () => {
    healthyZone([a, { ...aaaa, AliasTarget: { ...alias, DNSName: 'd999.cloudfront.net.' } }]);
    await expect(run(params, scriptedProbe([{ status: 200 }]))).rejects.toThrow(
      /step "record": AAAA api\.example\.com \(Stage5-CacheAndCdn\): it aliases d999\.cloudfront\.net, not the stage's d111111abcdef8\.cloudfront\.net/,
    );
  });
});

describe('GIVEN a CDN stage that does not carry the API name (weight 0) WHEN its own name is judged: A and AAAA aliases, not weighted', () => {
  const cdn = 'd222222abcdef8.cloudfront.net';
  const ownName = 'stage6.api.example.com';
  const alias = { DNSName: `${cdn}.`, HostedZoneId: 'Z2FDTNDATAQYW2', EvaluateTargetHealth: false };
  const a: ResourceRecordSet = { Name: `${ownName}.`, Type: 'A', AliasTarget: alias };
  const aaaa: ResourceRecordSet = { ...a, Type: 'AAAA' };
  const params: VerifyParams = {
    ...PARAMS,
    recordName: ownName,
    routing: { kind: 'simple' },
    recordTypes: ['A', 'AAAA'],
    target: { kind: 'cdn', dnsName: cdn, hostedZoneId: 'Z2FDTNDATAQYW2' },
    healthUrl: `https://${cdn}/healthz`,
    readyUrl: `https://${cdn}/readyz`,
  };
  const fails = async (records: ResourceRecordSet[], detail: string | RegExp) => {
    healthyZone(records);
    await expect(run(params, scriptedProbe([{ status: 200 }]))).rejects.toThrow(detail);
    expect(route53.commandCalls(ChangeResourceRecordSetsCommand)).toHaveLength(0);
  };

  test('THEN the plain records pass, are re-asserted in one change until in sync, and the stage is asked for by its own name', async () => {
    healthyZone([a, aaaa]);
    const probe = scriptedProbe([{ status: 200 }]);
    const log = await run(params, probe);
    expect(log.slice(0, 3)).toEqual([
      `record: A ${ownName} (not weighted) points at ${cdn}: the name's only A record; in sync on every Route 53 server`,
      `record: AAAA ${ownName} (not weighted) points at ${cdn}: the name's only AAAA record; in sync on every Route 53 server`,
      `dns-answer: not asked; a distribution's addresses depend on who asks, so no answer is comparable (the record step proved where ${ownName} points)`,
    ]);
    expect(route53.commandCalls(ListResourceRecordSetsCommand)[0].args[0].input.StartRecordName).toBe(`${ownName}.`);
    expect(route53.commandCalls(ChangeResourceRecordSetsCommand).map((c) => c.args[0].input.ChangeBatch)).toEqual([
      {
        Comment: `zero-to-millions verification of ${ownName}: re-asserts its records unchanged, to learn when they are in sync`,
        Changes: [
          { Action: 'UPSERT', ResourceRecordSet: a },
          { Action: 'UPSERT', ResourceRecordSet: aaaa },
        ],
      },
    ]);
    expect(probe.calls).toEqual([
      [`https://${cdn}/healthz`, ownName],
      [`https://${cdn}/readyz`, ownName],
    ]);
  });

  test('THEN weighted records where plain ones are declared fail the record step', () =>
    fails(
      [
        { ...a, SetIdentifier: 'Stage6-Stateless', Weight: 0 },
        { ...aaaa, SetIdentifier: 'Stage6-Stateless', Weight: 0 },
      ],
      `step "record": A ${ownName} is weighted (Stage6-Stateless at 0), not the stage's one record of the name, which is not weighted; AAAA ${ownName} is weighted (Stage6-Stateless at 0), not the stage's one record of the name, which is not weighted`,
    ));

  test.each([
    ['the AAAA record', [a], `step "record": no AAAA record ${ownName} that is not weighted; the zone has A (not weighted)`],
    [
      'both',
      [],
      `step "record": no A record ${ownName} that is not weighted; the zone has no record of that name; no AAAA record ${ownName} that is not weighted; the zone has no record of that name`,
    ],
  ])('THEN a missing record (%s) fails the record step', (_missing, records, detail) => fails(records, detail));

  test.each([
    [
      'another distribution',
      { DNSName: 'd111111abcdef8.cloudfront.net.' },
      `it aliases d111111abcdef8.cloudfront.net, not the stage's ${cdn}`,
    ],
    [
      'the right name in another hosted zone',
      { HostedZoneId: 'Z35SXDOTRQ7X7K' },
      'its alias target is in hosted zone Z35SXDOTRQ7X7K, not Z2FDTNDATAQYW2',
    ],
  ])('THEN an alias to %s fails the record step', (_name, change, detail) =>
    fails([a, { ...aaaa, AliasTarget: { ...alias, ...change } }], `step "record": AAAA ${ownName}: ${detail}`),
  );

  test('THEN a plain address where the alias should be fails the record step', () =>
    fails(
      [{ Name: `${ownName}.`, Type: 'A', TTL: 60, ResourceRecords: [{ Value: '18.160.1.1' }] }, aaaa],
      `step "record": A ${ownName}: it answers 18.160.1.1, not an alias to ${cdn}`,
    ));
});

describe('the handler reads its settings from the environment', () => {
  const ENV = {
    HOSTED_ZONE_ID: 'Z1',
    RECORD_NAME: 'api.example.com',
    ROUTING: 'weighted',
    SET_IDENTIFIER: 'Stage1-SingleServer',
    WEIGHT: '0',
    RECORD_TYPES: 'A',
    TARGET_KIND: 'ip',
    TARGET: EIP,
    HEALTH_URL: `http://${EIP}/healthz`,
    READY_URL: `http://${EIP}/readyz`,
    BUDGET_SECONDS: '600',
  };
  const withEnv = async (env: Record<string, string | undefined>, read: () => unknown) => {
    const saved = { ...process.env };
    try {
      Object.assign(process.env, ENV, env);
      for (const [key, value] of Object.entries(env)) if (value === undefined) delete process.env[key];
      await read();
    } finally {
      process.env = saved;
    }
  };

  test('and gives them to the verification', () =>
    withEnv({}, () => expect(paramsFromEnvironment()).toEqual({ ...atWeight(0), hostedZoneId: 'Z1', hostName: undefined })));

  test('an alias or CDN target with its hosted zone, and the record types', () =>
    withEnv({ TARGET_KIND: 'cdn', TARGET: 'd1.cloudfront.net', TARGET_HOSTED_ZONE_ID: 'Z2FDTNDATAQYW2', RECORD_TYPES: 'A,AAAA' }, () =>
      expect(paramsFromEnvironment()).toMatchObject({
        target: { kind: 'cdn', dnsName: 'd1.cloudfront.net', hostedZoneId: 'Z2FDTNDATAQYW2' },
        recordTypes: ['A', 'AAAA'],
      }),
    ));

  test("simple routing (a CDN stage's own name) needs no set identifier or weight", () =>
    withEnv({ RECORD_NAME: 'stage6.api.example.com', ROUTING: 'simple', SET_IDENTIFIER: undefined, WEIGHT: undefined }, () =>
      expect(paramsFromEnvironment()).toMatchObject({ recordName: 'stage6.api.example.com', routing: { kind: 'simple' } }),
    ));

  test.each([
    [{ HEALTH_URL: undefined }, 'environment variable HEALTH_URL is not set'],
    [{ TARGET_KIND: 'alias' }, 'environment variable TARGET_HOSTED_ZONE_ID is not set'],
    [{ TARGET_KIND: 'cloudfront' }, 'environment variable TARGET_KIND is "cloudfront"; allowed: ip, alias, cdn'],
    [{ WEIGHT: '256' }, 'environment variable WEIGHT is "256"; allowed: an integer from 0 to 255'],
    [{ WEIGHT: 'ten' }, 'environment variable WEIGHT is "ten"; allowed: an integer from 0 to 255'],
    [{ RECORD_TYPES: 'AAAA' }, 'environment variable RECORD_TYPES is "AAAA"; allowed: A, A,AAAA'],
    [{ ROUTING: 'latency' }, 'environment variable ROUTING is "latency"; allowed: weighted, simple'],
    [{ SET_IDENTIFIER: undefined }, 'environment variable SET_IDENTIFIER is not set'],
  ])('and refuses %p, naming the variable, its value and what is allowed', (env, message) =>
    withEnv(env, () => expect(() => paramsFromEnvironment()).toThrow(message)),
  );

  describe('and, before any check, asks CloudFormation whether the stack (STACK_ID) is rolling back', () => {
    const STACK_ID = 'arn:aws:cloudformation:us-east-1:123456789012:stack/Stage1-SingleServer/0a1b2c3d-4e5f-6789-abcd-ef0123456789';
    const stackIs = (status: string) =>
      cloudformation.on(DescribeStacksCommand).resolves({
        Stacks: [{ StackId: STACK_ID, StackName: 'Stage1-SingleServer', StackStatus: status as StackStatus, CreationTime: new Date() }],
      });
    /** The handler, with the stage's environment and STACK_ID: what it returned and logged, and the probe it used. */
    async function handled(env: Record<string, string | undefined> = {}, probe = scriptedProbe([{ status: 200 }])) {
      const log: string[] = [];
      let outcome: unknown;
      // The stage at the weight its record has (RECORD, beside no other).
      await withEnv({ STACK_ID, WEIGHT: '100', ...env }, async () => {
        outcome = await handle({
          route53: new Route53Client({ region: 'us-east-1' }),
          cloudformation: new CloudFormationClient({ region: 'us-east-1' }),
          probe,
          clock: fakeClock(),
          log: (l) => log.push(l),
        });
      });
      return { outcome, log, probe };
    }

    test.each(['UPDATE_ROLLBACK_IN_PROGRESS', 'ROLLBACK_IN_PROGRESS'])(
      'GIVEN the stack %s WHEN the trigger runs the Lambda THEN it asks Route 53 nothing, requests nothing and succeeds, saying why',
      async (status) => {
        stackIs(status);
        // Not even its settings are read: a rollback needs none of them to pass.
        const { outcome, log, probe } = await handled({ HOSTED_ZONE_ID: undefined, TARGET_KIND: undefined });
        const skipped = `not verified: stack ${STACK_ID} is ${status}; CloudFormation is restoring the deployment that last completed, and a failure or a wait here would fail the rollback (UPDATE_ROLLBACK_FAILED)`;
        expect(outcome).toEqual({ skipped });
        expect(log).toEqual([`rollback: ${skipped}`]);
        expect(route53.calls()).toEqual([]);
        expect(probe.calls).toEqual([]);
        expect(cloudformation.commandCalls(DescribeStacksCommand).map((c) => c.args[0].input)).toEqual([{ StackName: STACK_ID }]);
      },
    );

    test.each(['CREATE_IN_PROGRESS', 'UPDATE_IN_PROGRESS'])(
      'GIVEN the stack %s (a deployment) WHEN the Lambda runs THEN every step runs',
      async (status) => {
        stackIs(status);
        healthyZone();
        const { outcome, log, probe } = await handled();
        expect(outcome).toEqual({ verified: 'api.example.com (Stage1-SingleServer)' });
        expect(log.map((l) => l.split(':')[0])).toEqual(['record', 'dns-answer', 'health', 'ready']);
        expect(route53.commandCalls(ChangeResourceRecordSetsCommand)).toHaveLength(1);
        expect(probe.calls).toHaveLength(2);
      },
    );

    const denied = () =>
      cloudformation
        .on(DescribeStacksCommand)
        .rejects(Object.assign(new Error('not authorized to perform: cloudformation:DescribeStacks'), { name: 'AccessDenied' }));
    const unread = `cloudformation:DescribeStacks on ${STACK_ID} failed: AccessDenied: not authorized to perform: cloudformation:DescribeStacks`;

    test('GIVEN DescribeStacks fails WHEN the stage serves THEN it is verified as a deployment and passes, the log naming what failed', async () => {
      denied();
      healthyZone();
      const { outcome, log } = await handled();
      expect(outcome).toEqual({ verified: 'api.example.com (Stage1-SingleServer)' });
      expect(log[0]).toBe(`stack status: ${unread}; verifying as for a deployment`);
      expect(log.slice(1).map((l) => l.split(':')[0])).toEqual(['record', 'dns-answer', 'health', 'ready']);
    });

    test('GIVEN DescribeStacks fails WHEN the stage does not serve THEN the verification fails, saying also that the stack status was not read and why', async () => {
      denied();
      healthyZone();
      await expect(handled({}, scriptedProbe([{ status: 503, body: 'down' }]))).rejects.toThrow(
        new VerificationFailed(
          'health',
          `time budget of 600 s exhausted; last saw HTTP 503 down (verified as for a deployment, since the stack status that tells a rollback apart could not be read: ${unread})`,
        ),
      );
    });

    test('without STACK_ID it refuses to run, naming the variable', async () => {
      await expect(handled({ STACK_ID: undefined })).rejects.toThrow('environment variable STACK_ID is not set');
      expect(cloudformation.calls()).toEqual([]);
    });
  });
});
