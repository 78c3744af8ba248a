/**
 * Draining an HTTP server without resetting a request a client has already sent.
 *
 * Node's own `server.close()` also closes every keep-alive connection that is idle at that instant,
 * and a client that has just sent its next request on one gets ECONNRESET. Here the listening
 * socket alone is closed, so new connections are refused; every answer from then on says
 * `Connection: close`, so a client reconnects elsewhere after it; a connection idle at the start
 * is given IDLE_GRACE_MS for a request already on its way (answered, with `Connection: close`)
 * before it is closed; and whatever is still open at the deadline is destroyed.
 */
import type { Server, ServerResponse } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';

export const IDLE_GRACE_MS = 1000;

/** The response a socket is answering or last answered, set per request: a property write, no listener. */
const CURRENT = Symbol('current response');
type Tracked = Socket & { [CURRENT]?: ServerResponse };

export class Connections {
  private readonly sockets = new Set<Tracked>();
  private draining = false;

  /** `idleGraceMs`: how long a connection idle when the drain starts may still bring a request (tests shorten it). */
  constructor(
    private readonly server: Server,
    private readonly idleGraceMs = IDLE_GRACE_MS,
  ) {
    server.on('connection', (socket: Tracked) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  get isDraining(): boolean {
    return this.draining;
  }

  get open(): number {
    return this.sockets.size;
  }

  /** Call first for every request: while draining, its answer closes its connection. */
  track(response: ServerResponse): void {
    const socket = response.socket as Tracked | null;
    if (socket) socket[CURRENT] = response;
    if (this.draining) response.setHeader('Connection', 'close');
  }

  /** Whether part of an answer may already be on this connection (then nothing else may be written to it). */
  answering(socket: Socket): boolean {
    const response = (socket as Tracked)[CURRENT];
    return response !== undefined && !response.writableFinished && response.headersSent;
  }

  private busy(socket: Tracked): boolean {
    const response = socket[CURRENT];
    return response !== undefined && !response.writableFinished;
  }

  /**
   * Stops accepting and waits until every connection has closed, or `deadlineMs`, when the rest are
   * destroyed. Resolves with how many connections had to be destroyed.
   */
  async drain(deadlineMs: number): Promise<number> {
    this.draining = true;
    // net.Server's close: stop listening, and leave the open connections to the steps below.
    NetServer.prototype.close.call(this.server);
    for (const socket of this.sockets) {
      const response = socket[CURRENT];
      if (response && this.busy(socket) && !response.headersSent) response.setHeader('Connection', 'close');
    }
    // When each connection was first seen idle, and after which response: a new request starts it again.
    const idle = new Map<Tracked, { response?: ServerResponse; since: number }>();
    const started = Date.now();
    await new Promise<void>((resolve) => {
      const sweep = () => {
        const now = Date.now();
        for (const socket of this.sockets) {
          if (this.busy(socket)) {
            idle.delete(socket);
            continue;
          }
          const seen = idle.get(socket);
          if (!seen || seen.response !== socket[CURRENT]) idle.set(socket, { response: socket[CURRENT], since: now });
          else if (now - seen.since >= this.idleGraceMs) socket.destroy();
        }
        if (this.sockets.size === 0 || now - started >= deadlineMs) {
          clearInterval(timer);
          resolve();
        }
      };
      const timer = setInterval(sweep, 50);
      sweep();
    });
    const unfinished = this.sockets.size;
    for (const socket of this.sockets) socket.destroy();
    // The http server's own close: stops its timeout checks (it is no longer listening).
    this.server.close(() => undefined);
    return unfinished;
  }
}
