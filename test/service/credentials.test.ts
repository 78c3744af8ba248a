/** Database credentials (service/src/credentials.ts) from the stack's Secrets Manager secret. */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { fromSecret, REFRESH_MS, RENEW_MIN_MS } from '../../service/src/credentials';
import { StoreUnavailable } from '../../service/src/errors';

/** Answers GetSecretValue with the next of the given answers, recording what it was asked. */
function secrets(...answers: (string | Error)[]) {
  const asked: unknown[] = [];
  const client = {
    send: async (command: { input: unknown }) => {
      asked.push(command.input);
      const answer = answers.length > 1 ? answers.shift()! : answers[0];
      if (answer instanceof Error) throw answer;
      return { SecretString: answer };
    },
  } as unknown as Pick<SecretsManagerClient, 'send'>;
  return { client, asked };
}

test('are read from the stack secret, cached, and read again after a while, so a rotated password is used', async () => {
  let now = 0;
  const { client, asked } = secrets(
    JSON.stringify({ username: 'app_admin', password: 'one' }),
    JSON.stringify({ username: 'app_admin', password: 'two' }),
  );
  const credentials = fromSecret('arn:aws:secretsmanager:us-east-1:1:secret:db', client, () => now);
  expect([await credentials.user(), await credentials.password()]).toEqual(['app_admin', 'one']);
  now = REFRESH_MS + 1;
  expect(await credentials.password()).toBe('two');
  expect(asked).toEqual([
    { SecretId: 'arn:aws:secretsmanager:us-east-1:1:secret:db' },
    { SecretId: 'arn:aws:secretsmanager:us-east-1:1:secret:db' },
  ]);
});

test('a secret that cannot be read, or holds no credentials, makes the store unavailable (503), not a crash', async () => {
  await expect(fromSecret('arn:secret', secrets(new Error('connect ETIMEDOUT')).client).user()).rejects.toBeInstanceOf(StoreUnavailable);
  await expect(fromSecret('arn:secret', secrets('{"user":"x"}').client).password()).rejects.toThrow(
    'secret arn:secret has no username and password',
  );
});

/** Credentials over a secret whose successive reads give these passwords, and the clock they read. */
function rotating(...passwords: string[]) {
  const clock = { now: 0 };
  const { client, asked } = secrets(...passwords.map((password) => JSON.stringify({ username: 'app_admin', password })));
  return { clock, asked, credentials: fromSecret('arn:db', client, () => clock.now) };
}

test('a refused password reads the secret again at once, once for all the connections refused together, and says whether it changed', async () => {
  const { clock, asked, credentials } = rotating('one', 'two');
  expect(await credentials.password()).toBe('one');
  clock.now = 10_000; // long before the periodic refresh
  expect(await Promise.all([credentials.renew('one'), credentials.renew('one'), credentials.renew('one')])).toEqual([true, true, true]);
  expect([await credentials.password(), asked.length]).toEqual(['two', 2]);
  // Refused again with the new one: nothing new to try (the caller answers 503 rather than retry).
  expect(await credentials.renew('two')).toBe(false);
  expect(asked.length).toBe(2);
  clock.now += RENEW_MIN_MS;
  expect(await credentials.renew('two')).toBe(false);
  expect(asked.length).toBe(3);
});

test('a refusal moments after the secret was read at start (or refreshed) reads it again: that read came before the password changed', async () => {
  const { clock, asked, credentials } = rotating('one', 'two');
  expect(await credentials.password()).toBe('one');
  clock.now = RENEW_MIN_MS / 2; // rotated just after the service read the secret
  expect(await credentials.renew('one')).toBe(true);
  expect([await credentials.password(), asked.length]).toEqual(['two', 2]);
});

test('refused while the secret still has the old password: read once, then again only after RENEW_MIN_MS', async () => {
  const { clock, asked, credentials } = rotating('one', 'one', 'two');
  expect(await credentials.password()).toBe('one');
  clock.now = 100;
  expect([await credentials.renew('one'), asked.length]).toEqual([false, 2]);
  clock.now = 100 + RENEW_MIN_MS - 1; // the secret has changed by now, but a refusal asked a moment ago
  expect([await credentials.renew('one'), asked.length]).toEqual([false, 2]);
  clock.now = 100 + RENEW_MIN_MS;
  expect([await credentials.renew('one'), asked.length, await credentials.password()]).toEqual([true, 3, 'two']);
});
