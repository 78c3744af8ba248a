/**
 * The data-cache drill (lib/integ/drills/data-cache.ts): the real service with a read cache, behind
 * a front that keeps item reads per path and normalised Accept-Encoding, as the items behaviour does.
 */
import { dataCache } from '../../../lib/integ/drills/data-cache';
import { MemoryCache } from '../../service/support/doubles';
import { httpDeps, StandIn, type StandInOptions, stageAt } from './stand-in';

let standIn: StandIn;
afterEach(() => standIn.close());

async function drill(options: StandInOptions) {
  standIn = new StandIn(options);
  return dataCache(stageAt(await standIn.start(), 5), httpDeps());
}

/** A cache whose writes land late: a value set is still missing at the next read, there from the one after. */
class LateCache extends MemoryCache {
  private readonly landing = new Map<string, string>();
  override async set(key: string, value: string) {
    this.landing.set(key, value);
  }
  override async get(key: string) {
    const found = await super.get(key);
    const landing = this.landing.get(key);
    if (landing !== undefined) this.values.set(key, landing);
    this.landing.delete(key);
    return found;
  }
}

const reads = () => standIn.requests.filter((r) => r.startsWith('GET /items/'));

test('GIVEN a service cache and an edge cache WHEN drilled THEN the second read is a data-cache hit and the third an edge hit', async () => {
  const result = await drill({ cache: new MemoryCache(), edgeCache: true });
  expect(result).toMatchObject({
    name: 'data-cache',
    ok: true,
    detail:
      'identity: 200, X-Cache Miss from cloudfront, X-Data-Cache miss; ' +
      'gzip: 200, X-Cache Miss from cloudfront, X-Data-Cache hit; ' +
      'gzip: 200, X-Cache Hit from cloudfront, X-Data-Cache hit',
  });
  expect(reads()).toHaveLength(3);
});

test('GIVEN a service cache filled a little late WHEN drilled THEN the br read finds it', async () => {
  const result = await drill({ cache: new LateCache(), edgeCache: true });
  expect(result.ok).toBe(true);
  expect(result.detail).toMatch(
    /^identity: .* miss; gzip: .* miss; br: 200, X-Cache Miss from cloudfront, X-Data-Cache hit; gzip: .*Hit from cloudfront/,
  );
});

test('GIVEN a service without a read cache WHEN drilled THEN it fails, saying what came', async () => {
  const result = await drill({ edgeCache: true });
  expect(result).toMatchObject({
    ok: false,
    detail: "expected a first read the service's cache misses; identity: 200, X-Cache Miss from cloudfront, X-Data-Cache off",
  });
});

test('GIVEN a cache that never keeps anything WHEN drilled THEN it fails after trying gzip and br', async () => {
  const cache = new MemoryCache();
  cache.set = async () => {};
  const result = await drill({ cache, edgeCache: true });
  expect(result.ok).toBe(false);
  expect(result.detail).toMatch(
    /^expected the service's cache to answer a second read; identity: .*; gzip: .*X-Data-Cache miss; br: .*X-Data-Cache miss$/,
  );
});

test('GIVEN an edge that keeps nothing WHEN drilled THEN it fails on the repeated read', async () => {
  const result = await drill({ cache: new MemoryCache() });
  expect(result).toMatchObject({
    ok: false,
    detail:
      'expected the CDN to answer a repeated read (X-Cache: Hit from cloudfront); ' +
      'identity: 200, X-Cache none, X-Data-Cache miss; gzip: 200, X-Cache none, X-Data-Cache hit; gzip: 200, X-Cache none, X-Data-Cache hit',
  });
});
