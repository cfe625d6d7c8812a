/**
 * Desktop notifications (issue 14), with the permission granted to the
 * browser: a mention raises one (a plain message does not, by default, in
 * a group); choosing "All messages" for the group makes a plain message
 * raise one too; the group on screen raises none. The page's Notification
 * is wrapped to record what it shows (the real one still runs).
 */
import { expect as baseExpect, test, type Page } from '@playwright/test';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { apiAs, auth, groupWith, postText } from './chatApi';
import { collectErrors } from './console';
import { resultsDir } from './server';
import { newUser, registerVerified, signIn } from './users';

const expect = baseExpect.configure({ timeout: 20_000 });

type Note = { title: string; body: string };

async function notes(page: Page): Promise<Note[]> {
  return page.evaluate(() => (window as unknown as { __notes: Note[] }).__notes);
}

test.use({ viewport: { width: 1366, height: 800 } });

test('a mention raises a desktop notification; per-group level; none for the group on screen', async ({ browser, baseURL }, testInfo) => {
  test.setTimeout(180_000);
  if (!baseURL) throw new Error('no baseURL: run through playwright.config.ts');
  const alice = newUser('alice');
  const bob = newUser('bob');
  await Promise.all([registerVerified(baseURL, alice), registerVerified(baseURL, bob)]);
  const [asA, asB] = await Promise.all([apiAs(baseURL, alice), apiAs(baseURL, bob)]);
  const name = `Notify ${alice.username.slice(-4)}`;
  const groupId = await groupWith(asA, [asB], name);

  const ctx = await browser.newContext({ baseURL, permissions: ['notifications'] });
  await ctx.addInitScript(() => {
    const Real = window.Notification;
    const seen: { title: string; body: string }[] = [];
    (window as unknown as { __notes: typeof seen }).__notes = seen;
    class Recorder extends Real {
      constructor(title: string, options?: NotificationOptions) {
        super(title, options);
        seen.push({ title, body: options?.body ?? '' });
      }
    }
    window.Notification = Recorder;
  });
  const b = await ctx.newPage();
  const errors = collectErrors(b);
  await signIn(b, bob);
  const link = b.getByRole('link', { name: new RegExp(name) });
  await expect(link).toBeVisible();
  expect(await b.evaluate(() => Notification.permission)).toBe('granted');

  await test.step('a plain message in a group: nothing; a mention: a notification', async () => {
    await postText(asA, groupId, 'Just chatting here');
    await expect(link.getByLabel('1 unread')).toBeVisible();
    const res = await asA.api.post(`/api/v1/groups/${groupId}/messages`, {
      data: { clientMsgId: randomUUID(), text: `@${bob.username} can you check the map?`, mentions: [asB.id] },
      headers: auth(asA),
    });
    expect(res.status(), await res.text()).toBe(201);
    await expect.poll(() => notes(b)).toEqual([{ title: `${name}: you were mentioned`, body: `@${bob.username} can you check the map?` }]);
  });

  await test.step('"All messages" for the group: a plain message notifies too', async () => {
    await link.click();
    const picker = b.getByRole('combobox', { name: 'Notify me of' });
    await expect(picker).toHaveValue('mentions');
    await picker.selectOption('all');
    await b.mouse.move(0, 0);
    const path = join(resultsDir, 'notify-picker-1366-light.png');
    await b.locator('.groupview-header').screenshot({ path });
    await testInfo.attach('notify-picker-1366-light', { path, contentType: 'image/png' });
    await b.getByRole('link', { name: 'Parley home' }).click();
    await postText(asA, groupId, 'Lunch at noon?');
    await expect.poll(async () => (await notes(b)).length).toBe(2);
    expect((await notes(b))[1]).toEqual({ title: name, body: 'Lunch at noon?' });
  });

  await test.step('the level is kept in this browser; the group on screen raises none', async () => {
    await link.click();
    await expect(b.getByRole('combobox', { name: 'Notify me of' })).toHaveValue('all');
    await postText(asA, groupId, 'Seen while open');
    await expect(b.getByRole('list', { name: `Messages in ${name}` }).getByText('Seen while open')).toBeVisible();
    await b.waitForTimeout(500);
    expect(await notes(b)).toHaveLength(2);
    await b.reload();
    await expect(b.getByRole('combobox', { name: 'Notify me of' })).toHaveValue('all');
  });

  expect(errors).toEqual([]);
  await Promise.all([ctx.close(), asA.api.dispose(), asB.api.dispose()]);
});
