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

const SENT_TWICE =
  `the ${SESSION_COOKIE} cookie was sent twice; allowed: once. Another site (a parent domain, or a page over plain HTTP) ` +
  "set one of them, and this service can neither tell which nor remove it: clear this site's cookies in the browser, " +
  'then start a session with POST /sessions';

/** A new session id: 32 random bytes. */
export const newSessionId = (): string => randomBytes(32).toString('base64url');

export type CookieRead =
  | { readonly kind: 'none' }
  | { readonly kind: 'id'; readonly id: string }
  | { readonly kind: 'malformed'; readonly problem: string }
  /** Sent twice: one of them was set by someone else, so the answer must not clear either (see sessionIdOf). */
  | { readonly kind: 'twice'; readonly problem: string };

/** Space and horizontal tab: the only whitespace RFC 6265 allows around a cookie's name and value. */
const isWhitespace = (code: number) => code === 0x20 || code === 0x09;

/** header[start, end) without the spaces and tabs around it. */
function stripped(header: string, start: number, end: number): string {
  while (start < end && isWhitespace(header.charCodeAt(start))) start++;
  while (end > start && isWhitespace(header.charCodeAt(end - 1))) end--;
  return header.slice(start, end);
}

/**
 * The session id in a Cookie header (Node joins several with "; "), or what is wrong with it.
 *
 * Names are compared as the browser keeps them. It enforces the `__Host-` prefix (Secure, no Domain,
 * Path=/, set over HTTPS) on a name that begins with it once the spaces and tabs around it are gone
 * (RFC 6265 §5.2, and nothing else); so only those are stripped here. `String.trim()` strips more
 * (U+00A0, U+FEFF, U+3000…): a cookie a sibling subdomain plants as `\xa0__Host-ztm-session` escapes
 * the prefix in the browser and would be read here as ours. A name that differs in any other byte
 * or in case is another cookie. Values are taken as sent: not unquoted, not percent-decoded, since
 * the id is neither.
 *
 * Sent twice is refused, not resolved: the browser lists a longer Path first (§5.4), so "the first"
 * may be a cookie another page planted. Under the prefix only this origin sets the name, with one
 * Path, so two are never a browser's doing. Nor is it cleared: a Set-Cookie from here reaches only
 * the host-only cookie, which is the genuine one; a planted one (Domain of a parent, from a browser
 * that does not hold the prefix) survives it, and the next request would carry the attacker's
 * session alone, which is the fixation this rule stops. Only the visitor can remove that one.
 */
export function sessionIdOf(header: string | undefined): CookieRead {
  if (header === undefined || !header.includes(SESSION_COOKIE)) return { kind: 'none' };
  let found: string | undefined;
  // The first '=' at or after `start`, searched for again only once `start` has passed it: searching
  // from every cookie's start would read the rest of the header again for each ';' (quadratic in a
  // header of many ';' and no '='). So each character is read a bounded number of times.
  let eq = header.indexOf('=');
  for (let start = 0; start < header.length && eq !== -1; ) {
    let end = header.indexOf(';', start);
    if (end === -1) end = header.length;
    if (eq < start) eq = header.indexOf('=', start);
    if (eq !== -1 && eq < end && stripped(header, start, eq) === SESSION_COOKIE) {
      if (found !== undefined) return { kind: 'twice', problem: SENT_TWICE };
      found = stripped(header, eq + 1, end);
    }
    start = end + 1;
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
