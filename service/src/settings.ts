/**
 * The service's settings, from its environment (on a host, /etc/zero-to-millions/environment, which
 * the stage writes). Every problem is reported at once, naming the variable and what it allows.
 */
import { SESSION_STORES } from '../../lib/data-contract';
import { ORIGIN_PATTERN } from './cross-site';

export type StoreSettings =
  | {
      readonly kind: 'postgresql';
      readonly host: string;
      readonly port: number;
      readonly database: string;
      /** The reader endpoint (stage 4): reads go there first, and to the writer when it misses or fails. */
      readonly readerHost?: string;
      /** Connections of each pool (the writer's, and the readers'). */
      readonly poolSize: number;
      readonly secretArn?: string;
      readonly user?: string;
      readonly password?: string;
      readonly caFile?: string;
    }
  | { readonly kind: 'dynamodb'; readonly tableName: string; readonly region: string; readonly endpoint?: string };

export type SessionSettings =
  | { readonly kind: 'memory' | 'cache'; readonly ttlSeconds: number }
  | {
      readonly kind: 'dynamodb';
      readonly ttlSeconds: number;
      readonly tableName: string;
      readonly region: string;
      readonly endpoint?: string;
    };

export interface Settings {
  readonly port: number;
  readonly host: string;
  readonly stage: string;
  readonly version: string;
  /** AWS_REGION, or `local` off AWS: every answer names it. */
  readonly region: string;
  readonly store: StoreSettings;
  readonly cacheUrl?: string;
  /** The managed cache's user and password (Secrets Manager, JSON `{"username","password"}`); none for stage 1's local cache. */
  readonly cacheSecretArn?: string;
  /** Where sessions live: each process's memory (stages 1-5), the cache, or a DynamoDB table (stage 6). */
  readonly sessions: SessionSettings;
  readonly cacheTtlSeconds: number;
  readonly bodyLimitBytes: number;
  /** The deadline of every cache call: the cache is an optimisation and may only cost this much. */
  readonly cacheTimeoutMs: number;
  /**
   * How long a SIGTERM waits for requests in flight and connections to close. With the deadline of
   * closing the dependencies it stays inside the load balancer's 30 s deregistration delay and
   * systemd's and ECS's 30 s stop timeout.
   */
  readonly drainSeconds: number;
  /** Connections open at once; more are refused (stages 1 and 2 face the internet directly). */
  readonly maxConnections: number;
  /** How long an idle keep-alive connection is kept: longer than the load balancer's idle timeout (60 s). */
  readonly keepAliveSeconds: number;
  /**
   * Origins whose pages may change state here besides the request's own (TRUSTED_ORIGINS, comma-separated,
   * kept in lower case): the names the CDN serves the page on, since behind it the Host is the load
   * balancer's. Empty unless set.
   */
  readonly trustedOrigins: readonly string[];
}

export class SettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(`The service's environment has ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** DATA_STORE values: `rds` and `postgresql-local` are PostgreSQL; `dynamodb` is DynamoDB. */
const POSTGRES = ['rds', 'postgresql', 'postgresql-local'];

export function readSettings(env: NodeJS.ProcessEnv): Settings {
  const problems: string[] = [];
  const need = (name: string): string => {
    const value = env[name];
    if (!value) problems.push(`${name}: not set`);
    return value ?? '';
  };
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max)
      problems.push(`${name}: got ${JSON.stringify(raw)}; allowed: a whole number from ${min} to ${max}`);
    return n;
  };

  const kind = env.DATA_STORE ?? '';
  let store: StoreSettings;
  if (POSTGRES.includes(kind)) {
    store = {
      kind: 'postgresql',
      host: need('DB_HOST'),
      port: integer('DB_PORT', 5432, 1, 65535),
      database: env.DB_NAME || 'app',
      readerHost: env.DB_READER_HOST || undefined,
      poolSize: integer('DB_POOL_SIZE', 2, 1, 100),
      secretArn: env.DB_SECRET_ARN || undefined,
      user: env.DB_USER || undefined,
      password: env.DB_PASSWORD || undefined,
      caFile: env.DB_CA_FILE || undefined,
    };
    if (!store.secretArn && !store.user)
      problems.push('DB_SECRET_ARN or DB_USER: neither is set; allowed: the ARN of the database secret, or a user for a local database');
  } else if (kind === 'dynamodb') {
    store = { kind: 'dynamodb', tableName: need('TABLE_NAME'), region: need('AWS_REGION'), endpoint: env.DYNAMODB_ENDPOINT || undefined };
  } else {
    problems.push(`DATA_STORE: got ${JSON.stringify(kind)}; allowed: ${[...POSTGRES, 'dynamodb'].join(', ')}`);
    store = { kind: 'dynamodb', tableName: '', region: '' };
  }
  const cacheUrl = env.CACHE_URL || undefined;
  if (cacheUrl && !/^rediss?:\/\//.test(cacheUrl))
    problems.push(`CACHE_URL: got ${JSON.stringify(cacheUrl)}; allowed: a redis:// or rediss:// URL`);
  const cacheSecretArn = env.CACHE_SECRET_ARN || undefined;
  if (cacheSecretArn && !cacheUrl) problems.push('CACHE_SECRET_ARN: set without CACHE_URL; allowed: with the cache it authenticates to');

  const sessionKind = env.SESSION_STORE || 'memory';
  const ttlSeconds = integer('SESSION_TTL_SECONDS', 86_400, 60, 30 * 86_400);
  let sessions: SessionSettings = { kind: 'memory', ttlSeconds };
  if (!(SESSION_STORES as readonly string[]).includes(sessionKind)) {
    problems.push(`SESSION_STORE: got ${JSON.stringify(sessionKind)}; allowed: ${SESSION_STORES.join(', ')} (unset: memory)`);
  } else if (sessionKind === 'cache') {
    if (!cacheUrl) problems.push('SESSION_STORE: got "cache" without CACHE_URL; allowed: cache with a CACHE_URL');
    sessions = { kind: 'cache', ttlSeconds };
  } else if (sessionKind === 'dynamodb') {
    sessions = {
      kind: 'dynamodb',
      ttlSeconds,
      tableName: need('SESSION_TABLE'),
      region: need('AWS_REGION'),
      endpoint: env.DYNAMODB_ENDPOINT || undefined,
    };
  }

  const trustedOrigins = (env.TRUSTED_ORIGINS ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter((o) => o !== '');
  for (const origin of trustedOrigins.filter((o) => !ORIGIN_PATTERN.test(o)))
    problems.push(
      `TRUSTED_ORIGINS: got ${JSON.stringify(origin)}; allowed: origins as a browser sends them in Origin (https://host or https://host:port, no path, no trailing slash), separated by commas`,
    );

  const settings: Settings = {
    port: integer('PORT', 8080, 0, 65535), // 0: any free port (tests)
    host: env.LISTEN_HOST || '0.0.0.0',
    stage: env.STAGE || 'local',
    version: env.VERSION || 'dev',
    region: env.AWS_REGION || 'local',
    store,
    cacheUrl,
    cacheSecretArn,
    sessions,
    cacheTtlSeconds: integer('CACHE_TTL_SECONDS', 60, 1, 86_400),
    bodyLimitBytes: integer('BODY_LIMIT_BYTES', 16 * 1024, 1024, 1024 * 1024),
    cacheTimeoutMs: integer('CACHE_TIMEOUT_MS', 50, 5, 5000),
    drainSeconds: integer('DRAIN_SECONDS', 20, 0, 25),
    maxConnections: integer('MAX_CONNECTIONS', 4096, 16, 1_000_000),
    keepAliveSeconds: integer('KEEP_ALIVE_SECONDS', 65, 1, 3600),
    trustedOrigins: trustedOrigins.map((o) => o.toLowerCase()),
  };
  if (problems.length > 0) throw new SettingsError(problems);
  return settings;
}
