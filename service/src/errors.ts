/** Errors the service turns into HTTP answers, and how a dependency's failure is named to clients. */

/** A request the client must fix: 400, or the status given (413, 415). */
export class BadRequest extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = 'BadRequest';
  }
}

/** The data store cannot answer now (down, overloaded or too slow): 503, and the client may retry. */
export class StoreUnavailable extends Error {
  constructor(
    readonly store: string,
    readonly cause: unknown,
  ) {
    super(`${store} is unavailable: ${(cause as Error)?.message ?? String(cause)}`);
    this.name = 'StoreUnavailable';
  }
}

/** The session store cannot answer now: 503 on the session routes; items do not depend on it. */
export class SessionStoreUnavailable extends StoreUnavailable {
  constructor(store: string, cause: unknown) {
    super(store, cause);
    this.name = 'SessionStoreUnavailable';
  }
}

/** Other requests changed a session every time this one tried to: a 503, though the store answers. */
export class SessionContention extends Error {
  constructor(readonly attempts: number) {
    super(`other requests changed the session each of the ${attempts} times this one tried`);
    this.name = 'SessionContention';
  }
}

/** The dependency did not answer within its deadline. */
export class Timeout extends Error {
  constructor(
    readonly what: string,
    readonly ms: number,
  ) {
    super(`${what}: no answer within ${ms} ms`);
    this.name = 'Timeout';
  }
}

/**
 * What went wrong, in a few words that name no host, address, user or secret: for answers and
 * `/readyz`, which anyone may read. The full error goes to the log.
 */
export function reasonOf(error: unknown): string {
  const cause = error instanceof StoreUnavailable ? error.cause : error;
  const e = cause as { code?: unknown; name?: unknown; message?: unknown } | undefined;
  const message = typeof e?.message === 'string' ? e.message : '';
  if (e?.code === '55P03') return 'lock timeout';
  if (e?.code === '53300') return 'too many connections';
  if (e?.code === '25006') return 'read-only: failing over';
  if (e?.code === '28P01') return 'password refused';
  if (cause instanceof Timeout || /timeout|timed out/i.test(message) || e?.code === '57014' || e?.name === 'TimeoutError') return 'timeout';
  if (typeof e?.code === 'string' && /^[A-Z0-9_]{2,40}$/.test(e.code)) return e.code;
  if (/terminated|closed|ended/i.test(message)) return 'connection closed';
  if (typeof e?.name === 'string' && e.name !== 'Error' && /^\w{1,60}$/.test(e.name)) return e.name;
  return 'error';
}
