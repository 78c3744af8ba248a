/**
 * The failover drill (lib/integ/drills/failover.ts): the real service over a store that refuses
 * writes while its writer moves, and RDS mocked with the shapes of the API reference: FailoverDBCluster
 * starts the move, DescribeDBClusters names the new writer once the store has refused its writes.
 */
import { DescribeDBClustersCommand, FailoverDBClusterCommand, RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { FAILOVER, failover } from '../../../lib/integ/drills/failover';
import { StoreUnavailable } from '../../../service/src/errors';
import type { Item } from '../../../service/src/store';
import { MemoryStore } from '../../service/support/doubles';
import { httpDeps, StandIn, stageAt } from './stand-in';

const rds = mockClient(RDSClient);
const CLUSTER = 'integ-ab12cd-stage4-data-cluster-a1b2c3d4e5f6';
const [WRITER, READER] = ['integ-ab12cd-writer', 'integ-ab12cd-reader1'];

/** A cluster as DescribeDBClusters shows it, `writer` the member with IsClusterWriter. */
const cluster = (writer: string, status = 'available') => ({
  DBClusters: [
    {
      DBClusterIdentifier: CLUSTER,
      Status: status,
      Engine: 'aurora-postgresql',
      EngineVersion: '17.4',
      Endpoint: `${CLUSTER}.cluster-c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com`,
      ReaderEndpoint: `${CLUSTER}.cluster-ro-c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com`,
      MultiAZ: true,
      DBClusterMembers: [WRITER, READER].map((id) => ({
        DBInstanceIdentifier: id,
        IsClusterWriter: id === writer,
        DBClusterParameterGroupStatus: 'in-sync',
        PromotionTier: 1,
      })),
    },
  ],
});

/**
 * A writer that moves: from `move()`, the next `refusals` writes are refused as the old writer (now
 * read-only) refuses them; DescribeDBClusters shows the new writer once `shownAfter` of them were.
 */
class MovingStore extends MemoryStore {
  /** What each refused write fails with; the service answers StoreUnavailable with 503. */
  refuseWith = (): Error =>
    new StoreUnavailable('postgresql', Object.assign(new Error('cannot execute INSERT in a read-only transaction'), { code: '25006' }));
  moving = false;
  private refusals = 0;
  private shownAfter = 0;
  private show: () => void = () => {};
  readonly shown = new Promise<void>((resolve) => (this.show = resolve));

  move(refusals: number, shownAfter = refusals) {
    Object.assign(this, { moving: true, refusals, shownAfter });
    if (shownAfter === 0) this.show();
  }
  override async put(item: Item) {
    if (this.refusals === 0) return super.put(item);
    this.refusals--;
    if (--this.shownAfter === 0) this.show();
    throw this.refuseWith();
  }
}

let standIn: StandIn;
beforeEach(() => rds.reset());
afterEach(() => standIn.close());

interface Failover {
  /** Writes refused once it starts. @default 3 */
  readonly refusals?: number;
  /** Refusals before DescribeDBClusters names the new writer. @default all of them */
  readonly shownAfter?: number;
  /** Whether it names one at all. @default true */
  readonly moves?: boolean;
  /** The items stored so far vanish when it starts. @default false */
  readonly lose?: boolean;
}

/** The drill against the stand-in, the failover as given. */
async function drill(store: MovingStore, { refusals = 3, shownAfter, moves = true, lose = false }: Failover = {}) {
  standIn = new StandIn({ store });
  rds.on(FailoverDBClusterCommand).callsFake(() => {
    if (lose) store.items.clear();
    store.move(refusals, shownAfter ?? refusals);
    return cluster(WRITER, 'failing-over');
  });
  rds.on(DescribeDBClustersCommand).callsFake(async () => {
    if (!moves || !store.moving) return cluster(WRITER, store.moving ? 'failing-over' : 'available');
    await store.shown;
    return cluster(READER);
  });
  const stage = stageAt(await standIn.start(), 4, { dataStore: 'rds' }, { 'AWS::RDS::DBCluster': [CLUSTER] });
  return failover(stage, { ...httpDeps(), rds: new RDSClient({ region: 'eu-west-1' }) });
}

const reads = () => standIn.requests.filter((r) => r.startsWith('GET /items/'));
const writes = () => standIn.requests.filter((r) => r === 'POST /items');

test('GIVEN a writer that moves after refusing three writes WHEN drilled THEN every acknowledged write is read back', async () => {
  const result = await drill(new MovingStore());
  expect(result).toMatchObject({
    name: 'failover',
    ok: true,
    detail: `writer ${WRITER} → ${READER} in 4 s, writes back 2 s later; 2 writes acknowledged, 2 readable, 3 refused (503) during the switch`,
  });
  expect(writes()).toHaveLength(5);
  expect(reads()).toHaveLength(2);
  expect(rds.commandCalls(FailoverDBClusterCommand)[0].args[0].input).toEqual({ DBClusterIdentifier: CLUSTER });
  expect(rds.commandCalls(DescribeDBClustersCommand)[0].args[0].input).toEqual({ DBClusterIdentifier: CLUSTER });
});

test('GIVEN a failover that loses an acknowledged write WHEN drilled THEN it fails naming the write', async () => {
  const result = await drill(new MovingStore(), { lose: true });
  expect(result.ok).toBe(false);
  expect(result.detail).toMatch(
    /^writer .+; 2 writes acknowledged, 1 readable, 3 refused \(503\) during the switch; not readable: [0-9a-f-]{36} \(404\)$/,
  );
});

test('GIVEN writes that fail with 500 during the switch WHEN drilled THEN it fails: a switch refuses with 503, nothing else', async () => {
  const store = new MovingStore();
  store.refuseWith = () => new Error('a bug');
  const result = await drill(store);
  expect(result.ok).toBe(false);
  expect(result.detail).toMatch(/0 refused \(503\) during the switch; writes that failed otherwise than 503: 500 × 3$/);
});

test('GIVEN a writer that never moves WHEN drilled THEN it fails at the deadline, still naming the writer', async () => {
  const result = await drill(new MovingStore(), { moves: false, refusals: 0 });
  expect(result.ok).toBe(false);
  expect(result.detail).toMatch(
    new RegExp(
      `^FailoverDBCluster was called, and ${WRITER} is still the writer: not within ${FAILOVER.switchWithinMs / 1000} s; \\d+ writes acknowledged$`,
    ),
  );
});

test('GIVEN writes that never come back after the switch WHEN drilled THEN it fails, and stops writing', async () => {
  const result = await drill(new MovingStore(), { refusals: Number.POSITIVE_INFINITY, shownAfter: 1 });
  expect(result.ok).toBe(false);
  expect(result.detail).toMatch(
    new RegExp(
      `^writer ${WRITER} → ${READER} in \\d+ s, then no write was acknowledged within 60 s; 1 writes acknowledged, failed: 503 × \\d+$`,
    ),
  );
  const written = writes().length;
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(writes()).toHaveLength(written);
});

test('GIVEN a stage without an Aurora cluster WHEN drilled THEN it says so and writes nothing', async () => {
  standIn = new StandIn();
  const stage = stageAt(await standIn.start(), 4, { dataStore: 'rds' });
  const result = await failover(stage, { ...httpDeps(), rds: new RDSClient({ region: 'eu-west-1' }) });
  expect(result).toMatchObject({ ok: false, detail: 'the stage has no Aurora cluster (AWS::RDS::DBCluster) to fail over' });
  expect(standIn.requests).toEqual([]);
});
