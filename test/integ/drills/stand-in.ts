/**
 * A deployed stage on loopback, as the drills meet it: the real service (service/src/app.ts) on
 * in-memory stores, one app per server, behind a front on 127.0.0.1 that sends each request to the
 * first server still running. The front can also be the CDN's firewall (429 with the firewall's body
 * past a number of requests) and its cache (items kept per path and normalised Accept-Encoding, with
 * CloudFront's X-Cache). What the drills call in AWS is mocked in each test, wired to `stop`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../../lib/config';
import { cdkJsonContext } from '../../../lib/config/context';
import type { StageNumber } from '../../../lib/config/stages';
import { RATE_LIMITED_BODY } from '../../../lib/edge-contract';
import type { HttpDeps } from '../../../lib/integ/drills/shared';
import type { StageUnderTest } from '../../../lib/integ/types';
import { createApp } from '../../../service/src/app';
import type { Cache } from '../../../service/src/cache';
import { Log } from '../../../service/src/log';
import { MemorySessions, type SessionStore } from '../../../service/src/sessions';
import { MemoryStore } from '../../service/support/doubles';

export const STACKS = [
  { stackName: 'Integ-ab12cd-Stage6-Stateless', region: 'eu-west-1' },
  { stackName: 'Integ-ab12cd-Edge', region: 'us-east-1' },
];

export interface StandInOptions {
  /** What each server says in X-Served-By. @default two instance ids */
  readonly servers?: readonly string[];
  /** One session store for every server (stage 6), or each its own memory (stage 5). @default true */
  readonly sharedSessions?: boolean;
  readonly store?: MemoryStore;
  /** The service's read cache. @default none */
  readonly cache?: Cache;
  /** Keep item reads at the front, as CloudFront's items behaviour does. @default false */
  readonly edgeCache?: boolean;
  /** Answer 429 with the firewall's body once this many requests have come. @default no firewall */
  readonly blockAfter?: number;
}

export const SERVERS = ['i-0aaaaaaaaaaaaaaa1', 'i-0bbbbbbbbbbbbbbb2'];

/** Accept-Encoding as the items cache policy puts it in the cache key. */
const normalised = (acceptEncoding = '') =>
  ['br', 'gzip'].filter((e) => acceptEncoding.split(',').some((part) => part.trim().split(';')[0] === e)).join(',');

export class StandIn {
  readonly store: MemoryStore;
  /** The servers still running, in the order the front prefers them. */
  readonly running: string[];
  /** Every request the front received: `GET /healthz`. */
  readonly requests: string[] = [];
  private readonly apps = new Map<string, ReturnType<typeof createApp>>();
  private readonly edge = new Map<string, { status: number; headers: Record<string, unknown>; body: string }>();
  private server?: Server;

  constructor(private readonly options: StandInOptions = {}) {
    this.store = options.store ?? new MemoryStore();
    this.running = [...(options.servers ?? SERVERS)];
    const shared = new MemorySessions();
    for (const host of this.running) {
      const sessions: SessionStore = options.sharedSessions === false ? new MemorySessions() : shared;
      const identity = { stage: '6', host, version: 'test', region: 'eu-west-1' };
      this.apps.set(
        host,
        createApp({
          store: this.store,
          cache: options.cache,
          cacheTtlSeconds: 60,
          sessions,
          bodyLimitBytes: 65_536,
          identity,
          log: new Log(() => {}),
        }),
      );
    }
  }

  /** The server is gone: the front stops sending it requests. */
  stop(server: string): void {
    this.running.splice(this.running.indexOf(server), 1);
  }

  async start(): Promise<string> {
    this.server = createServer((request, response) => this.front(request, response));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  private front(request: IncomingMessage, response: ServerResponse): void {
    this.requests.push(`${request.method} ${request.url}`);
    if (this.options.blockAfter !== undefined && this.requests.length > this.options.blockAfter) {
      response.writeHead(429, { 'Content-Type': 'application/json' }).end(RATE_LIMITED_BODY);
      return;
    }
    const cacheable = this.options.edgeCache && request.method === 'GET' && request.url!.startsWith('/items/');
    const key = `${request.url} ${normalised(request.headers['accept-encoding'])}`;
    const kept = cacheable ? this.edge.get(key) : undefined;
    if (kept) {
      response.writeHead(kept.status, { ...kept.headers, 'X-Cache': 'Hit from cloudfront' }).end(kept.body);
      return;
    }
    if (cacheable) {
      // The service answers with writeHead, then end: what it sent is kept on the way out.
      const writeHead = response.writeHead.bind(response) as (status: number, headers: Record<string, unknown>) => ServerResponse;
      const end = response.end.bind(response) as (body?: string) => ServerResponse;
      let head: { status: number; headers: Record<string, unknown> } | undefined;
      Object.assign(response, {
        writeHead: (status: number, headers: Record<string, unknown>) => {
          head = { status, headers };
          return writeHead(status, { ...headers, 'X-Cache': 'Miss from cloudfront' });
        },
        end: (body?: string) => {
          if (head?.status === 200) this.edge.set(key, { ...head, body: body ?? '' });
          return end(body);
        },
      });
    }
    this.apps.get(this.running[0])!(request, response);
  }
}

/** The stage under test at `url`, deployed with cdk.json's configuration and `overrides`; `resources` answers physicalIds. */
export function stageAt(
  url: string,
  stage: StageNumber,
  overrides: Record<string, unknown> = {},
  resources: Record<string, string[]> = {},
): StageUnderTest {
  const config = loadConfig({ ...cdkJsonContext(), account: '123456789012', region: 'eu-west-1', ...overrides });
  return { stage, config, url, stacks: STACKS, physicalIds: async (type) => resources[type] ?? [] };
}

/**
 * A clock whose sleeps take no time: each resolves on the next turn of the event loop (so sockets
 * are served meanwhile) with the time moved on to its end; sleeps under way together end together.
 */
export function fakeClock() {
  let now = 1_000_000;
  return {
    now: () => now,
    sleep: async (ms: number) => {
      const end = now + ms;
      await new Promise((resolve) => setImmediate(resolve));
      now = Math.max(now, end);
    },
  };
}

/** HTTP by the global fetch, the fake clock and no interruption unless a test sets one. */
export function httpDeps(): HttpDeps & { interruption: { interrupted: boolean } } {
  return { http: fetch, clock: fakeClock(), interruption: { interrupted: false } };
}
