/**
 * Unread state from the server (issue 14), at 1366 px: Bob reads a group
 * and leaves; Alice writes three messages (one mentions him); Bob signs in
 * again and sees the badge (3, the mention marked), the group in bold and
 * "(3) Parley" in the tab (and 3 on the favicon); opening the group shows the "New messages" line
 * above the first of them and marks them read, and his other session,
 * open meanwhile, loses its badge live (read.updated). Screenshots light
 * and dark.
 */
import { expect as baseExpect, test } from '@playwright/test';
import { apiAs, auth, groupWith, postText, type Api } from './chatApi';
import { collectErrors } from './console';
import { newUser, registerVerified, signIn } from './users';
import { shots } from './shots';

const expect = baseExpect.configure({ timeout: 20_000 });

async function readState(as: Api, groupId: string): Promise<{ lastReadSeq: number; lastSeq: number; unread: number }> {
  const res = await as.api.get('/api/v1/read-state', { headers: auth(as) });
  expect(res.status(), await res.text()).toBe(200);
  const body = (await res.json()) as { items: { groupId: string; lastReadSeq: number; lastSeq: number; unread: number }[] };
  const item = body.items.find((i) => i.groupId === groupId);
  if (!item) throw new Error('no read state for the group');
  return item;
}

test.use({ viewport: { width: 1366, height: 800 } });

test('unread badge, bold group, tab title and New messages line after signing back in; read on open, live in another session', async ({ browser, baseURL }, testInfo) => {
  test.setTimeout(180_000);
  if (!baseURL) throw new Error('no baseURL: run through playwright.config.ts');
  const alice = newUser('alice');
  const bob = newUser('bob');
  await Promise.all([registerVerified(baseURL, alice), registerVerified(baseURL, bob)]);
  const [asA, asB] = await Promise.all([apiAs(baseURL, alice), apiAs(baseURL, bob)]);
  const tag = alice.username.slice(-4);
  const name = `Unread ${tag}`;
  const groupId = await groupWith(asA, [asB], name);
  await groupWith(asA, [asB], `Quiet ${tag}`);
  for (let i = 1; i <= 4; i++) await postText(asA, groupId, `Earlier message ${i}`);

  await test.step('Bob reads the group, then leaves', async () => {
    const ctx = await browser.newContext({ baseURL });
    const page = await ctx.newPage();
    await signIn(page, bob);
    const link = page.getByRole('link', { name: new RegExp(name) });
    await expect(link.getByLabel('4 unread')).toBeVisible();
    await expect(page).toHaveTitle('(4) Parley');
    await link.click();
    await expect(page.getByRole('list', { name: `Messages in ${name}` }).getByText('Earlier message 4')).toBeVisible();
    await expect(page.getByRole('separator', { name: 'New messages' })).toBeVisible();
    await expect(link.getByLabel(/unread/)).toHaveCount(0);
    await expect(page).toHaveTitle('Parley');
    await expect.poll(async () => (await readState(asB, groupId)).unread, { timeout: 15_000 }).toBe(0);
    await ctx.close();
  });

  // Bob's other device, signed in all along, on his home page.
  const otherCtx = await browser.newContext({ baseURL });
  const other = await otherCtx.newPage();
  await signIn(other, bob);
  const errorsOther = collectErrors(other);

  await postText(asA, groupId, 'First new one');
  const mention = await asA.api.post(`/api/v1/groups/${groupId}/messages`, {
    data: { clientMsgId: crypto.randomUUID(), text: `@${bob.username} are you there?`, mentions: [asB.id] },
    headers: auth(asA),
  });
  expect(mention.status(), await mention.text()).toBe(201);
  await postText(asA, groupId, 'Third new one');
  await expect(other.getByRole('link', { name: new RegExp(name) }).getByLabel('3 unread')).toBeVisible();

  const ctx = await browser.newContext({ baseURL });
  const b = await ctx.newPage();
  const errors = collectErrors(b);
  await test.step('signing back in: the badge, the mention, bold, and the title', async () => {
    await signIn(b, bob);
    const link = b.getByRole('link', { name: new RegExp(name) });
    await expect(link.getByLabel('3 unread')).toBeVisible();
    await expect(link.getByLabel('mentioned you')).toBeVisible();
    await expect(link).toHaveAttribute('data-unread', 'true');
    await expect(b.getByRole('link', { name: new RegExp(`Quiet ${tag}`) })).not.toHaveAttribute('data-unread', 'true');
    const weight = await link.locator('.grouplist-name').evaluate((el) => Number(getComputedStyle(el).fontWeight));
    expect(weight).toBeGreaterThanOrEqual(700);
    await expect(b).toHaveTitle('(3) Parley');
    // The favicon carries the count too.
    const icon = b.locator('link[rel="icon"]');
    await expect(icon).toHaveAttribute('href', /^data:image\/svg\+xml,/);
    expect(decodeURIComponent((await icon.getAttribute('href')) ?? '')).toMatch(/>3<\/text><\/svg>\s*$/);
    await b.mouse.move(0, 0);
    await shots(b.getByRole('navigation', { name: 'Groups' }), b, testInfo, 'unread-sidebar-1366');
  });

  await test.step('opening the group: the New messages line above the first new one, then all read', async () => {
    await b.getByRole('link', { name: new RegExp(name) }).click();
    const list = b.getByRole('list', { name: `Messages in ${name}` });
    await expect(list.getByText('Third new one')).toBeVisible();
    const line = list.getByRole('separator', { name: 'New messages' });
    await expect(line).toBeVisible();
    // The line sits right before "First new one" and after "Earlier message 4".
    const order = await list.evaluate((ol) => {
      const texts = Array.from(ol.children).map((li) => (li.getAttribute('aria-label') === 'New messages' ? 'LINE' : (li.textContent ?? '')));
      return texts.findIndex((t) => t === 'LINE') - texts.findIndex((t) => t.includes('First new one'));
    });
    expect(order).toBe(-1);
    await b.mouse.move(0, 0);
    await shots(b, b, testInfo, 'unread-line-1366');
    await expect(b).toHaveTitle('Parley');
    await expect(b.locator('link[rel="icon"]')).toHaveAttribute('href', '/favicon.svg');
    await expect(b.getByRole('link', { name: new RegExp(name) }).getByLabel(/unread/)).toHaveCount(0);
    await expect.poll(async () => (await readState(asB, groupId)).unread, { timeout: 15_000 }).toBe(0);
  });

  await test.step('his other session loses the badge live (read.updated)', async () => {
    await expect(other.getByRole('link', { name: new RegExp(name) }).getByLabel(/unread/)).toHaveCount(0);
    await expect(other).toHaveTitle('Parley');
  });

  expect(errors).toEqual([]);
  expect(errorsOther).toEqual([]);
  await Promise.all([ctx.close(), otherCtx.close(), asA.api.dispose(), asB.api.dispose()]);
});
