/**
 * data-cache (stage 5 and up): an item read twice is the second time answered from the service's
 * cache (X-Data-Cache: hit), and the CDN keeps it too (CloudFront's X-Cache: Hit from cloudfront).
 *
 * The items cache policy keys on the path and a normalised Accept-Encoding (gzip, br, both or
 * neither: https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_ParametersInCacheKeyAndForwardedToOrigin.html),
 * so one item has several copies at the edge, and each first read of a copy reaches the service:
 * 1. `Accept-Encoding: identity` (no encoding; fetch would send gzip otherwise): the edge misses, the
 *    service's cache misses and is filled;
 * 2. `gzip`: another copy, so the edge misses again and the service answers from its cache; the
 *    service fills it without waiting, so once more with `br` (a third copy) if it was not there yet;
 * 3. `gzip` again: the edge answers itself.
 */
import type { ProofResult, StageUnderTest } from '../types';
import { type Answer, at, briefly, type HttpDeps, postItem, request, started } from './shared';

const EDGE_HIT = 'Hit from cloudfront';

/** One read, as the detail tells it: `gzip: 200, X-Cache Miss from cloudfront, X-Data-Cache hit`. */
const told = (encoding: string, answer: Answer) =>
  `${encoding}: ${answer.status || 'no answer'}, X-Cache ${answer.headers.get('x-cache') ?? 'none'}, X-Data-Cache ${answer.headers.get('x-data-cache') ?? 'none'}`;

export async function dataCache(stage: StageUnderTest, deps: HttpDeps): Promise<ProofResult> {
  const { http, clock } = deps;
  const result = started('data-cache', clock);
  const item = await postItem(http, stage, 'data-cache');
  if (!item.id) return result.fail(`POST /items: expected 201, got ${briefly(item)}`);
  const url = at(stage, `items/${item.id}`);
  const seen: string[] = [];
  const read = async (encoding: string) => {
    const answer = await request(http, url, { headers: { 'accept-encoding': encoding } });
    seen.push(told(encoding, answer));
    return answer;
  };
  const dataCacheOf = (answer: Answer) => (answer.status === 200 ? answer.headers.get('x-data-cache') : null);

  if (dataCacheOf(await read('identity')) !== 'miss')
    return result.fail(`expected a first read the service's cache misses; ${seen.join('; ')}`);
  if (dataCacheOf(await read('gzip')) !== 'hit' && dataCacheOf(await read('br')) !== 'hit') {
    return result.fail(`expected the service's cache to answer a second read; ${seen.join('; ')}`);
  }
  const edge = await read('gzip');
  if (edge.status !== 200 || edge.headers.get('x-cache') !== EDGE_HIT) {
    return result.fail(`expected the CDN to answer a repeated read (X-Cache: ${EDGE_HIT}); ${seen.join('; ')}`);
  }
  return result.pass(seen.join('; '));
}
