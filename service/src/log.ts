/**
 * The service's log: one JSON line per event on stdout, for journald or CloudWatch Logs.
 *
 * Lines are batched and written off the request path: a request appends its line to a buffer, and
 * the buffer goes out in one asynchronous write when it holds 64 KiB or its oldest line is 50 ms
 * old, so a busy server makes a few large writes instead of one system call per request. If the reader falls far behind, lines
 * are dropped and counted rather than held without bound. `flush()` waits for everything buffered
 * (SIGTERM); `flushSync()` writes it at once (process exit).
 */
import { write, writeSync } from 'node:fs';

export type LogFields = Record<string, unknown>;

/** Writes log lines; a test passes an array's push. */
export type LogSink = (line: string) => void;

/** Lines wait at most this long, or until this many bytes are buffered, before they are written. */
export const FLUSH_MS = 50;
const FLUSH_BYTES = 64 * 1024;
/** Lines are encoded into buffers of this size as they come: no line stays on the JavaScript heap. */
const CHUNK_BYTES = 256 * 1024;
/** Above this many bytes waiting to be written, new lines are dropped until the writer catches up. */
const MAX_BUFFERED = 4 * 1024 * 1024;

/** ISO time, made at most once per millisecond (a busy server logs many lines per millisecond). */
let lastMs = 0;
let lastIso = '';
export function isoNow(): string {
  const ms = Date.now();
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}

/** A batching, asynchronous writer of lines to a file descriptor (stdout by default). */
export class LineWriter {
  /** The buffer lines are encoded into, and how much of it is used. */
  private current = Buffer.allocUnsafe(CHUNK_BYTES);
  private used = 0;
  /** Filled buffers waiting for the write in progress. */
  private queued: Buffer[] = [];
  private queuedBytes = 0;
  private writing = false;
  private timer?: NodeJS.Timeout;
  private dropped = 0;
  private idle: (() => void)[] = [];

  constructor(private readonly fd = 1) {}

  readonly sink: LogSink = (line: string) => {
    // At most 3 bytes of UTF-8 per UTF-16 unit, and the newline.
    if (this.used + line.length * 3 + 1 > this.current.length) {
      this.seal();
      if (line.length * 3 + 1 > this.current.length) this.current = Buffer.allocUnsafe(line.length * 3 + 1);
    }
    if (this.queuedBytes > MAX_BUFFERED) {
      this.dropped++;
      return;
    }
    this.used += this.current.write(line, this.used);
    this.current[this.used++] = 10;
    if (this.writing) return;
    if (this.used >= FLUSH_BYTES) this.writeOut();
    else this.timer ??= setTimeout(this.writeOut, FLUSH_MS);
  };

  /** Moves what the current buffer holds to the queue, and starts a fresh buffer. */
  private seal() {
    if (this.used === 0) return;
    const filled = this.current.subarray(0, this.used);
    this.queued.push(filled);
    this.queuedBytes += filled.length;
    this.current = Buffer.allocUnsafe(CHUNK_BYTES);
    this.used = 0;
  }

  private take(): Buffer | undefined {
    if (this.dropped > 0) {
      const note = JSON.stringify({ time: isoNow(), level: 'warn', msg: 'log lines dropped: stdout could not keep up', dropped: this.dropped });
      this.dropped = 0;
      this.sink(note);
    }
    this.seal();
    if (this.queued.length === 0) return undefined;
    const data = this.queued.length === 1 ? this.queued[0] : Buffer.concat(this.queued);
    this.queued = [];
    this.queuedBytes = 0;
    return data;
  }

  private readonly writeOut = () => {
    clearTimeout(this.timer);
    this.timer = undefined;
    const data = this.take();
    if (!data) return this.settle();
    this.writing = true;
    this.writeAll(data);
  };

  private writeAll(data: Buffer) {
    write(this.fd, data, 0, data.length, null, (error, written) => {
      // A full non-blocking pipe: try again shortly. Any other error (the reader is gone): the lines are lost.
      if (error?.code === 'EAGAIN') return void setTimeout(() => this.writeAll(data), 10);
      if (!error && written < data.length) return this.writeAll(data.subarray(written));
      this.writing = false;
      if (this.used > 0 || this.queued.length > 0) this.writeOut();
      else this.settle();
    });
  }

  private settle() {
    if (this.writing || this.used > 0 || this.queued.length > 0) return;
    for (const resolve of this.idle.splice(0)) resolve();
  }

  /** Resolves when every line given so far has been written. */
  flush(): Promise<void> {
    if (!this.writing && this.used === 0 && this.queued.length === 0) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.idle.push(resolve));
    if (!this.writing) this.writeOut();
    return done;
  }

  /** Writes what is buffered now, synchronously (at exit, when no callback will run again). */
  flushSync(): void {
    const data = this.take();
    if (!data) return;
    for (let offset = 0, tries = 0; offset < data.length && tries < 1000; tries++) {
      try {
        offset += writeSync(this.fd, data, offset);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') return;
      }
    }
  }
}

/** What the service logs: events with any fields, and one line per request, made cheaply. */
export class Log {
  constructor(readonly sink: LogSink) {}

  /** An event: `{time, level, ...fields}`; the level is `info` unless the fields say otherwise. */
  event(fields: LogFields): void {
    this.sink(JSON.stringify({ time: isoNow(), level: 'info', ...fields }));
  }

  /**
   * The line of one request. The method is an HTTP token and the request id a checked one, so
   * neither needs escaping; the path is escaped, and is never the query string.
   */
  request(level: string, requestId: string, method: string, path: string, status: number, ms: number, bytes: number, error?: string): void {
    this.sink(
      `{"time":"${isoNow()}","level":"${level}","requestId":"${requestId}","method":"${method}","path":${JSON.stringify(path)},"status":${status},"ms":${ms},"bytes":${bytes}${error === undefined ? '' : `,"error":${JSON.stringify(error)}`}}`,
    );
  }
}
