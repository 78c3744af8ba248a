/**
 * The stores the settings name: the data store (PostgreSQL, credentials from Secrets Manager or the
 * environment, with a reader pool from stage 4; or DynamoDB), the cache (with the managed cache's
 * credentials from Secrets Manager) and the session store. Each process loads the clients it uses
 * only: a PostgreSQL stage never loads the AWS SDK for DynamoDB, nor a DynamoDB stage pg.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type Cache, RedisCache } from './cache';
import type { Credentials } from './credentials';
import type { LogFields } from './log';
import { CacheSessions, MemorySessions, type SessionStore } from './sessions';
import type { Settings } from './settings';
import type { ItemStore } from './store';

let secretsManager: SecretsManagerClient | undefined;
/** Credentials from a Secrets Manager secret; one SDK client for every secret the process reads. */
function secretCredentials(secretArn: string, what: string): Credentials {
  const { fromSecret } = require('./credentials') as typeof import('./credentials');
  if (!secretsManager) {
    const { SecretsManagerClient } = require('@aws-sdk/client-secrets-manager') as typeof import('@aws-sdk/client-secrets-manager');
    secretsManager = new SecretsManagerClient({ maxAttempts: 2 });
  }
  return fromSecret(secretArn, secretsManager, Date.now, what);
}

export function storeFor(settings: Settings, log: (fields: LogFields) => void): ItemStore {
  const s = settings.store;
  if (s.kind === 'dynamodb') {
    const { DynamoDbStore } = require('./dynamodb-store') as typeof import('./dynamodb-store');
    return new DynamoDbStore({ tableName: s.tableName, region: s.region, endpoint: s.endpoint });
  }
  const { fromEnvironment } = require('./credentials') as typeof import('./credentials');
  const { PostgresStore } = require('./postgres-store') as typeof import('./postgres-store');
  const credentials = s.secretArn ? secretCredentials(s.secretArn, 'secretsmanager') : fromEnvironment(s.user!, s.password);
  return new PostgresStore(
    {
      host: s.host,
      readerHost: s.readerHost,
      port: s.port,
      database: s.database,
      credentials,
      caFile: s.caFile,
      connections: s.poolSize,
    },
    log,
  );
}

export function cacheFor(settings: Settings, log: (fields: LogFields) => void): RedisCache | undefined {
  if (!settings.cacheUrl) return undefined;
  return new RedisCache({
    url: settings.cacheUrl,
    timeoutMs: settings.cacheTimeoutMs,
    credentials: settings.cacheSecretArn ? secretCredentials(settings.cacheSecretArn, 'the cache secret') : undefined,
    log,
  });
}

/** Sessions where SESSION_STORE says; in the cache they share its connection. */
export function sessionStoreFor(settings: Settings, cache: Cache | undefined): SessionStore {
  const s = settings.sessions;
  if (s.kind === 'dynamodb') {
    const { DynamoDbSessions } = require('./dynamodb-sessions') as typeof import('./dynamodb-sessions');
    return new DynamoDbSessions({ tableName: s.tableName, region: s.region, endpoint: s.endpoint });
  }
  if (s.kind === 'cache') {
    if (!(cache instanceof RedisCache)) throw new Error('SESSION_STORE=cache needs the cache (CACHE_URL)');
    return new CacheSessions(cache.client);
  }
  return new MemorySessions();
}
