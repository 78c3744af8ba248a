/**
 * The page (web/) in a real headless browser: Chromium (Debian's, /usr/bin/chromium) driven by
 * playwright-core, against the service as deployed (the bundle, PostgreSQL, Redis, sessions in the
 * cache) behind one origin that serves /web/ and passes the rest to the service, as the CDN does,
 * with the page's content security policy. The browser reaches nothing but loopback. It creates an
 * item, reads it, sees the answer, the stage, region, server and both caches, and the session's
 * recent items; then ends the session and starts another.
 *
 * Then pages of other origins on loopback, as an attacker makes them: on another site (127.0.0.2),
 * on the same site (127.0.0.1 on another port: a sibling subdomain, as far as cookies and
 * Sec-Fetch-Site go), and over plain HTTP on a name (to which the browser sends no Sec-Fetch-Site).
 * Their forms and fetches change nothing, and the cookies they plant are not read.
 */
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { userInfo } from 'node:os';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  CHROMIUM_INSTALL,
  freePort,
  type LocalEdge,
  type Postgres,
  type Redis,
  startLocalEdge,
  startPostgres,
  startRedis,
  startTogether,
} from '../../lib/engines';
import { CONTENT_TYPES } from '../../lib/web-page';
import { SESSION_COOKIE } from '../../service/src/session-cookie';
import { json, send } from '../service/support/http';
import { logCaughtUp, type ServiceProcess, startService, storeEnvironment, UNHURRIED_CACHE } from './support/service-process';

const CHROMIUM = '/usr/bin/chromium';
/** Names only this browser resolves (to loopback): over plain HTTP to them it sends Origin, and no Sec-Fetch-Site. */
const PAGE_NAME = 'api.ztm.test';
const HOSTILE_NAME = 'evil.ztm.test';
/** Another loopback address: another site to the browser. */
const CROSS_SITE_HOST = '127.0.0.2';

let postgres: Postgres;
let redis: Redis;
let service: ServiceProcess;
let edge: LocalEdge;
let crossSite: Hostile;
let sameSite: Hostile;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not installed (no ${CHROMIUM}): ${CHROMIUM_INSTALL}`);
  [postgres, redis] = await startTogether(startPostgres(), startRedis());
  // The edge replaces Host, as CloudFront does; the page's name over plain HTTP is trusted, as a CDN stage trusts its names.
  const edgePort = await freePort();
  service = await startService(
    {
      ...storeEnvironment.postgresql(postgres),
      CACHE_URL: redis.url,
      SESSION_STORE: 'cache',
      TRUSTED_ORIGINS: `http://${PAGE_NAME}:${edgePort}`,
      ...UNHURRIED_CACHE,
    },
    { ready: true },
  );
  edge = await startLocalEdge(service.base, edgePort);
  [crossSite, sameSite] = await Promise.all([startHostile(CROSS_SITE_HOST), startHostile('127.0.0.1')]);
});

afterAll(async () => {
  await Promise.all([crossSite?.stop(), sameSite?.stop()]);
  await edge?.stop();
  await service?.terminate();
  await redis?.stop();
  postgres?.destroy();
});

/** Chromium on loopback only, resolving PAGE_NAME and HOSTILE_NAME itself. */
async function launch(): Promise<Browser> {
  let chromium: typeof import('playwright-core').chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch (error) {
    throw new Error(`playwright-core is not installed (${(error as Error).message.split('\n')[0]}): npm ci`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Root has no user namespace sandbox here; /dev/shm is small in containers.
    args: [
      ...(userInfo().uid === 0 ? ['--no-sandbox'] : []),
      '--disable-dev-shm-usage',
      `--host-resolver-rules=MAP ${PAGE_NAME} 127.0.0.1, MAP ${HOSTILE_NAME} ${CROSS_SITE_HOST}, MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE ${CROSS_SITE_HOST}`,
    ],
  });
}

/**
 * Runs `use` in a new browser's context that reaches loopback only (anything else is refused and
 * noted); then nothing was asked beyond it, and no page had an error.
 */
async function inBrowser(use: (context: BrowserContext) => Promise<void>): Promise<void> {
  const browser = await launch();
  const problems: string[] = [];
  const outside: string[] = [];
  try {
    const context = await browser.newContext();
    const allowed = new Set(['127.0.0.1', CROSS_SITE_HOST, PAGE_NAME, HOSTILE_NAME]);
    await context.route('**/*', (route) => {
      if (allowed.has(new URL(route.request().url()).hostname)) return route.continue();
      outside.push(route.request().url());
      return route.abort();
    });
    context.on('page', (page) => {
      page.on('console', (message) => {
        // The page asks for its session first (401 without one); a refused request is what a hostile page gets.
        if (message.type() === 'error' && !/status of (401|403)/.test(message.text())) problems.push(message.text());
      });
      page.on('pageerror', (error) => problems.push(error.message));
    });
    await use(context);
  } finally {
    await browser.close();
  }
  expect(problems).toEqual([]);
  expect(outside).toEqual([]);
}

test('the page is served as the CDN serves it: /web redirects to /web/, index.html, each file with its type and the CSP', async () => {
  // /web has a behaviour of its own (/web/* does not match it), whose function redirects.
  const redirect = await send(edge.base, '/web');
  expect([redirect.status, redirect.headers.location]).toEqual([301, '/web/']);
  // A path the page behaviours do not match is the API's, as on CloudFront.
  expect(json(await send(edge.base, '/website')).error).toMatch(/^no route GET "\/website"/);
  const index = await send(edge.base, '/web/');
  expect([index.status, index.headers['content-type'], index.headers['content-security-policy']]).toEqual([
    200,
    CONTENT_TYPES['.html'],
    expect.stringContaining("script-src 'self'"),
  ]);
  for (const [file, type] of [
    ['app.js', '.js'],
    ['style.css', '.css'],
  ])
    expect((await send(edge.base, `/web/${file}`)).headers['content-type']).toBe(CONTENT_TYPES[type]);
  // The rest is the API's, on the same origin.
  expect(json(await send(edge.base, '/')).service).toBe('zero-to-millions');
});

test('through the edge, as through the CDN: /readyz is the verdict only, an item id in upper case moves to its one address', async () => {
  const publicReady = await send(edge.base, '/readyz');
  expect([publicReady.status, publicReady.body]).toEqual([200, '{"status":"ready"}']);
  // On the server itself, the whole of it.
  expect(json(await send(service.base, '/readyz'))).toMatchObject({ status: 'ready', dataStore: { ok: true, ms: expect.any(Number) } });
  const item = json(
    await send(edge.base, '/items', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"name":"one address"}' }),
  );
  const moved = await send(edge.base, `/items/${item.id.toUpperCase()}`);
  expect([moved.status, moved.headers.location, moved.headers['cache-control']]).toEqual([301, `/items/${item.id}`, 'no-store']);
  expect(json(await send(edge.base, moved.headers.location as string))).toEqual(item);
});

test('in a headless browser: create an item, read it, see who answered and both caches, and the session remember both', async () => {
  await inBrowser(async (context) => {
    const page = await context.newPage();
    const text = (id: string) => page.locator(`#${id}`).textContent();
    const status = page.locator('#status');

    await page.goto(edge.pageUrl);
    // On load: who serves the API, and a session started (there was no cookie).
    // Whatever the answer, then the check: a failure shows what the page said, not only a timeout.
    await page.locator('#session-status').filter({ hasNotText: 'No session yet.' }).waitFor();
    expect([await text('session-status'), await page.locator('#session-status').getAttribute('data-state')]).toEqual([
      'Session started.',
      'ok',
    ]);
    const identity = json(await send(service.base, '/'));
    expect([await text('stage'), await text('region'), await text('server'), await text('edge-cache')]).toEqual([
      'integration',
      'local',
      identity.host,
      'no CDN',
    ]);
    expect([await text('session-status'), await page.locator('#recent li').count()]).toEqual(['Session started.', 0]);

    await page.fill('#name', 'made in a browser <b>not bold</b>');
    await page.click('#create button');
    await status.filter({ hasText: 'POST /items: 201' }).waitFor();
    const id = await page.inputValue('#item-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await text('body')).toContain('"name": "made in a browser <b>not bold</b>"');
    expect(await page.locator('#body b').count()).toBe(0); // text, never markup
    await page.locator('#recent li', { hasText: `created ${id}` }).waitFor();

    await page.click('#read button');
    await status.filter({ hasText: `GET /items/${id}: 200` }).waitFor();
    expect(await text('data-cache')).toBe('miss');
    await page
      .locator('#recent li')
      .first()
      .filter({ hasText: `viewed ${id}` })
      .waitFor();
    await page.click('#read button');
    await page.locator('#data-cache', { hasText: 'hit' }).waitFor();
    expect([await text('stage'), await text('server')]).toEqual(['integration', identity.host]);
    expect(await page.locator('#recent li').allTextContents()).toEqual([expect.stringMatching(new RegExp(`^viewed ${id} at `))]);

    // A reload keeps the session (the cookie); ending it clears the list; another can start.
    await page.reload();
    await page.locator('#session-status', { hasText: 'Session resumed.' }).waitFor();
    expect(await page.locator('#recent li').count()).toBe(1);
    await page.click('#session-end');
    await page.locator('#session-status', { hasText: 'Session ended.' }).waitFor();
    expect([await page.locator('#recent li').count(), await page.locator('#session-start').isVisible()]).toEqual([0, true]);
    await page.click('#session-start');
    await page.locator('#session-status', { hasText: 'Session started.' }).waitFor();
    // The cookie is the API's alone: the page's script cannot read it.
    expect(await page.evaluate('document.cookie')).toBe('');
    const [cookie] = await context.cookies();
    expect([cookie.name, cookie.httpOnly, cookie.secure, cookie.sameSite]).toEqual(['__Host-ztm-session', true, true, 'Strict']);
  });
}, 60_000);

interface Hostile {
  /** http://<host>:<port> */
  readonly base: string;
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * An attacker's pages on `host` (loopback, a free port):
 * - /form?action=URL: a form that posts itself to URL as text/plain, which needs no CORS;
 * - /fetch?base=URL: fetches that need no CORS either (no-cors, text/plain): POST /sessions and
 *   POST /items; then the title says `done`;
 * - /plant?id=ID: cookies for this host with the session cookie's name disguised (so the __Host-
 *   prefix does not hold them), by Set-Cookie (raw 0xA0 bytes) and by document.cookie; then `planted`;
 * - /echo: the Cookie header the browser sent, as Node reads it (the service on this host gets the
 *   same), and its Sec-Fetch-Site.
 */
async function startHostile(host: string): Promise<Hostile> {
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://hostile');
    const param = (name: string) => JSON.stringify(url.searchParams.get(name) ?? '');
    const page = (script: string, cookies: string[] = []) => {
      response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', ...(cookies.length > 0 ? { 'Set-Cookie': cookies } : {}) });
      response.end(`<!doctype html><title>hostile</title><script>${script}</script>`);
    };
    if (url.pathname === '/form')
      return page(`const form = Object.assign(document.createElement('form'), { method: 'POST', enctype: 'text/plain', action: ${param('action')} });
        form.append(Object.assign(document.createElement('input'), { type: 'hidden', name: '{"name":"', value: 'planted"}' }));
        document.documentElement.append(form);
        form.submit();`);
    if (url.pathname === '/fetch')
      return page(`const send = (path) => fetch(${param('base')} + path, { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'Content-Type': 'text/plain' }, body: '{"name":"planted"}' });
        send('/sessions').then(() => send('/items')).finally(() => { document.title = 'done'; });`);
    if (url.pathname === '/plant') {
      const id = url.searchParams.get('id') ?? '';
      return page(
        [`\u00a0${SESSION_COOKIE}`, `${SESSION_COOKIE}\u00a0`, `\ufeff${SESSION_COOKIE}`, `=${SESSION_COOKIE}`, '__host-ztm-session']
          .map((name) => `document.cookie = ${JSON.stringify(`${name}=${id}; path=/`)};`)
          .concat("document.title = 'planted';")
          .join('\n'),
        // writeHead sends each character of these as one byte: a raw 0xA0, which Chromium keeps as it is.
        [`\xa0${SESSION_COOKIE}=${id}; Path=/`, `${SESSION_COOKIE}\xa0=${id}; Path=/`, `${SESSION_COOKIE}=${id}; Path=/`],
      );
    }
    if (url.pathname === '/echo') {
      response.writeHead(200, { 'Content-Type': 'application/json' });
      return void response.end(
        JSON.stringify({ cookie: request.headers.cookie ?? '', secFetchSite: request.headers['sec-fetch-site'] ?? null }),
      );
    }
    response.writeHead(404);
    response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as { port: number }).port;
  return {
    base: `http://${host}:${port}`,
    port,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * The session cookie the browser holds for the API's host, or undefined: Secure and HttpOnly (CDP
 * drops a raw 0xA0 from a planted cookie's name, so the name alone does not tell).
 */
const sessionCookieOf = async (context: BrowserContext) =>
  (await context.cookies(edge.base)).find((c) => c.name === SESSION_COOKIE && c.secure && c.httpOnly)?.value;

/** A visitor opens the page, which starts a session, and creates an item; its id. */
async function visit(page: Page): Promise<string> {
  await page.goto(edge.pageUrl);
  await page.locator('#session-status', { hasText: 'Session started.' }).waitFor();
  await page.fill('#name', 'the visitor’s');
  await page.click('#create button');
  await page.locator('#status').filter({ hasText: 'POST /items: 201' }).waitFor();
  const id = await page.inputValue('#item-id');
  await page.locator('#recent li', { hasText: `created ${id}` }).waitFor();
  return id;
}

/** Opens the hostile page with the form posting to `action`; the answer to that post. */
async function submitForm(page: Page, hostile: string, action: string) {
  const answered = page.waitForResponse((r) => r.url() === action && r.request().method() === 'POST');
  await page.goto(`${hostile}/form?action=${encodeURIComponent(action)}`);
  const response = await answered;
  return { status: response.status(), body: await response.json() };
}

/** The service's log lines from `from` on for POSTs to `paths`, once there are `count` of them (the log is written in batches). */
async function loggedPosts(from: number, paths: string[], count: number): Promise<{ path: string; status: number }[]> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const lines = service.logs.slice(from).filter((l) => l.method === 'POST' && paths.includes(l.path));
    if (lines.length >= count || Date.now() > deadline) return lines.map(({ path, status }) => ({ path, status }));
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("another site's page, in a headless browser", () => {
  test("its form (text/plain POST /sessions, /items) and fetches change nothing: 403 naming Sec-Fetch-Site; the visitor's cookie and session as they were", async () => {
    await inBrowser(async (context) => {
      const page = await context.newPage();
      const item = await visit(page);
      const cookie = await sessionCookieOf(context);
      expect(cookie).toMatch(/^[A-Za-z0-9_-]{43}$/);

      for (const path of ['/sessions', '/items']) {
        const answer = await submitForm(page, crossSite.base, `${edge.base}${path}`);
        expect([path, answer.status, answer.body]).toEqual([
          path,
          403,
          { error: expect.stringContaining('Sec-Fetch-Site: "cross-site"'), header: 'Sec-Fetch-Site', value: 'cross-site' },
        ]);
      }
      // The fetches' answers are opaque to the page: the service's log says what it answered (after
      // the forms' lines, which may not be written yet).
      const from = await logCaughtUp(service);
      await page.goto(`${crossSite.base}/fetch?base=${encodeURIComponent(edge.base)}`);
      await page.waitForFunction("document.title === 'done'");
      expect(await loggedPosts(from, ['/sessions', '/items'], 2)).toEqual([
        { path: '/sessions', status: 403 },
        { path: '/items', status: 403 },
      ]);

      expect(await sessionCookieOf(context)).toBe(cookie);
      // The page still works, on the same session.
      await page.goto(edge.pageUrl);
      await page.locator('#session-status', { hasText: 'Session resumed.' }).waitFor();
      expect(await page.locator('#recent li').allTextContents()).toEqual([expect.stringContaining(`created ${item}`)]);
    });
  }, 90_000);

  test('a sibling (the same site, another origin) is refused too, and the session id it plants under a disguised name is not read', async () => {
    // The attacker's own session, started as any client can, with an item of theirs in it.
    const started = await send(service.base, '/sessions', { method: 'POST' });
    const theirs = /^__Host-ztm-session=([A-Za-z0-9_-]{43});/.exec(String(started.headers['set-cookie']))![1];
    const withTheirs = { Cookie: `${SESSION_COOKIE}=${theirs}` };
    const planted = json(
      await send(service.base, '/items', {
        method: 'POST',
        headers: { ...withTheirs, 'Content-Type': 'application/json' },
        body: '{"name":"the attacker’s"}',
      }),
    ).id;

    await inBrowser(async (context) => {
      const page = await context.newPage();
      // Before the visitor has a session, the sibling plants the attacker's id.
      await page.goto(`${sameSite.base}/plant?id=${theirs}`);
      await page.waitForFunction("document.title === 'planted'");
      // Chromium refuses some itself (the name followed by 0xA0, the nameless and lower-case ones, any
      // without Secure); it keeps three, none Secure: raw 0xA0 + the name, and U+00A0 and U+FEFF + the
      // name in UTF-8. What it sends to this host, on any port, is what the service gets (Node reads
      // each byte as one character).
      await page.goto(`${sameSite.base}/echo`);
      const sent = JSON.parse((await page.textContent('body'))!).cookie as string;
      expect(sent.split('; ').sort()).toEqual(
        [`\xa0${SESSION_COOKIE}`, `\xc2\xa0${SESSION_COOKIE}`, `\xef\xbb\xbf${SESSION_COOKIE}`].map((name) => `${name}=${theirs}`).sort(),
      );
      expect((await context.cookies(edge.base)).filter((c) => c.secure)).toEqual([]);

      // The page finds no session of the visitor's, starts one of its own, and notes the visitor's item there.
      const item = await visit(page);
      const own = await sessionCookieOf(context);
      expect([own === theirs, await page.locator('#recent li').allTextContents()]).toEqual([
        false,
        [expect.stringContaining(`created ${item}`)],
      ]);
      // The sibling's form: Sec-Fetch-Site same-site, refused as well.
      const answer = await submitForm(page, sameSite.base, `${edge.base}/sessions`);
      expect([answer.status, answer.body.header, answer.body.value]).toEqual([403, 'Sec-Fetch-Site', 'same-site']);
      expect(await sessionCookieOf(context)).toBe(own);
      // The attacker's session has nothing of the visitor's.
      const recent = json(await send(service.base, '/session', { headers: withTheirs })).recent;
      expect(recent.map((r: { id: string }) => r.id)).toEqual([planted]);
    });
  }, 90_000);

  test('over plain HTTP (no Sec-Fetch-Site), Origin decides: the page on its trusted name works through the edge that replaces Host; another origin is refused', async () => {
    const site = `http://${PAGE_NAME}:${edge.port}`;
    await inBrowser(async (context) => {
      const page = await context.newPage();
      // To a name over plain HTTP the browser sends no Sec-Fetch-Site (to loopback it does).
      const echoed = async (url: string) => {
        await page.goto(url);
        return JSON.parse((await page.textContent('body'))!).secFetchSite;
      };
      expect([await echoed(`http://${HOSTILE_NAME}:${crossSite.port}/echo`), await echoed(`${crossSite.base}/echo`)]).toEqual([
        null,
        'none',
      ]);
      // So the page's writes reach the service with only their Origin, and a Host the edge replaced: the trusted name lets them in.
      await page.goto(`${site}/web/`);
      await page.locator('#session-status', { hasText: 'Session started.' }).waitFor();
      await page.fill('#name', 'over plain HTTP');
      await page.click('#create button');
      await page.locator('#status').filter({ hasText: 'POST /items: 201' }).waitFor();

      const hostile = `http://${HOSTILE_NAME}:${crossSite.port}`;
      const answer = await submitForm(page, hostile, `${site}/sessions`);
      expect([answer.status, answer.body]).toEqual([
        403,
        { error: expect.stringContaining(`Origin: "${hostile}" is not this API's origin`), header: 'Origin', value: hostile },
      ]);
    });
  }, 90_000);
});
