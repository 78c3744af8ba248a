/**
 * A small Redis client for the read cache: one connection (TCP, or TLS for rediss://), RESP2,
 * commands written in one batch per turn of the event loop, and a hard deadline on every command.
 *
 * Why not node-redis: its deadline does not cover the wait for a reply, so a hung server (connection
 * open, nothing answered) held every request; and on a cache hit its per-command machinery cost more
 * than the rest of the request. Here each command is a queue entry with its send time, and one
 * sweep, running only while commands wait, fails those past the deadline: no timer per command.
 * Replies still arrive in order, so a late reply settles nothing and is dropped. A connection whose
 * oldest command has waited STALL_MS is presumed dead (a failed-over node, a frozen server) and is
 * replaced, which also bounds what waits in memory.
 */
import { connect as connectTcp, isIP, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { Timeout } from './errors';

export type Reply = string | number | null | Reply[];

export class RedisError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RedisError';
  }
}

export interface RedisClientOptions {
  /** redis://[user:password@]host[:port][/db] or rediss://… (TLS). */
  readonly url: string;
  /** The deadline of every command, in milliseconds. */
  readonly timeoutMs: number;
  readonly connectTimeoutMs?: number;
  /** Told when a connection that worked is lost (reconnecting is silent). */
  readonly onConnectionLost?: (error: string) => void;
  /** Told when the server refuses the connection's setup (AUTH, SELECT), once per distinct refusal. */
  readonly onSetupRefused?: (error: string) => void;
}

/** A connection whose oldest command has waited this long is replaced. */
export const STALL_MS = 5000;
const MAX_BACKOFF_MS = 2000;

interface Pending {
  resolve: (reply: Reply) => void;
  reject: (error: Error) => void;
  readonly at: number;
  settled: boolean;
}

/** The end of the RESP element starting at `offset` and its value, or undefined when more bytes are needed. */
function parse(buffer: Buffer, offset: number): { value: Reply | RedisError; end: number } | undefined {
  const lineEnd = buffer.indexOf(13, offset + 1);
  if (lineEnd === -1 || lineEnd + 1 >= buffer.length) return undefined;
  const type = buffer[offset];
  const line = buffer.toString('latin1', offset + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case 43: // + simple string
      return { value: line, end: next };
    case 45: // - error
      return { value: new RedisError(buffer.toString('utf8', offset + 1, lineEnd)), end: next };
    case 58: // : integer
      return { value: Number(line), end: next };
    case 36: {
      // $ bulk string
      const length = Number(line);
      if (length < 0) return { value: null, end: next };
      if (next + length + 2 > buffer.length) return undefined;
      return { value: buffer.toString('utf8', next, next + length), end: next + length + 2 };
    }
    case 42: {
      // * array
      const count = Number(line);
      if (count < 0) return { value: null, end: next };
      const values: Reply[] = [];
      let end = next;
      for (let i = 0; i < count; i++) {
        const element = parse(buffer, end);
        if (!element) return undefined;
        values.push(element.value instanceof RedisError ? null : element.value);
        end = element.end;
      }
      return { value: values, end };
    }
    default:
      throw new RedisError(`unexpected reply type ${JSON.stringify(String.fromCharCode(type))}`);
  }
}

/** One command in RESP: an array of bulk strings. */
function encode(args: readonly string[]): string {
  let out = `*${args.length}\r\n`;
  for (const arg of args) out += `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`;
  return out;
}

export class RedisClient {
  private socket?: Socket;
  private ready = false;
  /** Whether the current connection has answered a command: only losing such a one is news. */
  private answered = false;
  private refusal?: string;
  private closed = false;
  private attempts = 0;
  /** Commands sent and not yet answered, oldest first (`head` is the oldest). */
  private pending: Pending[] = [];
  private head = 0;
  private outgoing = '';
  private flushScheduled = false;
  private rest?: Buffer;
  private sweeper?: NodeJS.Timeout;
  private readonly target: { host: string; port: number; tls: boolean; setup: string[][] };

  constructor(private readonly options: RedisClientOptions) {
    const url = new URL(options.url);
    const setup: string[][] = [];
    const password = decodeURIComponent(url.password);
    const user = decodeURIComponent(url.username);
    if (password) setup.push(user ? ['AUTH', user, password] : ['AUTH', password]);
    const db = url.pathname.slice(1);
    if (db && db !== '0') setup.push(['SELECT', db]);
    this.target = { host: url.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1', port: Number(url.port) || 6379, tls: url.protocol === 'rediss:', setup };
    this.connect();
  }

  get connected(): boolean {
    return this.ready;
  }

  private connect() {
    const { host, port, tls } = this.target;
    const socket = tls ? connectTls({ host, port, servername: isIP(host) ? undefined : host }) : connectTcp({ host, port });
    this.socket = socket;
    socket.setNoDelay(true);
    socket.setTimeout(this.options.connectTimeoutMs ?? 1000, () => socket.destroy(new Error(`no connection within ${this.options.connectTimeoutMs ?? 1000} ms`)));
    socket.once(tls ? 'secureConnect' : 'connect', () => {
      socket.setTimeout(0);
      socket.setKeepAlive(true, 10_000);
      this.ready = true;
      this.attempts = 0;
      // Authentication and database selection go first on the connection; their replies come first.
      for (const args of this.target.setup) {
        void this.send(args).catch((error: Error) => {
          if (error.message !== this.refusal) this.options.onSetupRefused?.(`${args[0]}: ${error.message}`);
          this.refusal = error.message;
          socket.destroy(error);
        });
      }
    });
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', () => undefined); // 'close' follows; the commands waiting learn of it there
    socket.once('close', () => {
      const wasAnswering = this.answered;
      this.ready = false;
      this.answered = false;
      this.socket = undefined;
      this.rest = undefined;
      this.outgoing = '';
      this.failAll(new RedisError('the connection to the cache closed'));
      if (this.closed) return;
      if (wasAnswering) this.options.onConnectionLost?.('the connection to the cache closed');
      const delay = Math.min(100 * 2 ** this.attempts++, MAX_BACKOFF_MS);
      setTimeout(() => this.closed || this.connect(), delay).unref();
    });
  }

  /** Sends a command; settles with its reply, or fails at once when not connected, or at the deadline. */
  send(args: readonly string[]): Promise<Reply> {
    if (!this.ready) return Promise.reject(new RedisError('not connected to the cache'));
    return new Promise<Reply>((resolve, reject) => {
      this.pending.push({ resolve, reject, at: performance.now(), settled: false });
      this.outgoing += encode(args);
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(this.flush);
      }
      // Checked four times per deadline: a command fails at most a quarter of its deadline late.
      this.sweeper ??= setInterval(this.sweep, Math.max(5, this.options.timeoutMs / 4)).unref();
    });
  }

  private readonly flush = () => {
    this.flushScheduled = false;
    if (this.outgoing.length === 0) return;
    this.socket?.write(this.outgoing);
    this.outgoing = '';
  };

  private receive(chunk: Buffer) {
    const buffer = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    let offset = 0;
    try {
      while (offset < buffer.length) {
        const element = parse(buffer, offset);
        if (!element) break;
        offset = element.end;
        const waiting = this.pending[this.head];
        if (!waiting) throw new RedisError('a reply for no command');
        this.pending[this.head++] = undefined as unknown as Pending;
        if (!(element.value instanceof RedisError)) this.answered = true;
        if (!waiting.settled) {
          waiting.settled = true;
          if (element.value instanceof RedisError) waiting.reject(element.value);
          else waiting.resolve(element.value);
        }
      }
    } catch (error) {
      // The stream cannot be trusted any more: start again on a new connection.
      this.socket?.destroy(error as Error);
      return;
    }
    this.rest = offset < buffer.length ? buffer.subarray(offset) : undefined;
    this.compact();
  }

  private compact() {
    if (this.head === this.pending.length) {
      this.pending = [];
      this.head = 0;
      if (this.sweeper) {
        clearInterval(this.sweeper);
        this.sweeper = undefined;
      }
    } else if (this.head > 1024 && this.head * 2 > this.pending.length) {
      this.pending = this.pending.slice(this.head);
      this.head = 0;
    }
  }

  /**
   * Fails the commands past their deadline. It runs in the check phase (setImmediate), after the
   * event loop has read the sockets, so replies that arrived during a pause are taken first.
   */
  private readonly sweep = () => setImmediate(this.expire);

  private readonly expire = () => {
    const now = performance.now();
    const deadline = now - this.options.timeoutMs;
    for (let i = this.head; i < this.pending.length; i++) {
      const waiting = this.pending[i];
      if (waiting.at > deadline) break;
      if (!waiting.settled) {
        waiting.settled = true;
        waiting.reject(new Timeout('the cache', this.options.timeoutMs));
      }
    }
    const oldest = this.pending[this.head];
    if (oldest && now - oldest.at > STALL_MS) this.socket?.destroy(new RedisError(`the cache has not answered for ${STALL_MS} ms`));
  };

  private failAll(error: Error) {
    for (let i = this.head; i < this.pending.length; i++) {
      const waiting = this.pending[i];
      if (!waiting.settled) {
        waiting.settled = true;
        waiting.reject(error);
      }
    }
    this.pending = [];
    this.head = 0;
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  /** Closes at once: commands waiting fail, and nothing waits for the server (which may be hung). */
  close(): void {
    this.closed = true;
    this.ready = false;
    this.socket?.destroy();
    this.failAll(new RedisError('the cache client is closed'));
  }
}
