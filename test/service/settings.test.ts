/** The service's settings (service/src/settings.ts), read from its environment. */
import { readSettings } from '../../service/src/settings';

test('every problem of the environment is reported at once, naming the variable and what it allows', () => {
  expect(() =>
    readSettings({ DATA_STORE: 'mysql', PORT: 'eighty', CACHE_URL: 'memcached://x', DRAIN_SECONDS: '30', CACHE_TIMEOUT_MS: '1' }),
  ).toThrow(
    [
      "The service's environment has 5 problem(s):",
      '  - DATA_STORE: got "mysql"; allowed: rds, postgresql, postgresql-local, dynamodb',
      '  - CACHE_URL: got "memcached://x"; allowed: a redis:// or rediss:// URL',
      '  - PORT: got "eighty"; allowed: a whole number from 0 to 65535',
      '  - CACHE_TIMEOUT_MS: got "1"; allowed: a whole number from 5 to 5000',
      '  - DRAIN_SECONDS: got "30"; allowed: a whole number from 0 to 25',
    ].join('\n'),
  );
  expect(() => readSettings({ DATA_STORE: 'rds', DB_HOST: 'db' })).toThrow('DB_SECRET_ARN or DB_USER: neither is set');
  expect(() =>
    readSettings({
      DATA_STORE: 'dynamodb',
      TABLE_NAME: 't',
      AWS_REGION: 'us-east-1',
      SESSION_STORE: 'redis',
      SESSION_TTL_SECONDS: '5',
      CACHE_SECRET_ARN: 'arn:cache',
    }),
  ).toThrow(
    [
      "The service's environment has 3 problem(s):",
      '  - CACHE_SECRET_ARN: set without CACHE_URL; allowed: with the cache it authenticates to',
      '  - SESSION_TTL_SECONDS: got "5"; allowed: a whole number from 60 to 2592000',
      '  - SESSION_STORE: got "redis"; allowed: memory, cache, dynamodb (unset: memory)',
    ].join('\n'),
  );
  expect(() => readSettings({ DATA_STORE: 'dynamodb', TABLE_NAME: 't', AWS_REGION: 'us-east-1', SESSION_STORE: 'cache' })).toThrow(
    'SESSION_STORE: got "cache" without CACHE_URL',
  );
  expect(() => readSettings({ DATA_STORE: 'dynamodb', TABLE_NAME: 't', AWS_REGION: 'us-east-1', SESSION_STORE: 'dynamodb' })).toThrow(
    'SESSION_TABLE: not set',
  );
});

test("stage 4 to 6's environment: the reader endpoint and pool size, the managed cache's secret, sessions in a shared store", () => {
  const settings = readSettings({
    DATA_STORE: 'rds',
    DB_HOST: 'cluster.example',
    DB_READER_HOST: 'cluster-ro.example',
    DB_POOL_SIZE: '10',
    DB_SECRET_ARN: 'arn:db',
    AWS_REGION: 'eu-west-1',
    CACHE_URL: 'rediss://cache.example:6379',
    CACHE_SECRET_ARN: 'arn:cache',
    SESSION_STORE: 'cache',
    SESSION_TTL_SECONDS: '3600',
  });
  expect([settings.store, settings.region, settings.cacheSecretArn, settings.sessions]).toEqual([
    expect.objectContaining({ host: 'cluster.example', readerHost: 'cluster-ro.example', poolSize: 10 }),
    'eu-west-1',
    'arn:cache',
    { kind: 'cache', ttlSeconds: 3600 },
  ]);
  expect(
    readSettings({
      DATA_STORE: 'dynamodb',
      TABLE_NAME: 'items',
      AWS_REGION: 'eu-west-1',
      SESSION_STORE: 'dynamodb',
      SESSION_TABLE: 'sessions',
    }).sessions,
  ).toEqual({ kind: 'dynamodb', ttlSeconds: 86_400, tableName: 'sessions', region: 'eu-west-1', endpoint: undefined });
});

test('the environment a stage writes is read as the stage means it, with the defaults of what it leaves out', () => {
  expect(
    readSettings({
      DATA_STORE: 'rds',
      DB_HOST: 'db.example',
      DB_PORT: '5432',
      DB_NAME: 'app',
      DB_SECRET_ARN: 'arn:secret',
      DB_CA_FILE: '/etc/ca.pem',
      PORT: '80',
      CACHE_URL: 'rediss://cache:6379',
    }),
  ).toEqual({
    port: 80,
    host: '0.0.0.0',
    stage: 'local',
    version: 'dev',
    region: 'local',
    store: {
      kind: 'postgresql',
      host: 'db.example',
      port: 5432,
      database: 'app',
      readerHost: undefined,
      poolSize: 2,
      secretArn: 'arn:secret',
      caFile: '/etc/ca.pem',
      user: undefined,
      password: undefined,
    },
    cacheUrl: 'rediss://cache:6379',
    cacheSecretArn: undefined,
    sessions: { kind: 'memory', ttlSeconds: 86_400 },
    cacheTtlSeconds: 60,
    bodyLimitBytes: 16 * 1024,
    cacheTimeoutMs: 50,
    drainSeconds: 20,
    maxConnections: 4096,
    keepAliveSeconds: 65,
    trustedOrigins: [],
  });
});

test('TRUSTED_ORIGINS: origins as a browser sends them, comma-separated, kept in lower case; anything else is named', () => {
  const base = { DATA_STORE: 'dynamodb', TABLE_NAME: 't', AWS_REGION: 'us-east-1' };
  expect(
    readSettings({ ...base, TRUSTED_ORIGINS: 'https://API.example.com, https://stage5.api.example.com,http://127.0.0.1:8080,' })
      .trustedOrigins,
  ).toEqual(['https://api.example.com', 'https://stage5.api.example.com', 'http://127.0.0.1:8080']);
  expect(() =>
    readSettings({ ...base, TRUSTED_ORIGINS: 'https://api.example.com/, api.example.com, null, https://x.example/web' }),
  ).toThrow(
    [
      "The service's environment has 4 problem(s):",
      ...['https://api.example.com/', 'api.example.com', 'null', 'https://x.example/web'].map(
        (o) =>
          `  - TRUSTED_ORIGINS: got "${o}"; allowed: origins as a browser sends them in Origin (https://host or https://host:port, no path, no trailing slash), separated by commas`,
      ),
    ].join('\n'),
  );
});
