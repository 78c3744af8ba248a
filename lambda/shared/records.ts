/** Reading the record sets of one name in a Route 53 hosted zone. */
import { ListResourceRecordSetsCommand, type ResourceRecordSet, type Route53Client } from '@aws-sdk/client-route-53';
import { type Clock, retrying } from './retry';

/** Route 53 stores names with a trailing dot and lower case. */
export const normaliseName = (name: string) => `${name.toLowerCase().replace(/\.$/, '')}.`;

/** Every record set of `name` (all types, all set identifiers), following Route 53's paging. */
export async function recordSetsNamed(
  client: Pick<Route53Client, 'send'>,
  hostedZoneId: string,
  name: string,
  clock: Clock,
): Promise<ResourceRecordSet[]> {
  const wanted = normaliseName(name);
  const found: ResourceRecordSet[] = [];
  let start: { StartRecordName?: string; StartRecordType?: string; StartRecordIdentifier?: string } = { StartRecordName: wanted };
  for (;;) {
    const page = await retrying(
      () => client.send(new ListResourceRecordSetsCommand({ HostedZoneId: hostedZoneId, ...start } as any)),
      clock,
    );
    const sets = page.ResourceRecordSets ?? [];
    found.push(...sets.filter((s) => normaliseName(s.Name ?? '') === wanted));
    // Records are sorted by name: once a page runs past the name, there are no more.
    if (!page.IsTruncated || sets.some((s) => normaliseName(s.Name ?? '') !== wanted)) return found;
    start = {
      StartRecordName: page.NextRecordName,
      StartRecordType: page.NextRecordType,
      StartRecordIdentifier: page.NextRecordIdentifier,
    };
  }
}

/** What a record answers with: its IP addresses, or the DNS name of its alias target. */
export function targetOf(record: ResourceRecordSet): string[] {
  if (record.AliasTarget?.DNSName) return [normaliseName(record.AliasTarget.DNSName).replace(/^dualstack\./, '')];
  return (record.ResourceRecords ?? []).map((r) => r.Value ?? '');
}
