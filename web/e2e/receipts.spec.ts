/**
 * Read receipts (issue 14) between two browsers: Alice writes,
 * Bob opens the group, and "Seen by bob" appears under her message live;
 * Bob turns his receipts off in the profile, and her next message, read
 * by him, stays unseen for her. Screenshots at 1366 and 375 px, light and dark.
 */
import { expect as baseExpect, test } from '@playwright/test';
import { join } from 'node:path';
import { apiAs, groupWith } from './chatApi';
import { collectErrors } from './console';
import { resultsDir } from './server';
import { newUser, registerVerified, signIn } from './users';

const expect = baseExpect.configure({ timeout: 20_000 });

test.use({ viewport: { width: 1366, height: 800 } });

test('seen by: live when the other reads, and not once he stops sharing', async ({ browser, baseURL }, testInfo) => {
  test.setTimeout(180_000);
  if (!baseURL) throw new Error('no baseURL: run through playwright.config.ts');
  const alice = newUser('alice');
  const bob = newUser('bob');
  await Promise.all([registerVerified(baseURL, alice), registerVerified(baseURL, bob)]);
  const [asA, asB] = await Promise.all([apiAs(baseURL, alice), apiAs(baseURL, bob)]);
  const name = `Receipts ${alice.username.slice(-4)}`;
  const groupId = await groupWith(asA, [asB], name);

  const [ctxA, ctxB] = await Promise.all([browser.newContext({ baseURL }), browser.newContext({ baseURL })]);
  const [a, b] = await Promise.all([ctxA.newPage(), ctxB.newPage()]);
  const errors = [collectErrors(a), collectErrors(b)];
  await Promise.all([signIn(a, alice), signIn(b, bob)]);
  await a.goto(`/g/${groupId}`);
  const box = a.getByRole('textbox', { name: 'Message' });
  const seen = a.locator('.chat-seen');

  await test.step('Bob reads: "Seen by bob" under her message, live', async () => {
    await box.fill('Did you get the tickets?');
    await box.press('Enter');
    await expect(a.getByRole('list', { name: `Messages in ${name}` }).getByText('Did you get the tickets?')).toBeVisible();
    await expect(seen).toHaveCount(0);
    await b.getByRole('link', { name: new RegExp(name) }).click();
    await expect(b.getByRole('list', { name: `Messages in ${name}` }).getByText('Did you get the tickets?')).toBeVisible();
    await expect(seen.locator('.chat-seen-text')).toHaveText(`Seen by ${bob.username}`);
    // His face, named on hover and for screen readers.
    await expect(a.getByRole('note', { name: `Seen by ${bob.username}` })).toBeVisible();
    await expect(seen.locator('.chat-seen-face')).toHaveAttribute('title', bob.username);
    await a.mouse.move(0, 0);
    for (const width of [1366, 375]) {
      await a.setViewportSize({ width, height: width === 375 ? 740 : 800 });
      for (const scheme of ['light', 'dark'] as const) {
        await a.emulateMedia({ colorScheme: scheme });
        const path = join(resultsDir, `receipts-seen-${width}-${scheme}.png`);
        await a.screenshot({ path, animations: 'disabled' });
        await testInfo.attach(`receipts-seen-${width}-${scheme}`, { path, contentType: 'image/png' });
      }
    }
    await a.emulateMedia({ colorScheme: 'light' });
    await a.setViewportSize({ width: 1366, height: 800 });
  });

  await test.step('Bob stops sharing: her next message, read by him, is not seen', async () => {
    await b.getByRole('button', { name: bob.username }).click();
    await b.getByRole('menuitem', { name: 'Profile' }).click();
    const profile = b.getByRole('dialog', { name: 'Profile' });
    const share = profile.getByRole('checkbox', { name: /Let others see when I have read/ });
    await expect(share).toBeChecked();
    await share.uncheck();
    await expect(share).not.toBeChecked();
    await expect(share).toBeEnabled();
    await profile.getByRole('button', { name: 'Done' }).click();
    await box.fill('And the hotel?');
    await box.press('Enter');
    const list = b.getByRole('list', { name: `Messages in ${name}` });
    await expect(list.getByText('And the hotel?')).toBeVisible();
    // His cursor moved (he reads it), but she is not told.
    await expect.poll(async () => {
      const res = await asB.api.get('/api/v1/read-state', { headers: { Authorization: `Bearer ${asB.token}` } });
      const items = ((await res.json()) as { items: { groupId: string; unread: number }[] }).items;
      return items.find((i) => i.groupId === groupId)?.unread;
    }).toBe(0);
    await a.waitForTimeout(1_500);
    await expect(seen).toHaveCount(0);
    await a.reload();
    await expect(a.getByRole('list', { name: `Messages in ${name}` }).getByText('And the hotel?')).toBeVisible();
    await a.waitForTimeout(1_000);
    await expect(seen).toHaveCount(0);
  });

  for (const e of errors) expect(e).toEqual([]);
  await Promise.all([ctxA.close(), ctxB.close(), asA.api.dispose(), asB.api.dispose()]);
});
