/**
 * A hosted zone that answers the Route 53 calls the deployment verification makes as Route 53
 * documents them, for tests that run many deployments:
 *
 * - ListResourceRecordSets sorts by name with the labels reversed, then type, then set identifier,
 *   starts at StartRecordName/Type/Identifier, and pages by MaxItems (IsTruncated, Next*);
 * - ChangeResourceRecordSets applies UPSERTs and returns a change that is PENDING for a few polls;
 * - TestDNSAnswer picks one weighted record per query in proportion to its weight (only records
 *   above weight 0 while there are any, all alike when every weight is 0), from a seeded generator;
 *   an alias answers with the addresses its target's name has in `aliasAddresses`.
 */
import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  ListResourceRecordSetsCommand,
  type ListResourceRecordSetsCommandOutput,
  type ResourceRecordSet,
  TestDNSAnswerCommand,
} from '@aws-sdk/client-route-53';
import { aliasName, normaliseName } from '../../lambda/shared/records';

/** A small, seeded generator (mulberry32): the same seed gives the same answers. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sortKey = (r: { name: string; type?: string; id?: string }) =>
  [`${normaliseName(r.name).replace(/\.$/, '').split('.').reverse().join('.')}.`, r.type ?? '', r.id ?? ''] as const;

const copy = (r: ResourceRecordSet): ResourceRecordSet => ({
  ...r,
  ...(r.ResourceRecords ? { ResourceRecords: r.ResourceRecords.map((v) => ({ ...v })) } : {}),
  ...(r.AliasTarget ? { AliasTarget: { ...r.AliasTarget } } : {}),
});

function compare(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < a.length; i++) {
    if (a[i] < b[i]) return -1;
    if (a[i] > b[i]) return 1;
  }
  return 0;
}

export interface FakeZoneOptions {
  readonly records: ResourceRecordSet[];
  /** Records per page when the caller gives no MaxItems. @default 300 (Route 53's) */
  readonly pageSize?: number;
  /** The addresses an alias target's DNS name resolves to. */
  readonly aliasAddresses?: Record<string, string[]>;
  /** How many GetChange calls a change stays PENDING. @default 1 */
  readonly pendingPolls?: number;
  readonly seed?: number;
}

export class FakeRoute53 {
  records: ResourceRecordSet[];
  readonly calls: string[] = [];
  private readonly random: () => number;
  private readonly pending = new Map<string, number>();

  constructor(private readonly options: FakeZoneOptions) {
    this.records = options.records.map(copy);
    this.random = seeded(options.seed ?? 1);
  }

  async send(command: unknown): Promise<any> {
    this.calls.push((command as object).constructor.name.replace(/Command$/, ''));
    if (command instanceof ListResourceRecordSetsCommand) return this.list(command.input);
    if (command instanceof ChangeResourceRecordSetsCommand) return this.change(command.input);
    if (command instanceof GetChangeCommand) return this.getChange(command.input.Id ?? '');
    if (command instanceof TestDNSAnswerCommand) return this.answer(command.input.RecordName ?? '', command.input.RecordType ?? 'A');
    throw new Error(`the fake Route 53 does not answer ${(command as object).constructor.name}`);
  }

  private list(input: ListResourceRecordSetsCommand['input']): Partial<ListResourceRecordSetsCommandOutput> {
    const keyOf = (r: ResourceRecordSet) => sortKey({ name: r.Name ?? '', type: r.Type, id: r.SetIdentifier });
    const start = sortKey({ name: input.StartRecordName ?? '', type: input.StartRecordType, id: input.StartRecordIdentifier });
    const from = this.records
      .map((r) => ({ r, key: keyOf(r) }))
      .sort((a, b) => compare(a.key, b.key))
      .filter(({ key }) => compare(key, start) >= 0)
      .map(({ r }) => r);
    const max = input.MaxItems ?? this.options.pageSize ?? 300;
    const next = from[max];
    return {
      // Copies, as a response is: the caller may keep or change what it gets.
      ResourceRecordSets: from.slice(0, max).map(copy),
      IsTruncated: next !== undefined,
      MaxItems: max,
      ...(next ? { NextRecordName: next.Name, NextRecordType: next.Type, NextRecordIdentifier: next.SetIdentifier } : {}),
    };
  }

  private change(input: ChangeResourceRecordSetsCommand['input']) {
    for (const { Action, ResourceRecordSet: set } of input.ChangeBatch?.Changes ?? []) {
      if (Action !== 'UPSERT' || !set) throw new Error(`the fake Route 53 applies UPSERTs only, got ${Action}`);
      const same = (r: ResourceRecordSet) =>
        normaliseName(r.Name ?? '') === normaliseName(set.Name ?? '') && r.Type === set.Type && r.SetIdentifier === set.SetIdentifier;
      this.records = [...this.records.filter((r) => !same(r)), copy(set)];
    }
    const id = `/change/C${this.pending.size + 1}`;
    this.pending.set(id, this.options.pendingPolls ?? 1);
    return { ChangeInfo: { Id: id, Status: 'PENDING', SubmittedAt: new Date() } };
  }

  private getChange(id: string) {
    const left = this.pending.get(id);
    if (left === undefined) throw Object.assign(new Error(`no change ${id}`), { name: 'NoSuchChange' });
    this.pending.set(id, left - 1);
    return { ChangeInfo: { Id: id, Status: left > 0 ? 'PENDING' : 'INSYNC', SubmittedAt: new Date() } };
  }

  private answer(name: string, type: string) {
    const group = this.records.filter((r) => normaliseName(r.Name ?? '') === normaliseName(name) && r.Type === type);
    const weighted = group.filter((r) => (r.Weight ?? 0) > 0);
    // Only the records above weight 0 while there are any, each by its weight; otherwise all alike.
    const pool = weighted.length > 0 ? weighted : group;
    const weightOf = (r: ResourceRecordSet) => (weighted.length > 0 ? (r.Weight ?? 0) : 1);
    const total = pool.reduce((sum, r) => sum + weightOf(r), 0);
    let pick = this.random() * total;
    let chosen = pool.at(-1);
    for (const r of pool) {
      if (pick < weightOf(r)) {
        chosen = r;
        break;
      }
      pick -= weightOf(r);
    }
    const data = !chosen
      ? []
      : chosen.AliasTarget
        ? (this.options.aliasAddresses?.[aliasName(chosen.AliasTarget.DNSName ?? '')] ?? [])
        : (chosen.ResourceRecords ?? []).map((r) => r.Value ?? '');
    return {
      Nameserver: 'ns-1.awsdns-01.org',
      RecordName: name,
      RecordType: type,
      RecordData: data,
      ResponseCode: chosen ? 'NOERROR' : 'NXDOMAIN',
      Protocol: 'UDP',
    };
  }

  /** How many times each call was made. */
  count(call: string): number {
    return this.calls.filter((c) => c === call).length;
  }
}
