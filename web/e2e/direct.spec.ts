/**
 * Direct messages (issue 14), at 1366 px and at 375 px: Alice finds Bob
 * with "New message", starts their conversation and writes; Bob, in a
 * browser of his own, sees it appear live under "Direct messages" named
 * after her, opens it and answers; both see each other's messages live.
 * The conversation's header names the other person and offers no group
 * actions. Screenshots light and dark.
 */
import { expect as baseExpect, test, type Locator, type Page } from '@playwright/test';
import { apiAs, groupWith } from './chatApi';
import { collectErrors } from './console';
import { newUser, registerVerified, signIn } from './users';
import { shots } from './shots';

const expect = baseExpect.configure({ timeout: 20_000 });

function messages(page: Page): Locator {
  return page.getByRole('list', { name: /^Messages in / });
}

async function send(page: Page, text: string): Promise<void> {
  const box = page.getByRole('textbox', { name: 'Message' });
  await box.fill(text);
  await box.press('Enter');
}

for (const [label, viewport] of [['desktop', { width: 1366, height: 800 }], ['phone', { width: 375, height: 812 }]] as const) {
  test.describe(`at ${viewport.width} px (${label})`, () => {
    test.use({ viewport });

    test('alice finds bob, starts a direct conversation, and both chat live', async ({ browser, baseURL }, testInfo) => {
      test.setTimeout(180_000);
      if (!baseURL) throw new Error('no baseURL: run through playwright.config.ts');
      const alice = newUser('alice');
      const bob = newUser('bob');
      await Promise.all([registerVerified(baseURL, alice), registerVerified(baseURL, bob)]);
      const [asA, asB] = await Promise.all([apiAs(baseURL, alice), apiAs(baseURL, bob)]);
      // A group too, so that the sidebar shows both sections.
      const tag = alice.username.slice(-4);
      await groupWith(asB, [asA], `Team ${tag}`);

      const ctxA = await browser.newContext({ baseURL, viewport });
      const ctxB = await browser.newContext({ baseURL, viewport });
      const a = await ctxA.newPage();
      const b = await ctxB.newPage();
      const errorsA = collectErrors(a);
      const errorsB = collectErrors(b);
      await Promise.all([signIn(a, alice), signIn(b, bob)]);
      const bobsDirects = b.getByRole('list', { name: 'Direct messages' });
      await expect(b.getByRole('link', { name: new RegExp(`Team ${tag}`) })).toBeVisible();
      await expect(bobsDirects).toHaveCount(0);

      await test.step('Alice finds Bob with New message and opens the conversation', async () => {
        await a.getByRole('button', { name: 'New message' }).click();
        const dialog = a.getByRole('dialog', { name: 'New message' });
        await dialog.getByRole('combobox', { name: 'Search people by name' }).fill(bob.username);
        const option = dialog.getByRole('option', { name: new RegExp(bob.username) });
        await expect(option).toContainText('Message');
        await a.mouse.move(0, 0);
        await shots(dialog, a, testInfo, `direct-new-${viewport.width}`);
        await option.click();
        await expect(dialog).toBeHidden();
        await expect(a.getByRole('heading', { level: 1, name: bob.username })).toBeVisible();
        await expect(a.getByText(`Say hello to ${bob.username}.`)).toBeVisible();
        // No group actions in a direct conversation.
        await expect(a.getByRole('button', { name: 'Add people' })).toHaveCount(0);
        await expect(a.getByRole('button', { name: 'Members' })).toHaveCount(0);
        await expect(a.getByRole('button', { name: 'Group settings' })).toHaveCount(0);
        await send(a, 'Hi Bob, just the two of us');
        await expect(messages(a).getByText('Hi Bob, just the two of us')).toBeVisible();
        await expect(messages(a).getByText(`This is the start of your conversation with ${bob.username}.`)).toBeVisible();
      });

      await test.step('Bob sees it appear live under Direct messages, named after Alice', async () => {
        const link = bobsDirects.getByRole('link', { name: new RegExp(alice.username) });
        await expect(link).toBeVisible();
        await expect(link.locator('.grouplist-name')).toHaveText(alice.username);
        await expect(b.getByRole('list', { name: 'Your groups' }).getByRole('link', { name: new RegExp(alice.username) })).toHaveCount(0);
        await expect(link.getByLabel('1 unread')).toBeVisible();
        await b.mouse.move(0, 0);
        await shots(b.getByRole('navigation', { name: 'Groups' }), b, testInfo, `direct-sidebar-${viewport.width}`);
        await link.click();
        await expect(b.getByRole('heading', { level: 1, name: alice.username })).toBeVisible();
        await expect(messages(b).getByText('Hi Bob, just the two of us')).toBeVisible();
      });

      await test.step('both chat live', async () => {
        await send(b, 'Hello Alice, got it');
        await expect(messages(a).getByText('Hello Alice, got it')).toBeVisible();
        await send(a, 'Great, see you at six');
        await expect(messages(b).getByText('Great, see you at six')).toBeVisible();
        await b.mouse.move(0, 0);
        await shots(b, b, testInfo, `direct-conversation-${viewport.width}`);
        if (label === 'desktop') {
          // Alice's sidebar lists it too, opened.
          const mine = a.getByRole('list', { name: 'Direct messages' }).getByRole('link', { name: new RegExp(bob.username) });
          await expect(mine).toHaveAttribute('aria-current', 'page');
        }
      });

      await test.step('starting it again (from Bob, via the members of the group) opens the same conversation', async () => {
        const url = b.url();
        if (label === 'phone') await b.getByRole('link', { name: 'Back to groups' }).click();
        await b.getByRole('link', { name: new RegExp(`Team ${tag}`) }).click();
        await b.getByRole('button', { name: '2 members' }).click();
        const dialog = b.getByRole('dialog', { name: 'Members' });
        await dialog.getByRole('button', { name: `Message ${alice.username}` }).click();
        await expect(dialog).toBeHidden();
        await expect(b.getByRole('heading', { level: 1, name: alice.username })).toBeVisible();
        await expect(messages(b).getByText('Great, see you at six')).toBeVisible();
        expect(b.url()).toBe(url);
        if (label === 'desktop') await expect(bobsDirects.getByRole('link')).toHaveCount(1);
      });

      expect(errorsA).toEqual([]);
      expect(errorsB).toEqual([]);
      await Promise.all([ctxA.close(), ctxB.close(), asA.api.dispose(), asB.api.dispose()]);
    });
  });
}
