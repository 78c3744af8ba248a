/**
 * The data store the settings name: PostgreSQL (credentials from Secrets Manager or the
 * environment) or DynamoDB. Each process loads the client of its own store only: a PostgreSQL stage
 * never loads the AWS SDK for DynamoDB, nor a DynamoDB stage pg.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
import type { LogFields } from './log';
import type { Settings } from './settings';
import type { ItemStore } from './store';

export function storeFor(settings: Settings, log: (fields: LogFields) => void): ItemStore {
  const s = settings.store;
  if (s.kind === 'dynamodb') {
    const { DynamoDbStore } = require('./dynamodb-store') as typeof import('./dynamodb-store');
    return new DynamoDbStore({ tableName: s.tableName, region: s.region, endpoint: s.endpoint });
  }
  const { fromEnvironment, fromSecret } = require('./credentials') as typeof import('./credentials');
  const { PostgresStore } = require('./postgres-store') as typeof import('./postgres-store');
  let credentials = fromEnvironment(s.user!, s.password);
  if (s.secretArn) {
    const { SecretsManagerClient } = require('@aws-sdk/client-secrets-manager') as typeof import('@aws-sdk/client-secrets-manager');
    credentials = fromSecret(s.secretArn, new SecretsManagerClient({}));
  }
  return new PostgresStore(
    { host: s.host, port: s.port, database: s.database, user: credentials.user, password: credentials.password, caFile: s.caFile },
    log,
  );
}
