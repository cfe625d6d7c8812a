import { expect, test } from '@playwright/test';
import { groupOf } from './api';
import { collectErrors } from './console';
import { newUser, registerVerified, signIn } from './users';

// Messages written offline wait in the outbox and go out on reconnect. A
// long queue sent at once went over the server's frame rate (20 a second
// beyond a burst of 40): the server closed the socket (4008), the client
// reconnected and sent the rest. Now it goes out in batches over the one
// connection, every message once and in order.
test('45 messages written offline all go out on reconnect, in order, over one connection', async ({ browser, baseURL }) => {
  test.setTimeout(120_000);
  if (!baseURL) throw new Error('no baseURL: run through playwright.config.ts');
  const alice = newUser('queue');
  const bob = newUser('reader');
  await Promise.all([registerVerified(baseURL, alice), registerVerified(baseURL, bob)]);
  const name = `Tunnel ${alice.username.slice(-4)}`;
  const groupId = await groupOf(baseURL, alice, [bob], name);

  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  const errors = collectErrors(page);
  await signIn(page, alice);
  await page.goto(`/g/${groupId}`);
  const list = page.getByRole('list', { name: `Messages in ${name}` });
  await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();

  await context.setOffline(true);
  await expect(page.getByRole('status').filter({ hasText: 'Reconnecting…' })).toBeVisible();
  const texts = Array.from({ length: 45 }, (_, i) => `Offline line ${String(i + 1).padStart(2, '0')}`);
  const box = page.getByRole('textbox', { name: 'Message' });
  for (const text of texts) {
    await box.fill(text);
    await box.press('Enter');
    await expect(box).toHaveValue('');
  }
  await expect(list.getByRole('listitem', { name: 'Waiting for the connection' })).toHaveCount(45);

  let sockets = 0;
  page.on('websocket', () => sockets++);
  await context.setOffline(false);
  await expect(list.getByRole('listitem', { name: /^You at / }).filter({ hasText: 'Offline line' })).toHaveCount(45, { timeout: 30_000 });
  await expect(list.getByRole('listitem', { name: /Waiting for the connection|Sending|Not sent/ })).toHaveCount(0);
  expect(sockets).toBe(1);

  // Stored once each, in the order written (the history after a reload).
  await page.reload();
  await expect(list.getByRole('listitem').filter({ hasText: 'Offline line' })).toHaveCount(45);
  const shown = await list.getByRole('listitem').filter({ hasText: 'Offline line' }).allInnerTexts();
  expect(shown.map((t) => /Offline line \d\d/.exec(t)?.[0])).toEqual(texts);
  expect(errors.filter((e) => !/ERR_INTERNET_DISCONNECTED|WebSocket connection to|ERR_NETWORK_CHANGED/.test(e))).toEqual([]);
  await context.close();
});
