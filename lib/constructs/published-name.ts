import type { IConstruct } from 'constructs';

/** A DNS record type a stage publishes a name with. */
export type PublishedRecordType = 'A' | 'AAAA';

/**
 * How Route 53 picks among the records of a name: `weighted`, one of the stages' records of the name
 * in proportion to their weights (each stage's found by its set identifier, the stack name), or
 * `simple`, the name's only record of each type.
 *
 * @see https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-policy.html
 */
export type Routing = { readonly kind: 'weighted'; readonly setIdentifier: string; readonly weight: number } | { readonly kind: 'simple' };

/**
 * A name a stage publishes in Route 53, pointing at its front: the API name every stage shares by
 * weight (ApiRecord), or a CDN stage's own name (OwnNameRecord). It is what the stage's outputs name
 * and what its deployment verification judges: that Route 53 holds these records, routed this way,
 * pointing at the stage, in sync.
 */
export interface PublishedName extends IConstruct {
  /** The fully qualified name, such as `api.example.com`. */
  readonly domainName: string;
  /** Where clients reach the API under the name, such as `https://api.example.com/`. */
  readonly url: string;
  /** The types of its records: `A`, and `AAAA` for a front that answers IPv6 (the CDN). */
  readonly recordTypes: readonly PublishedRecordType[];
  readonly routing: Routing;
  /** The records in words, such as `api.example.com A weighted, set identifier Stage1-SingleServer, weight 30`. */
  readonly description: string;
}
