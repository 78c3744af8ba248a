/** The network side of verification: an HTTP(S) GET with a chosen Host and TLS server name, and DNS. */
import { promises as dns } from 'node:dns';
import * as http from 'node:http';
import * as https from 'node:https';
import type { Probe } from './verify';

const TIMEOUT_MS = 5000;

export const networkProbe: Probe = {
  get(url, hostName) {
    const target = new URL(url);
    const client = target.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const request = client.request(
        {
          host: target.hostname,
          port: target.port || undefined,
          path: `${target.pathname}${target.search}`,
          method: 'GET',
          headers: { Host: hostName, 'User-Agent': 'zero-to-millions-verify' },
          // The certificate is for the public name, not the load balancer's: verify it against that.
          servername: hostName,
          timeout: TIMEOUT_MS,
        },
        (response) => {
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (body = (body + chunk).slice(0, 4096)));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
        },
      );
      request.on('timeout', () => request.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
      request.on('error', reject);
      request.end();
    });
  },
  resolve: (name) => dns.resolve4(name.replace(/\.$/, '')),
};
