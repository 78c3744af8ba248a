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
const CHUNK_BYTES = 128 * 1024;
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

/** A filled buffer waiting to be written: the buffer (reused after the write) and how much of it is used. */
interface Filled {
  readonly buffer: Buffer;
  readonly used: number;
}

/** A batching, asynchronous writer of lines to a file descriptor (stdout by default). */
export class LineWriter {
  /** The buffer lines are encoded into, and how much of it is used. */
  private current: Buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  private used = 0;
  /** Filled buffers waiting for the write in progress. */
  private queued: Filled[] = [];
  private queuedBytes = 0;
  /** Buffers written out, kept for reuse: a busy server would otherwise allocate one per write. */
  private free: Buffer[] = [];
  private writing = false;
  private timer?: NodeJS.Timeout;
  private dropped = 0;
  private idle: (() => void)[] = [];

  constructor(private readonly fd = 1) {}

  readonly sink: LogSink = (line: string) => {
    // At most 3 bytes of UTF-8 per UTF-16 unit, and the newline.
    const most = line.length * 3 + 1;
    if (this.used + most > this.current.length) {
      if (this.queuedBytes > MAX_BUFFERED) {
        this.dropped++;
        return;
      }
      this.seal(most);
    }
    this.used += this.current.write(line, this.used);
    this.current[this.used++] = 10;
    if (this.writing) return;
    if (this.used >= FLUSH_BYTES) this.writeOut();
    else this.timer ??= setTimeout(this.writeOut, FLUSH_MS);
  };

  /** Moves what the current buffer holds to the queue, and starts another, of at least `room` bytes. */
  private seal(room = 0) {
    if (this.used > 0) {
      this.queued.push({ buffer: this.current, used: this.used });
      this.queuedBytes += this.used;
      this.current = room <= CHUNK_BYTES ? (this.free.pop() ?? Buffer.allocUnsafe(CHUNK_BYTES)) : Buffer.allocUnsafe(room);
      this.used = 0;
    } else if (room > this.current.length) {
      this.current = Buffer.allocUnsafe(room);
    }
  }

  private take(): Filled[] {
    if (this.dropped > 0) {
      const note = JSON.stringify({
        time: isoNow(),
        level: 'warn',
        msg: 'log lines dropped: stdout could not keep up',
        dropped: this.dropped,
      });
      this.dropped = 0;
      this.sink(note);
    }
    this.seal();
    const taken = this.queued;
    this.queued = [];
    this.queuedBytes = 0;
    return taken;
  }

  private readonly writeOut = () => {
    clearTimeout(this.timer);
    this.timer = undefined;
    const taken = this.take();
    if (taken.length === 0) return this.settle();
    this.writing = true;
    const data =
      taken.length === 1 ? taken[0].buffer.subarray(0, taken[0].used) : Buffer.concat(taken.map((f) => f.buffer.subarray(0, f.used)));
    this.writeAll(data, () => {
      for (const { buffer } of taken) if (buffer.length === CHUNK_BYTES && this.free.length < 2) this.free.push(buffer);
    });
  };

  private writeAll(data: Buffer, done: () => void) {
    write(this.fd, data, 0, data.length, null, (error, written) => {
      // A full non-blocking pipe: try again shortly. Any other error (the reader is gone): the lines are lost.
      if (error?.code === 'EAGAIN') return void setTimeout(() => this.writeAll(data, done), 10);
      if (!error && written < data.length) return this.writeAll(data.subarray(written), done);
      done();
      this.writing = false;
      // What came meanwhile waits for a batch of its own: writing it now would mean one write per
      // turn of the event loop on a busy server, each a hand-off to another thread.
      if (this.used >= FLUSH_BYTES || this.queued.length > 0 || this.idle.length > 0) this.writeOut();
      else if (this.used > 0) this.timer ??= setTimeout(this.writeOut, FLUSH_MS);
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
    for (const { buffer, used } of this.take()) {
      for (let offset = 0, tries = 0; offset < used && tries < 1000; tries++) {
        try {
          offset += writeSync(this.fd, buffer, offset, used - offset);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') return;
        }
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
