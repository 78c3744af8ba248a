import { readFileSync } from 'node:fs';
import { createClient } from 'redis';
import type { Redis } from '../../../lib/engines';

/** A client of a managed-like cache (startRedis({ managed: true })) as the app user, over TLS, trusting its throwaway CA. */
export async function appClient(redis: Redis) {
  const client = createClient({
    url: redis.url,
    username: redis.user!.name,
    password: redis.user!.password,
    socket: { tls: true, ca: readFileSync(redis.caFile!) },
  });
  await client.connect();
  return client;
}
