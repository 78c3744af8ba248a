/**
 * Credentials of the database and of the managed cache: from a Secrets Manager secret the stack
 * created (JSON `{"username","password"}`), or from the environment (a local database). The secret
 * is re-read after REFRESH_MS, and at once when a server refuses the password it holds (RDS rotates
 * Aurora's master password itself: from then on the old one opens no connection), so a rotated
 * password needs no restart and costs no failed request.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { StoreUnavailable } from './errors';

export interface Credentials {
  user(): Promise<string>;
  password(): Promise<string | undefined>;
  /**
   * Reads the secret again now, because a server refused the password given (`refused`); resolves
   * with whether the password changed, so a caller retries only when there is something new to try.
   */
  renew(refused: string | undefined): Promise<boolean>;
}

export const REFRESH_MS = 5 * 60_000;
/** A refused password re-reads the secret at most this often, however many connections are refused at once. */
export const RENEW_MIN_MS = 1000;

export function fromSecret(
  secretArn: string,
  client: Pick<SecretsManagerClient, 'send'>,
  now: () => number = Date.now,
  what = 'secretsmanager',
): Credentials {
  let cached: { username: string; password: string; at: number } | undefined;
  let reading: Promise<{ username: string; password: string; at: number }> | undefined;
  const fetchSecret = () => {
    // One read at a time: the connections refused together wait for the same answer.
    reading ??= (async () => {
      try {
        const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
        const { username, password } = JSON.parse(SecretString ?? '{}');
        if (typeof username !== 'string' || typeof password !== 'string')
          throw new Error(`secret ${secretArn} has no username and password`);
        cached = { username, password, at: now() };
        return cached;
      } catch (error) {
        throw new StoreUnavailable(what, error);
      }
    })().finally(() => {
      reading = undefined;
    });
    return reading;
  };
  const read = async () => (cached && now() - cached.at < REFRESH_MS ? cached : fetchSecret());
  // The last read a refusal asked for. Only these count against RENEW_MIN_MS: the read at start or the
  // periodic refresh came before the password changed, and cannot answer a refusal that came after.
  let renewal: { at: number; read: Promise<{ password: string }> } | undefined;
  return {
    user: async () => (await read()).username,
    password: async () => (await read()).password,
    async renew(refused) {
      // Another refusal has already read a newer password: try that one.
      if (cached && cached.password !== refused) return true;
      // (A read under way joined here began after the refused password was handed out: it came from a finished read.)
      if (!renewal || now() - renewal.at >= RENEW_MIN_MS) renewal = { at: now(), read: fetchSecret() };
      return (await renewal.read).password !== refused;
    },
  };
}

export function fromEnvironment(user: string, password: string | undefined): Credentials {
  return { user: async () => user, password: async () => password, renew: async () => false };
}
