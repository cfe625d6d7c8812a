/**
 * Presence (issue 14) between two browsers: Bob sees Alice online in the
 * members list, away when her tab is hidden (there, in their direct's
 * sidebar row and header too), online again when it shows, and offline a
 * few seconds after she closes it. Screenshots at 1366 and 375 px, light
 * and dark.
 */
import { expect as baseExpect, test, type Page } from '@playwright/test';
import { join } from 'node:path';
import { apiAs, auth, groupWith } from './chatApi';
import { collectErrors } from './console';
import { resultsDir } from './server';
import { newUser, registerVerified, signIn } from './users';

const expect = baseExpect.configure({ timeout: 20_000 });

/** What the browser does when the tab is hidden or shown again. */
async function setHidden(page: Page, hidden: boolean): Promise<void> {
  await page.evaluate((h) => {
    Object.defineProperty(document, 'visibilityState', { value: h ? 'hidden' : 'visible', configurable: true });
    Object.defineProperty(document, 'hidden', { value: h, configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
  }, hidden);
}

test.use({ viewport: { width: 1366, height: 800 } });

test('presence between two browsers: online, away, online, offline', async ({ browser, baseURL }, testInfo) => {
  test.setTimeout(180_000);
  if (!baseURL) throw new Error('no baseURL: run through playwright.config.ts');
  const alice = newUser('alice');
  const bob = newUser('bob');
  await Promise.all([registerVerified(baseURL, alice), registerVerified(baseURL, bob)]);
  const [asA, asB] = await Promise.all([apiAs(baseURL, alice), apiAs(baseURL, bob)]);
  const name = `Presence ${alice.username.slice(-4)}`;
  const groupId = await groupWith(asA, [asB], name);
  const started = await asB.api.post('/api/v1/direct', { data: { userId: asA.id }, headers: auth(asB) });
  expect(started.ok(), await started.text()).toBe(true);
  const directId = ((await started.json()) as { id: string }).id;

  const [ctxA, ctxB] = await Promise.all([browser.newContext({ baseURL }), browser.newContext({ baseURL })]);
  const [a, b] = await Promise.all([ctxA.newPage(), ctxB.newPage()]);
  const errors = collectErrors(b);
  await Promise.all([signIn(a, alice), signIn(b, bob)]);
  await b.goto(`/g/${groupId}`);
  await b.getByRole('button', { name: '2 members' }).click();
  const dialog = b.getByRole('dialog', { name: 'Members' });
  const aliceRow = dialog.getByRole('listitem', { name: alice.username });
  const bobRow = dialog.getByRole('listitem', { name: bob.username });

  await test.step('online', async () => {
    await expect(aliceRow.getByRole('img', { name: 'Online' })).toBeVisible();
    // His own dot: the server never tells him of himself, and here he is online.
    await expect(bobRow.getByRole('img', { name: 'Online' })).toBeVisible();
    for (const scheme of ['light', 'dark'] as const) {
      await b.emulateMedia({ colorScheme: scheme });
      const path = join(resultsDir, `presence-members-1366-${scheme}.png`);
      await dialog.screenshot({ path, animations: 'disabled' });
      await testInfo.attach(`presence-members-1366-${scheme}`, { path, contentType: 'image/png' });
    }
    await b.emulateMedia({ colorScheme: 'light' });
  });

  const dmRow = b.getByRole('list', { name: 'Direct messages' }).getByRole('link', { name: new RegExp(alice.username) });
  const dmHeader = b.locator('.groupview-header');

  await test.step('away while her tab is hidden: members list, direct row and header', async () => {
    await setHidden(a, true);
    await expect(aliceRow.getByRole('img', { name: 'Away' })).toBeVisible();
    await b.keyboard.press('Escape');
    await expect(dialog).toHaveCount(0);
    await b.goto(`/g/${directId}`);
    await expect(dmRow.getByRole('img', { name: 'Away' })).toBeVisible();
    await expect(dmHeader.getByRole('img', { name: 'Away' })).toBeVisible();
    await b.mouse.move(0, 0);
    for (const width of [1366, 375]) {
      await b.setViewportSize({ width, height: width === 375 ? 740 : 800 });
      for (const scheme of ['light', 'dark'] as const) {
        await b.emulateMedia({ colorScheme: scheme });
        const path = join(resultsDir, `presence-direct-away-${width}-${scheme}.png`);
        await b.screenshot({ path, animations: 'disabled' });
        await testInfo.attach(`presence-direct-away-${width}-${scheme}`, { path, contentType: 'image/png' });
      }
    }
    await b.emulateMedia({ colorScheme: 'light' });
    await b.setViewportSize({ width: 1366, height: 800 });
  });

  await test.step('online again when her tab shows', async () => {
    await setHidden(a, false);
    await expect(dmHeader.getByRole('img', { name: 'Online' })).toBeVisible();
    await expect(dmRow.getByRole('img', { name: 'Online' })).toBeVisible();
  });

  await test.step('offline a few seconds after she closes the app', async () => {
    await ctxA.close();
    await expect(dmHeader.getByRole('img', { name: 'Offline' })).toBeVisible({ timeout: 30_000 });
    await expect(dmRow.getByRole('img', { name: 'Offline' })).toBeVisible();
  });

  expect(errors).toEqual([]);
  await Promise.all([ctxB.close(), asA.api.dispose(), asB.api.dispose()]);
});
