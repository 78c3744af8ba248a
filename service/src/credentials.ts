/**
 * Database credentials: from the Secrets Manager secret the stack created (RDS), or from the
 * environment (a local database). The secret is re-read after a while, so a rotated password is
 * picked up by new connections without a restart.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { StoreUnavailable } from './errors';

export interface Credentials {
  user(): Promise<string>;
  password(): Promise<string | undefined>;
}

export const REFRESH_MS = 5 * 60_000;

export function fromSecret(secretArn: string, client: Pick<SecretsManagerClient, 'send'>, now: () => number = Date.now): Credentials {
  let cached: { username: string; password: string; at: number } | undefined;
  async function read() {
    if (cached && now() - cached.at < REFRESH_MS) return cached;
    try {
      const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
      const { username, password } = JSON.parse(SecretString ?? '{}');
      if (typeof username !== 'string' || typeof password !== 'string') throw new Error(`secret ${secretArn} has no username and password`);
      cached = { username, password, at: now() };
      return cached;
    } catch (error) {
      throw new StoreUnavailable('secretsmanager', error);
    }
  }
  return { user: async () => (await read()).username, password: async () => (await read()).password };
}

export function fromEnvironment(user: string, password: string | undefined): Credentials {
  return { user: async () => user, password: async () => password };
}
