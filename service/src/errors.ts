/** Errors the service turns into HTTP answers. */

/** A request the client must fix: 400, or the status given. */
export class BadRequest extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = 'BadRequest';
  }
}

/** The data store cannot be reached: 503, and the client may retry. */
export class StoreUnavailable extends Error {
  constructor(
    readonly store: string,
    readonly cause: unknown,
  ) {
    super(`${store} is unavailable: ${(cause as Error)?.message ?? String(cause)}`);
    this.name = 'StoreUnavailable';
  }
}
