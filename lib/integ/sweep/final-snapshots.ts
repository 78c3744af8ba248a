/**
 * The final snapshots CloudFormation takes of a database whose DeletionPolicy is `Snapshot` (what
 * CDK's RemovalPolicy.SNAPSHOT sets, on the data tier's instance in stages 2-3 and cluster from stage 4): "CloudFormation
 * creates a snapshot for the resource before deleting it"
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html),
 * a manual snapshot, which nothing deletes ("Manual DB cluster snapshots of the specified DB cluster
 * are not deleted", https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBCluster.html).
 * The automated backups go with the database: DeleteDBCluster and DeleteDBInstance remove them by
 * default. Cluster and instance snapshots are the same steps through differently named calls.
 */
import {
  DeleteDBClusterSnapshotCommand,
  DeleteDBSnapshotCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBSnapshotsCommand,
  type RDSClient,
} from '@aws-sdk/client-rds';
import type { Clock } from '../../../lambda/shared/retry';
import { shellQuote } from './aws-cli';
import { isNotFound, reason } from './aws-errors';
import type { SweepReport } from './remnants';

type Rds = Pick<RDSClient, 'send'>;

/** How long the sweep waits for a final snapshot still being taken (it is deleted only once available), and how often it looks. */
export const SNAPSHOT_WAIT_MS = 20 * 60_000;
const POLL_MS = 15_000;

/** A final snapshot as the sweep needs it, whichever API described it. */
interface Snapshot {
  readonly id: string;
  readonly source: string;
  readonly status: string;
}

/** The calls and commands of one kind of snapshot. */
export interface SnapshotApi {
  readonly noun: string;
  list(rds: Rds, source: string, marker?: string): Promise<{ snapshots: Snapshot[]; marker?: string }>;
  one(rds: Rds, id: string): Promise<Snapshot | undefined>;
  remove(rds: Rds, id: string): Promise<unknown>;
  /** The CLI line deleting one snapshot, and the line deleting all of a source's (when they could not even be listed). */
  command(id: string, region: string): string;
  commandForAll(source: string, region: string): string;
}

// The snapshots are found by the database's identifier in a filter, not the DBClusterIdentifier /
// DBInstanceIdentifier parameter, which the API reference says must name an existing database (this
// one is gone). The identifier is CloudFormation's, generated from the run's own stack name, so every
// manual snapshot of it is the run's final snapshot; a snapshot the stage was restored from is another
// database's. https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBClusterSnapshots.html
export const CLUSTER_SNAPSHOTS: SnapshotApi = {
  noun: 'Aurora cluster',
  async list(rds, cluster, Marker) {
    const page = await rds.send(
      new DescribeDBClusterSnapshotsCommand({ SnapshotType: 'manual', Filters: [{ Name: 'db-cluster-id', Values: [cluster] }], Marker }),
    );
    const snapshots = (page.DBClusterSnapshots ?? []).map((s) => ({
      id: s.DBClusterSnapshotIdentifier ?? '',
      source: s.DBClusterIdentifier ?? '',
      status: s.Status ?? '',
    }));
    return { snapshots, marker: page.Marker };
  },
  async one(rds, id) {
    const found = await rds.send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: id }));
    const s = found.DBClusterSnapshots?.[0];
    return s && { id, source: s.DBClusterIdentifier ?? '', status: s.Status ?? '' };
  },
  remove: (rds, id) => rds.send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: id })),
  command: (id, region) => `aws rds delete-db-cluster-snapshot --db-cluster-snapshot-identifier ${shellQuote(id)} --region ${region}`,
  commandForAll: (cluster, region) =>
    `for s in $(aws rds describe-db-cluster-snapshots --snapshot-type manual --filters Name=db-cluster-id,Values=${shellQuote(cluster)} --query 'DBClusterSnapshots[].DBClusterSnapshotIdentifier' --output text --region ${region}); do aws rds delete-db-cluster-snapshot --db-cluster-snapshot-identifier "$s" --region ${region}; done`,
};

export const INSTANCE_SNAPSHOTS: SnapshotApi = {
  noun: 'DB instance',
  async list(rds, instance, Marker) {
    const page = await rds.send(
      new DescribeDBSnapshotsCommand({ SnapshotType: 'manual', Filters: [{ Name: 'db-instance-id', Values: [instance] }], Marker }),
    );
    const snapshots = (page.DBSnapshots ?? []).map((s) => ({
      id: s.DBSnapshotIdentifier ?? '',
      source: s.DBInstanceIdentifier ?? '',
      status: s.Status ?? '',
    }));
    return { snapshots, marker: page.Marker };
  },
  async one(rds, id) {
    const found = await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: id }));
    const s = found.DBSnapshots?.[0];
    return s && { id, source: s.DBInstanceIdentifier ?? '', status: s.Status ?? '' };
  },
  remove: (rds, id) => rds.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: id })),
  command: (id, region) => `aws rds delete-db-snapshot --db-snapshot-identifier ${shellQuote(id)} --region ${region}`,
  commandForAll: (instance, region) =>
    `for s in $(aws rds describe-db-snapshots --snapshot-type manual --filters Name=db-instance-id,Values=${shellQuote(instance)} --query 'DBSnapshots[].DBSnapshotIdentifier' --output text --region ${region}); do aws rds delete-db-snapshot --db-snapshot-identifier "$s" --region ${region}; done`,
};

/** Deletes every final snapshot of the database `source`; each one it cannot delete is a leftover with its command. */
export async function removeFinalSnapshots(api: SnapshotApi, source: string, region: string, rds: Rds, clock: Clock): Promise<SweepReport> {
  const found: Snapshot[] = [];
  try {
    let marker: string | undefined;
    do {
      const page = await api.list(rds, source, marker);
      found.push(...page.snapshots.filter((s) => s.id !== '' && s.source.toLowerCase() === source.toLowerCase()));
      marker = page.marker;
    } while (marker);
  } catch (error) {
    return {
      removed: [],
      left: [{ what: `final snapshots of ${api.noun} ${source}`, region, why: reason(error), command: api.commandForAll(source, region) }],
    };
  }
  const report: SweepReport = { removed: [], left: [] };
  for (const snapshot of found) {
    const what = `final snapshot ${snapshot.id} of ${api.noun} ${source}`;
    try {
      let current: Snapshot | undefined = snapshot;
      for (const deadline = clock.now() + SNAPSHOT_WAIT_MS; current?.status === 'creating'; current = await api.one(rds, snapshot.id)) {
        if (clock.now() >= deadline) {
          throw Object.assign(new Error(`still being taken after ${SNAPSHOT_WAIT_MS / 60_000} minutes`), { name: 'SnapshotNotAvailable' });
        }
        await clock.sleep(POLL_MS);
      }
      if (!current) continue;
      await api.remove(rds, snapshot.id);
      report.removed.push(what);
    } catch (error) {
      if (isNotFound(error)) continue;
      report.left.push({ what, region, why: reason(error), command: api.command(snapshot.id, region) });
    }
  }
  return report;
}
