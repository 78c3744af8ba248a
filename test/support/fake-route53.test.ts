/** The fake zone the verification's simulated deployments run against answers as Route 53 documents weighted records. */
import { TestDNSAnswerCommand } from '@aws-sdk/client-route-53';
import { FakeRoute53 } from './fake-route53';

const record = (id: string, weight: number, address: string) => ({
  Name: 'api.example.com.',
  Type: 'A' as const,
  SetIdentifier: id,
  Weight: weight,
  TTL: 60,
  ResourceRecords: [{ Value: address }],
});
const QUERIES = 12_800;

async function shares(records: ReturnType<typeof record>[], queries = QUERIES): Promise<Record<string, number>> {
  const zone = new FakeRoute53({ records, seed: 7 });
  const seen: Record<string, number> = {};
  const query = new TestDNSAnswerCommand({ HostedZoneId: 'Z1', RecordName: 'api.example.com', RecordType: 'A' });
  for (let i = 0; i < queries; i++) {
    const answer = await zone.send(query);
    seen[answer.RecordData[0]] = (seen[answer.RecordData[0]] ?? 0) + 1;
  }
  return seen;
}

test('GIVEN weights 1 and 255 WHEN asked 12,800 times THEN each record answers about its weight over the total', async () => {
  const seen = await shares([record('canary', 1, '192.0.2.1'), record('main', 255, '192.0.2.2')]);
  // 1/256 of 12,800 is 50, with a standard deviation of 7: ±25 is more than 3 of them.
  expect(seen['192.0.2.1']).toBeGreaterThan(25);
  expect(seen['192.0.2.1']).toBeLessThan(75);
  expect(seen['192.0.2.1'] + seen['192.0.2.2']).toBe(QUERIES);
});

test('GIVEN a record at weight 0 beside one above WHEN asked THEN it never answers; all at 0 THEN they answer alike', async () => {
  expect(await shares([record('new', 0, '192.0.2.1'), record('main', 100, '192.0.2.2')], 2000)).toEqual({ '192.0.2.2': 2000 });
  const even = await shares([record('a', 0, '192.0.2.1'), record('b', 0, '192.0.2.2')], 2000);
  // Half of 2,000, with a standard deviation of 22.
  expect(Math.abs(even['192.0.2.1'] - 1000)).toBeLessThan(100);
});
