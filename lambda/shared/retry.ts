/**
 * Bounded exponential backoff, with the sleep and clock injected so tests run instantly and
 * deterministically. Used by the deployment verification Lambda and the preflight command.
 */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Delays of 1 s, 2 s, 4 s, ... capped at `maxMs`. */
export function backoff(attempt: number, baseMs = 1000, maxMs = 10_000): number {
  return Math.min(maxMs, baseMs * 2 ** attempt);
}

const RETRYABLE = new Set([
  'Throttling',
  'ThrottlingException',
  'PriorRequestNotComplete',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'ServiceUnavailable',
  'InternalError',
]);

/** True for errors a later attempt can fix: throttling and AWS-side faults. */
export function isRetryable(error: unknown): boolean {
  const e = error as { name?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number } };
  return RETRYABLE.has(e?.name ?? '') || e?.$retryable !== undefined || (e?.$metadata?.httpStatusCode ?? 0) >= 500;
}

/** Calls `fn`, retrying retryable AWS errors with backoff, at most `attempts` times in all. */
export async function retrying<T>(fn: () => Promise<T>, clock: Clock, attempts = 6): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (!isRetryable(error) || attempt + 1 >= attempts) throw error;
      await clock.sleep(backoff(attempt));
    }
  }
}
