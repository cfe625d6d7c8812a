import { expect, test, type Page } from '@playwright/test';
import { collectErrors } from './console';
import { newUser, registerVerified, signIn } from './users';

/**
 * Issue 12 defect 11: on a plain-HTTP install the browser has no
 * navigator.locks (a secure-context API), and two tabs that refreshed the
 * session at once rotated the same cookie twice: the server took the second
 * for reuse and signed the user out. Here navigator.locks is removed, as on
 * such an origin, and two tabs reload at the same moment: their refreshes
 * must not overlap (the SharedWorker arbiter of session/lock.ts serialises
 * them; the localStorage lock it replaced let both through now and then on
 * busy cores), both stay signed in, and the session survives a later reload.
 */
test('two tabs reloading at once on an origin without navigator.locks both stay signed in', async ({ browser, baseURL }) => {
  test.setTimeout(60_000);
  if (!baseURL) throw new Error('no baseURL: run through playwright.config.ts');
  const user = newUser('tabs');
  await registerVerified(baseURL, user);

  const context = await browser.newContext({ baseURL });
  await context.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, 'locks', { get: () => undefined, configurable: true });
  });
  // Every refresh is held for a moment so that overlapping ones would
  // show: the route counts how many are in flight at once.
  let inFlight = 0;
  let most = 0;
  const statuses: number[] = [];
  await context.route('**/api/v1/auth/refresh', async (route) => {
    inFlight++;
    most = Math.max(most, inFlight);
    try {
      await new Promise((ok) => setTimeout(ok, 300));
      const response = await route.fetch();
      statuses.push(response.status());
      await route.fulfill({ response });
    } finally {
      inFlight--;
    }
  });

  // The arbiter is a SharedWorker: its script must load (were it refused,
  // the tabs would fall back to the localStorage lock unnoticed).
  let workerLoads = 0;
  context.on('request', (r) => {
    if (/\/assets\/lock\.worker-[^/]*\.js$/.test(new URL(r.url()).pathname)) workerLoads++;
  });

  const one = await context.newPage();
  const errors = collectErrors(one);
  expect(await one.evaluate(() => (navigator as { locks?: unknown }).locks)).toBeUndefined();
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
