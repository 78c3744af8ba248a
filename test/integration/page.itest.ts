/**
 * The page (web/) in a real headless browser: Chromium (Debian's, /usr/bin/chromium) driven by
 * playwright-core, against the service as deployed (the bundle, PostgreSQL, Redis, sessions in the
 * cache) behind one origin that serves /web/ and passes the rest to the service, as the CDN does,
 * with the page's content security policy. The browser reaches nothing but loopback. It creates an
 * item, reads it, sees the answer, the stage, region, server and both caches, and the session's
 * recent items; then ends the session and starts another.
 */
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { CHROMIUM_INSTALL, type LocalEdge, type Postgres, type Redis, startLocalEdge, startPostgres, startRedis } from '../../lib/engines';
import { CONTENT_TYPES } from '../../lib/web-page';
import { json, send } from '../service/support/http';
import { type ServiceProcess, startService, storeEnvironment } from './support/service-process';

const CHROMIUM = '/usr/bin/chromium';

let postgres: Postgres;
let redis: Redis;
let service: ServiceProcess;
let edge: LocalEdge;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not installed (no ${CHROMIUM}): ${CHROMIUM_INSTALL}`);
  [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
  service = await startService({ ...storeEnvironment.postgresql(postgres), CACHE_URL: redis.url, SESSION_STORE: 'cache' });
  edge = await startLocalEdge(service.base);
});

afterAll(async () => {
  await edge?.stop();
  await service?.terminate();
  await redis?.stop();
  postgres?.destroy();
});

test('the page is served as the CDN serves it: /web redirects to /web/, index.html, each file with its type and the CSP', async () => {
  const redirect = await send(edge.base, '/web');
  expect([redirect.status, redirect.headers.location]).toEqual([301, '/web/']);
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

test('in a headless browser: create an item, read it, see who answered and both caches, and the session remember both', async () => {
  let chromium: typeof import('playwright-core').chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch (error) {
    throw new Error(`playwright-core is not installed (${(error as Error).message.split('\n')[0]}): npm ci`);
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Root has no user namespace sandbox here; /dev/shm is small in containers.
    args: [
      ...(userInfo().uid === 0 ? ['--no-sandbox'] : []),
      '--disable-dev-shm-usage',
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
    ],
  });
  const problems: string[] = [];
  const outside: string[] = [];
  try {
    const context = await browser.newContext();
    // Nothing beyond loopback: any other request is refused and noted.
    await context.route('**/*', (route) => {
      const { hostname } = new URL(route.request().url());
      if (hostname === '127.0.0.1') return route.continue();
      outside.push(route.request().url());
      return route.abort();
    });
    const page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error' && !/status of 401/.test(message.text())) problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    const text = (id: string) => page.locator(`#${id}`).textContent();
    const status = page.locator('#status');

    await page.goto(edge.pageUrl);
    // On load: who serves the API, and a session started (there was no cookie).
    await page.locator('#session-status[data-state="ok"]').waitFor();
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
  } finally {
    await browser.close();
  }
  expect(problems).toEqual([]);
  expect(outside).toEqual([]);
}, 60_000);
