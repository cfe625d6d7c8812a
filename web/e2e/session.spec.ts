import { expect, test, type Page } from '@playwright/test';
import { chromiumLaunchOptions } from './browser';
import { collectErrors } from './console';
import { newUser, registerVerified, signIn } from './users';

/**
 * Issue 12 defect 11: on a plain-HTTP install the browser has no
 * navigator.locks (a secure-context API), and two tabs that refreshed the
 * session at once rotated the same cookie twice: the server took the second
 * for reuse and signed the user out. Here the tabs are on such an origin
 * (Chromium maps the name parley.test to loopback: plain HTTP on a name
 * that is not localhost, as plain-http.spec does), and reload at the same moment: their refreshes
 * must not overlap (the SharedWorker arbiter of session/lock.ts serialises
 * them; the localStorage lock it replaced let both through now and then on
 * busy cores), both stay signed in, and the session survives a later reload.
 */
const plainHost = 'parley.test';
test.use({ launchOptions: chromiumLaunchOptions([`--host-resolver-rules=MAP ${plainHost} 127.0.0.1`]) });

test('two tabs reloading at once on an origin without navigator.locks both stay signed in', async ({ browser, baseURL }) => {
  test.setTimeout(60_000);
  if (!baseURL) throw new Error('no baseURL: run through playwright.config.ts');
  const user = newUser('tabs');
  await registerVerified(baseURL, user);

  const plain = new URL(baseURL);
  plain.hostname = plainHost;
  const context = await browser.newContext({ baseURL: plain.origin });
  // Every refresh is held for a moment so that overlapping ones would
  // show: a refresh is in flight from its interception to its answer (the
  // browser sends it on, since only Chromium resolves parley.test).
  let inFlight = 0;
  let most = 0;
  const statuses: number[] = [];
  const isRefresh = (url: string) => new URL(url).pathname === '/api/v1/auth/refresh';
  await context.route('**/api/v1/auth/refresh', async (route) => {
    inFlight++;
    most = Math.max(most, inFlight);
    await new Promise((ok) => setTimeout(ok, 300));
    await route.continue();
  });
  context.on('response', (r) => {
    if (!isRefresh(r.url())) return;
    statuses.push(r.status());
    inFlight--;
  });
  context.on('requestfailed', (r) => {
    if (isRefresh(r.url())) inFlight--;
  });

  // The arbiter is a SharedWorker: its script must load (were it refused,
  // the tabs would fall back to the localStorage lock unnoticed).
  let workerLoads = 0;
  context.on('request', (r) => {
    if (/\/assets\/lock\.worker-[^/]*\.js$/.test(new URL(r.url()).pathname)) workerLoads++;
  });

  const one = await context.newPage();
  const errors = collectErrors(one);
  expect(await one.evaluate(() => ({ secure: isSecureContext, locks: typeof navigator.locks }))).toEqual({ secure: false, locks: 'undefined' });
  await signIn(one, user);
  const two = await context.newPage();
  await two.goto('/');
  const welcome = (p: Page) => expect(p.getByRole('heading', { name: `Welcome, ${user.username}` })).toBeVisible();
  await welcome(two);

  statuses.length = 0;
  most = 0;
  await Promise.all([one.reload(), two.reload()]);
  await Promise.all([welcome(one), welcome(two)]);
  expect(statuses).toEqual([200, 200]);
  expect(most).toBe(1);
  expect(workerLoads).toBeGreaterThan(0);

  // The session was not revoked: one more reload restores it.
  await one.reload();
  await welcome(one);
  expect(statuses.every((s) => s === 200)).toBe(true);
  expect(errors).toEqual([]);
  await context.close();
});
