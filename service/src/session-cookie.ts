/**
 * The session cookie: a random 256-bit id (base64url, 43 characters), the only thing that names a
 * session. `__Host-` (so only this origin, over HTTPS, on path / can set it), Secure, HttpOnly (no
 * script reads it) and SameSite=Strict (no other site's page sends it), with Max-Age the session's
 * lifetime. Whatever a client sends in its place is read without trust: a malformed or oversized
 * value, or two of them, is a 400 naming the rule, never a lookup.
 */
import { randomBytes } from 'node:crypto';

export const SESSION_COOKIE = '__Host-ztm-session';
const ID = /^[A-Za-z0-9_-]{43}$/;
export const SESSION_ID_RULE = '43 characters of A-Z a-z 0-9 - _, as POST /sessions sets it';

/** A new session id: 32 random bytes. */
export const newSessionId = (): string => randomBytes(32).toString('base64url');

export type CookieRead =
  | { readonly kind: 'none' }
  | { readonly kind: 'id'; readonly id: string }
  | { readonly kind: 'malformed'; readonly problem: string };

/** The session id in a Cookie header (Node joins several with "; "), or what is wrong with it. */
export function sessionIdOf(header: string | undefined): CookieRead {
  if (header === undefined || !header.includes(SESSION_COOKIE)) return { kind: 'none' };
  let found: string | undefined;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq === -1 || pair.slice(0, eq).trim() !== SESSION_COOKIE) continue;
    if (found !== undefined) return { kind: 'malformed', problem: `the ${SESSION_COOKIE} cookie was sent twice; allowed: once` };
    found = pair.slice(eq + 1).trim();
  }
  if (found === undefined) return { kind: 'none' };
  if (!ID.test(found)) {
    return {
      kind: 'malformed',
      problem: `the ${SESSION_COOKIE} cookie: got ${JSON.stringify(found.length > 20 ? `${found.slice(0, 20)}…` : found)} (${found.length} characters); allowed: ${SESSION_ID_RULE}`,
    };
  }
  return { kind: 'id', id: found };
}

/** Set-Cookie for a session that lives `maxAgeSeconds` more; 0 clears it. */
export const sessionCookie = (id: string, maxAgeSeconds: number): string =>
  `${SESSION_COOKIE}=${id}; Secure; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAgeSeconds}`;
export const CLEARED_COOKIE = sessionCookie('', 0);
