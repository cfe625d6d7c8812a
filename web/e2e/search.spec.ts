/**
 * Message search (issue 14), at 1366 px and 375 px: Bob presses "/" (or
 * Ctrl+K), types a word, sees the message Alice wrote long ago with the
 * word highlighted, and clicking the result opens the group scrolled to
 * that message (older pages loaded), highlighted. Screenshots light and dark.
 */
import { expect as baseExpect, test } from '@playwright/test';
import { apiAs, groupWith, postText } from './chatApi';
import { collectErrors } from './console';
import { newUser, registerVerified, signIn } from './users';
import { shots } from './shots';

const expect = baseExpect.configure({ timeout: 20_000 });

for (const [label, viewport] of [['desktop', { width: 1366, height: 800 }], ['phone', { width: 375, height: 812 }]] as const) {
  test.describe(`at ${viewport.width} px (${label})`, () => {
    test.use({ viewport });

    test('search finds a message and jumps to it in its conversation', async ({ browser, baseURL }, testInfo) => {
      test.setTimeout(240_000);
      if (!baseURL) throw new Error('no baseURL: run through playwright.config.ts');
      const alice = newUser('alice');
      const bob = newUser('bob');
      await Promise.all([registerVerified(baseURL, alice), registerVerified(baseURL, bob)]);
      const [asA, asB] = await Promise.all([apiAs(baseURL, alice), apiAs(baseURL, bob)]);
      const tag = alice.username.slice(-4);
      const name = `Search ${tag}`;
      const groupId = await groupWith(asA, [asB], name);
      const word = `zebra${tag}`;
      await postText(asA, groupId, `The ${word}crossing checklist is <b>ready</b> for review`);
      // Enough after it that it is not on the first page of the conversation
      // (both write: one user's sends are limited to 30 per 10 s).
      for (let i = 1; i <= 52; i++) await postText(i % 2 ? asB : asA, groupId, `Filler message ${i}`);

      const ctx = await browser.newContext({ baseURL, viewport });
      const b = await ctx.newPage();
      const errors = collectErrors(b);
      await signIn(b, bob);

      const box = b.getByRole('combobox', { name: 'Search messages' });
      const option = b.getByRole('listbox', { name: 'Messages found' }).getByRole('option');
      await test.step('"/" focuses the search; the result shows its group and the word highlighted', async () => {
        await b.locator('body').click({ position: { x: 5, y: 300 } });
        await b.keyboard.press('/');
        await expect(box).toBeFocused();
        // Indexing may take a moment: search again until it is found.
        await expect
          .poll(async () => {
            await box.fill('');
            await box.fill(word);
            await b.waitForTimeout(800);
            return option.count();
          }, { timeout: 30_000, intervals: [500, 1_000, 2_000] })
          .toBe(1);
        await expect(option).toContainText(name);
        await expect(option).toContainText('<b>ready</b>');
        await expect(option.locator('mark')).toHaveText(`${word}crossing`);
        await shots(b, b, testInfo, `search-results-${viewport.width}`);
      });

      await test.step('Esc closes; Ctrl+K opens it again', async () => {
        await b.keyboard.press('Escape');
        await expect(option).toHaveCount(0);
        await box.blur();
        await b.keyboard.press('Control+k');
        await expect(box).toBeFocused();
        await expect(option).toHaveCount(1);
      });

      await test.step('clicking it opens the conversation at the message, highlighted', async () => {
        await option.click();
        await expect(b.getByRole('heading', { level: 1, name })).toBeVisible();
        const list = b.getByRole('list', { name: `Messages in ${name}` });
        const target = list.getByRole('listitem').filter({ hasText: `${word}crossing checklist` });
        await expect(target).toBeVisible();
        await expect(target).toHaveClass(/msg-highlight/);
        await expect(target).toBeInViewport();
        await expect(list.getByText('Filler message 52')).not.toBeInViewport();
        await b.mouse.move(0, 0);
        await shots(b, b, testInfo, `search-jump-${viewport.width}`);
      });

      expect(errors).toEqual([]);
      await Promise.all([ctx.close(), asA.api.dispose(), asB.api.dispose()]);
    });
  });
}
