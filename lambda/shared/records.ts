/** Reading the record sets of one name in a Route 53 hosted zone. */
import { ListResourceRecordSetsCommand, type ResourceRecordSet, type Route53Client, type RRType } from '@aws-sdk/client-route-53';
import { type Clock, retrying } from './retry';

/** Route 53 stores names with a trailing dot and lower case. */
export const normaliseName = (name: string) => `${name.toLowerCase().replace(/\.$/, '')}.`;

/**
 * A DNS name as an alias target compares: case and the trailing dot do not matter, and Route 53
 * holds a load balancer's name with the `dualstack.` prefix CDK gives it (IPv4 and IPv6 answers).
 */
export const aliasName = (name: string) => normaliseName(name).replace(/^dualstack\./, '');

/**
 * Every record set of `name` (all types, all set identifiers), following Route 53's paging: a page
 * ends anywhere, also inside a group of weighted records, so the next page starts at the name, type
 * and set identifier Route 53 gives (NextRecordName, NextRecordType, NextRecordIdentifier).
 *
 * @param maxItems records per page (Route 53 returns at most 300 whatever is asked).
 */
export async function recordSetsNamed(
  client: Pick<Route53Client, 'send'>,
  hostedZoneId: string,
  name: string,
  clock: Clock,
  maxItems?: number,
): Promise<ResourceRecordSet[]> {
  const wanted = normaliseName(name);
  const found: ResourceRecordSet[] = [];
  let start: { StartRecordName: string; StartRecordType?: RRType; StartRecordIdentifier?: string } = { StartRecordName: wanted };
  for (;;) {
    const page = await retrying(
      () => client.send(new ListResourceRecordSetsCommand({ HostedZoneId: hostedZoneId, MaxItems: maxItems, ...start })),
      clock,
    );
    const sets = page.ResourceRecordSets ?? [];
    found.push(...sets.filter((s) => normaliseName(s.Name ?? '') === wanted));
    // Records are sorted by name: once a page runs past the name, there are no more.
    if (!page.IsTruncated || !page.NextRecordName || sets.some((s) => normaliseName(s.Name ?? '') !== wanted)) return found;
    if (normaliseName(page.NextRecordName) !== wanted) return found;
    start = {
      StartRecordName: page.NextRecordName,
      StartRecordType: page.NextRecordType,
      StartRecordIdentifier: page.NextRecordIdentifier,
    };
  }
}

/** What a record answers with: its IP addresses, or the DNS name of its alias target. */
export function targetOf(record: ResourceRecordSet): string[] {
  if (record.AliasTarget?.DNSName) return [aliasName(record.AliasTarget.DNSName)];
  return (record.ResourceRecords ?? []).map((r) => r.Value ?? '');
}

/**
 * The share of Route 53's answers for `name`/`type` that `record` gets, by Route 53's rules for
 * weighted records: its weight over the sum of the weights of the records of that name and type;
 * at weight 0 none, unless every record of the group has weight 0, when each gets an equal share.
 * (Health evaluation can move answers from unhealthy records to others; this is the share of a
 * healthy group.)
 */
export function shareOf(record: ResourceRecordSet, group: readonly ResourceRecordSet[]): number {
  const weights = group.map((r) => r.Weight ?? 0);
  const total = weights.reduce((sum, w) => sum + w, 0);
  if (total === 0) return 1 / group.length;
  return (record.Weight ?? 0) / total;
}
