/**
 * One HTTP request as a client would send it, any method, target and headers (fetch refuses many),
 * and the answer as it came: status, headers (lower case), body text.
 */
import { type Agent, request as httpRequest } from 'node:http';
import type { Answer } from './conformance';

export interface Sent {
  readonly method?: string;
  readonly headers?: Record<string, string | number | string[]>;
  readonly body?: string | Buffer;
  /** A keep-alive agent to reuse connections; a new connection per request otherwise. */
  readonly agent?: Agent;
  readonly timeoutMs?: number;
}

export function send(base: string, target: string, sent: Sent = {}): Promise<Answer> {
  const { hostname, port } = new URL(base);
  const method = sent.method ?? 'GET';
  // A body is framed by its length, as clients do (Node's client would send a GET's body unframed).
  const headers =
    sent.body === undefined || Object.keys(sent.headers ?? {}).some((h) => /^(content-length|transfer-encoding)$/i.test(h))
      ? sent.headers
      : { ...sent.headers, 'Content-Length': Buffer.byteLength(sent.body) };
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      { host: hostname, port, method, path: target, headers, agent: sent.agent ?? false, timeout: sent.timeoutMs ?? 10_000 },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            method,
            target,
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`${method} ${target}: no answer within ${sent.timeoutMs ?? 10_000} ms`)));
    request.on('error', reject);
    request.end(sent.body);
  });
}

/** The answer's body as JSON. */
export const json = (answer: Answer): any => JSON.parse(answer.body);
