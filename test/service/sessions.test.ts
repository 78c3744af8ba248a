/**
 * Sessions (service/src/sessions.ts, session-cookie.ts): what a session remembers and for how long,
 * the memory store's bounds, and the cookie read without trust. (The shared stores, on the real
 * cache and on dynalite, across two processes, are in test/integration/sessions.itest.ts.)
 */
import fc from 'fast-check';
import { type CookieRead, newSessionId, SESSION_COOKIE, sessionIdOf } from '../../service/src/session-cookie';
import { asSession, MemorySessions, RECENT_LIMIT, touch } from '../../service/src/sessions';

import { FUZZ_SEED } from '../support/config-arbitraries';

const ID = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

test('touch: a new session, then each use slides its expiry and puts the item first, once, keeping at most RECENT_LIMIT', () => {
  const start = Date.parse('2026-01-01T00:00:00Z');
  const fresh = touch(undefined, start, 60);
  expect(fresh).toEqual({
    createdAt: '2026-01-01T00:00:00.000Z',
    lastSeenAt: '2026-01-01T00:00:00.000Z',
    expiresAt: '2026-01-01T00:01:00.000Z',
    recent: [],
  });
  let session = fresh;
  for (let i = 0; i < RECENT_LIMIT + 5; i++) session = touch(session, start + i * 1000, 60, { id: ID(i), action: 'created' });
  session = touch(session, start + 100_000, 60, { id: ID(10), action: 'viewed' });
  expect(session.recent).toHaveLength(RECENT_LIMIT);
  expect(session.recent.slice(0, 3).map((r) => [r.action, r.id])).toEqual([
    ['viewed', ID(10)],
    ['created', ID(24)],
    ['created', ID(23)],
  ]);
  expect(session.recent.filter((r) => r.id === ID(10))).toHaveLength(1);
  expect([session.createdAt, session.expiresAt]).toEqual(['2026-01-01T00:00:00.000Z', '2026-01-01T00:02:40.000Z']);
});

test('a stored value that is not a session (another program, a partial write) reads as no session, not as an error', () => {
  const good = touch(undefined, Date.parse('2026-01-01T00:00:00Z'), 60, { id: ID(1), action: 'viewed' });
  expect(asSession(JSON.parse(JSON.stringify(good)))).toEqual(good);
  // An expiry shaped like a date that is none (month 13) would compare as never expiring: no session either.
  for (const bad of [
    null,
    'x',
    1,
    [],
    {},
    { ...good, createdAt: 'yesterday' },
    { ...good, expiresAt: '2026-13-45T00:00:00.000Z' },
    { ...good, recent: 'none' },
  ])
    expect(asSession(bad)).toBeUndefined();
  expect(asSession({ ...good, recent: [{ id: '<script>', action: 'viewed', at: good.createdAt }, ...good.recent] })?.recent).toEqual(
    good.recent,
  );
});

test('memory: expired sessions are gone, and past the limit the least recently used goes first', async () => {
  let now = 0;
  const store = new MemorySessions(() => now, 3);
  for (const id of ['a', 'b', 'c']) await store.put(id, touch(undefined, now, 60));
  await store.put('a', touch(await store.get('a'), now, 60)); // a is now the most recently used
  await store.put('d', touch(undefined, now, 60));
  expect(await Promise.all(['a', 'b', 'c', 'd'].map(async (id) => (await store.get(id)) !== undefined))).toEqual([true, false, true, true]);
  now = 60_000;
  expect(await store.get('a')).toBeUndefined();
});

test('memory: a change is a compare-and-set: it lands only on the session it read, never on a changed or ended one', async () => {
  const store = new MemorySessions(() => 0);
  await store.put('s', touch(undefined, 0, 60));
  const [first, second] = [await store.get('s'), await store.get('s')];
  expect(await store.replace('s', first!, touch(first, 1, 60, { id: ID(1), action: 'viewed' }))).toBe(true);
  // The second read is stale now: its change would drop the first one's.
  expect(await store.replace('s', second!, touch(second, 2, 60, { id: ID(2), action: 'viewed' }))).toBe(false);
  expect((await store.get('s'))!.recent.map((r) => r.id)).toEqual([ID(1)]);
  const last = await store.get('s');
  await store.delete('s');
  // Ended: a change read before the end does not bring it back.
  expect(await store.replace('s', last!, touch(last, 3, 60))).toBe(false);
  expect(await store.get('s')).toBeUndefined();
});

test('the cookie: a new id is 32 random bytes in base64url; a header is read without trust', () => {
  const id = newSessionId();
  expect([id, Buffer.from(id, 'base64url').length]).toEqual([expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), 32]);
  expect(sessionIdOf(undefined)).toEqual({ kind: 'none' });
  expect(sessionIdOf('a=1; b=2')).toEqual({ kind: 'none' });
  expect(sessionIdOf(`a=1; __Host-ztm-session=${id}; b=2`)).toEqual({ kind: 'id', id });
  expect(sessionIdOf(`x__Host-ztm-session=${id}`)).toEqual({ kind: 'none' });
  expect(sessionIdOf('__Host-ztm-session=').kind).toBe('malformed');
  expect(sessionIdOf(`__Host-ztm-session=${id}=`).kind).toBe('malformed');
  expect(sessionIdOf(`__Host-ztm-session=${id}; __Host-ztm-session=${id}`).kind).toBe('twice');
});

describe('the cookie is read as RFC 6265 reads it: only spaces and tabs around a name or value', () => {
  const id = 'A'.repeat(43);
  const planted = 'B'.repeat(43);
  // What the browser keeps under another name (so the __Host- prefix did not guard it) is another cookie here too.
  test.each([
    ['U+00A0 before the name (the byte 0xA0, as Node reads a header)', `\xa0__Host-ztm-session=${planted}`],
    ['U+00A0 after the name', `__Host-ztm-session\xa0=${planted}`],
    ['U+00A0 as UTF-8 before the name (as Chromium sends it)', `\xc2\xa0__Host-ztm-session=${planted}`],
    ['U+FEFF before the name', `\ufeff__Host-ztm-session=${planted}`],
    ['U+3000 before the name', `\u3000__Host-ztm-session=${planted}`],
    ['a vertical tab before the name', `\v__Host-ztm-session=${planted}`],
    ['a form feed after the name', `__Host-ztm-session\f=${planted}`],
    ['a NUL before the name', `\0__Host-ztm-session=${planted}`],
    ['the name in other case (cookie names are case-sensitive)', `__host-ztm-session=${planted}`],
    ['the name with a prefix', `x__Host-ztm-session=${planted}`],
    ['the name as a value', `other=__Host-ztm-session=${planted}`],
    ['a nameless cookie whose value is name=value', `__Host-ztm-session`],
  ])('%s: another cookie, not the session', (_case, cookie) => {
    expect(sessionIdOf(cookie)).toEqual({ kind: 'none' });
    // Beside the real one, the real one is read and the other left alone.
    expect(sessionIdOf(`${cookie}; __Host-ztm-session=${id}`)).toEqual({ kind: 'id', id });
    expect(sessionIdOf(`__Host-ztm-session=${id}; ${cookie}`)).toEqual({ kind: 'id', id });
  });

  test('spaces and tabs around the name and the value are not part of them (RFC 6265 §5.2)', () => {
    expect(sessionIdOf(` \t__Host-ztm-session \t= \t${id} \t`)).toEqual({ kind: 'id', id });
    expect(sessionIdOf(`a=1;__Host-ztm-session=${id};b=2`)).toEqual({ kind: 'id', id });
  });

  test('a value is taken as sent: quoted, percent-encoded or with other whitespace, it is malformed, never unwrapped', () => {
    for (const value of [`"${id}"`, `${id.slice(0, 41)}%41`, `${id}\xa0`, `\xa0${id}`, `${id.slice(0, 20)} ${id.slice(20, 42)}`])
      expect(sessionIdOf(`__Host-ztm-session=${value}`)).toEqual({
        kind: 'malformed',
        problem: expect.stringContaining('allowed: 43 characters'),
      });
  });

  test('sent twice is refused, whichever comes first (a browser lists a longer Path first): never a guess', () => {
    expect(sessionIdOf(`__Host-ztm-session=${planted}; __Host-ztm-session=${id}`)).toEqual({
      kind: 'twice',
      problem: expect.stringMatching(
        /^the __Host-ztm-session cookie was sent twice; allowed: once\. .*: clear this site's cookies in the browser/,
      ),
    });
    expect(sessionIdOf(`__Host-ztm-session=${id};__Host-ztm-session=${id}`).kind).toBe('twice');
    // Twice is said first, whatever the values: a malformed one beside the real one is still a planted pair.
    expect(sessionIdOf(`__Host-ztm-session=x; __Host-ztm-session=${id}`).kind).toBe('twice');
  });

  test('a header of thousands of cookies (22 KB, more than Node takes) is read: the session wherever it is, once', () => {
    const others = Array.from({ length: 2000 }, (_, i) => `c${i}=${i}`);
    expect(sessionIdOf(`${others.join('; ')}; __Host-ztm-session=${id}`)).toEqual({ kind: 'id', id });
    expect(sessionIdOf(`__Host-ztm-session=${id}; ${others.join('; ')}`)).toEqual({ kind: 'id', id });
    expect(sessionIdOf(`${others.join('; ')}; __Host-ztm-session=${id}; __Host-ztm-session=${id}`).kind).toBe('twice');
  });
});

describe('the cookie header is read in one pass: the same answers as the plainest reading, and work in proportion to its length', () => {
  const id = 'A'.repeat(43);
  /** RFC 6265 §5.2 as plainly as it can be written: split on ';', each pair on its first '=', spaces and tabs stripped. */
  function plainRead(header: string): Pick<CookieRead, 'kind'> & { id?: string } {
    const strip = (text: string) => text.replace(/^[ \t]+/, '').replace(/[ \t]+$/, '');
    const values = header.split(';').flatMap((pair) => {
      const eq = pair.indexOf('=');
      return eq !== -1 && strip(pair.slice(0, eq)) === SESSION_COOKIE ? [strip(pair.slice(eq + 1))] : [];
    });
    if (values.length === 0) return { kind: 'none' };
    if (values.length > 1) return { kind: 'twice' };
    return /^[A-Za-z0-9_-]{43}$/.test(values[0]) ? { kind: 'id', id: values[0] } : { kind: 'malformed' };
  }
  const shape = (read: CookieRead) => (read.kind === 'id' ? { kind: read.kind, id: read.id } : { kind: read.kind });
  /** Headers made of the pieces that matter: the name, its look-alikes, separators, whitespace, ids. */
  const piece = fc.constantFrom(
    SESSION_COOKIE,
    '__host-ztm-session',
    '=',
    ';',
    '; ',
    ' ',
    '\t',
    '\xa0',
    'a',
    'x=1',
    id,
    'B'.repeat(43),
    '"',
  );
  const header = (minLength: number, maxLength: number) =>
    fc.array(piece, { minLength, maxLength, size: 'max' }).map((pieces) => pieces.join(''));

  test('2,000 generated headers: each read as the plain reading reads it', () => {
    fc.assert(
      fc.property(fc.oneof(header(0, 30), fc.string({ maxLength: 80 })), (cookie) => {
        const [got, want] = [shape(sessionIdOf(cookie)), plainRead(cookie)];
        if (JSON.stringify(got) !== JSON.stringify(want))
          throw new Error(`${JSON.stringify(cookie)}: got ${JSON.stringify(got)}, the plain reading ${JSON.stringify(want)}`);
      }),
      { seed: FUZZ_SEED, numRuns: 2000 },
    );
  });

  /**
   * The characters `read` reads of any string, through the String methods the parser reads with
   * (indexOf and includes up to the match, or to the end; slice; charCodeAt). Counting, not timing:
   * a loaded machine cannot make it pass or fail.
   */
  function charactersRead(read: () => void): number {
    const proto = String.prototype;
    const saved = { indexOf: proto.indexOf, includes: proto.includes, slice: proto.slice, charCodeAt: proto.charCodeAt };
    let count = 0;
    const scanned = (text: string, search: string, from = 0) => {
      const at = saved.indexOf.call(text, search, from);
      count += (at === -1 ? text.length : at + search.length) - Math.max(0, from);
      return at;
    };
    proto.indexOf = function (this: string, search: string, from?: number) {
      return scanned(this, search, from);
    };
    proto.includes = function (this: string, search: string, from?: number) {
      return scanned(this, search, from) !== -1;
    };
    proto.slice = function (this: string, start?: number, end?: number) {
      const part = saved.slice.call(this, start, end);
      count += part.length;
      return part;
    };
    proto.charCodeAt = function (this: string, at: number) {
      count += 1;
      return saved.charCodeAt.call(this, at);
    };
    try {
      read();
    } finally {
      Object.assign(proto, saved);
    }
    return count;
  }

  test.each([
    // Reported: searching for '=' from each cookie's start read the rest of the header again for every ';'.
    ['the name, then 16,000 ";"', `${SESSION_COOKIE}${';'.repeat(16_000)}`],
    ['16,000 ";", then the cookie', `${';'.repeat(16_000)}${SESSION_COOKIE}=${id}`],
    ['the name, 16,000 ";", then the cookie', `${SESSION_COOKIE}${';'.repeat(16_000)}${SESSION_COOKIE}=${id}`],
    ['4,000 cookies, then the session', `${'a=1; '.repeat(4000)}${SESSION_COOKIE}=${id}`],
    ['the name with 16,000 spaces around it', `${' '.repeat(8000)}${SESSION_COOKIE}${' '.repeat(8000)}=${id}`],
    ['the name 1,000 times, no "="', `${SESSION_COOKIE};`.repeat(1000)],
  ])('%s: at most 8 reads a character (and at least one: the count sees the reading)', (_case, cookie) => {
    const readsPerCharacter = charactersRead(() => sessionIdOf(cookie)) / cookie.length;
    expect(readsPerCharacter).toBeLessThanOrEqual(8);
    expect(readsPerCharacter).toBeGreaterThanOrEqual(1);
  });

  test('20 generated headers of 5,000 to 10,000 pieces: at most 8 reads a character', () => {
    fc.assert(
      fc.property(header(5000, 10_000), (cookie) => {
        const reads = charactersRead(() => sessionIdOf(cookie));
        if (reads > 8 * cookie.length + 64) throw new Error(`${reads} characters read for a header of ${cookie.length}`);
      }),
      { seed: FUZZ_SEED, numRuns: 20 },
    );
  });
});
