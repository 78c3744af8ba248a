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
    store: {
      kind: 'postgresql',
      host: 'db.example',
      port: 5432,
      database: 'app',
      secretArn: 'arn:secret',
      caFile: '/etc/ca.pem',
      user: undefined,
      password: undefined,
    },
    cacheUrl: 'rediss://cache:6379',
    cacheTtlSeconds: 60,
    bodyLimitBytes: 16 * 1024,
    cacheTimeoutMs: 50,
    drainSeconds: 20,
    maxConnections: 4096,
    keepAliveSeconds: 65,
  });
});
