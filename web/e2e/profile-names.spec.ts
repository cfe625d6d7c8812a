/**
 * Display names (issue 13), at 1366 px and at 375 px: Alice sets hers in
 * the profile; Bob, in a browser of his own, sees it on her messages and in
 * the members list (with @username beside it); she
 * sees it in her user menu. Then she clears it and goes back to her
 * username. Screenshots light and dark.
 */
import { expect as baseExpect, test, type Locator, type Page } from '@playwright/test';
import { apiAs, groupWith, postText } from './chatApi';
import { collectErrors } from './console';
import { newUser, refocus, registerVerified, signIn } from './users';
import { shots } from './shots';

const expect = baseExpect.configure({ timeout: 20_000 });

function messages(page: Page): Locator {
  return page.getByRole('list', { name: /^Messages in / });
}

for (const [label, viewport] of [['desktop', { width: 1366, height: 800 }], ['phone', { width: 375, height: 812 }]] as const) {
  test.describe(`at ${viewport.width} px (${label})`, () => {
    test.use({ viewport });

    test('a display name set in the profile shows to another member in the conversation and the members list', async ({ browser, baseURL }, testInfo) => {
      test.setTimeout(180_000);
      if (!baseURL) throw new Error('no baseURL: run through playwright.config.ts');
      const alice = newUser('alice');
      const bob = newUser('bob');
      await Promise.all([registerVerified(baseURL, alice), registerVerified(baseURL, bob)]);
      const [asA, asB] = await Promise.all([apiAs(baseURL, alice), apiAs(baseURL, bob)]);
      const tag = alice.username.slice(-4);
      const group = `Names ${tag}`;
      const groupId = await groupWith(asA, [asB], group);
      await postText(asA, groupId, 'Hello from Alice');
      await postText(asB, groupId, 'Hi Alice, Bob here');
      await postText(asA, groupId, 'Second line from Alice');
      const shown = `Alice Wonder ${tag} 🌷`;

      const ctxA = await browser.newContext({ baseURL, viewport });
      const ctxB = await browser.newContext({ baseURL, viewport });
      const a = await ctxA.newPage();
      const b = await ctxB.newPage();
      const errorsA = collectErrors(a);
      const errorsB = collectErrors(b);
      await Promise.all([signIn(a, alice), signIn(b, bob)]);

      await test.step('Bob first sees her username', async () => {
        await b.goto(`/g/${groupId}`);
        await expect(messages(b).getByText('Hello from Alice')).toBeVisible();
        await expect(messages(b).getByText(alice.username, { exact: true })).toHaveCount(2);
      });

      const profile = a.getByRole('dialog', { name: 'Profile' });
      await test.step('Alice sets a display name in her profile', async () => {
        await a.getByRole('button', { name: alice.username }).click();
        await a.getByRole('menuitem', { name: 'Profile' }).click();
        await expect(profile).toBeVisible();
        const field = profile.getByLabel('Display name');
        await expect(field).toHaveValue('');
        await expect(field).toHaveAttribute('placeholder', alice.username);
        await field.fill(`  ${shown}  `);
        await profile.getByRole('button', { name: 'Save name' }).click();
        await expect(profile.getByText(`Saved. Your groups see you as ${shown}.`)).toBeVisible();
        await expect(field).toHaveValue(shown);
        await expect(profile).toContainText(`Signed in as ${shown} (@${alice.username})`);
        await profile.getByLabel('Display name').scrollIntoViewIfNeeded();
        await a.mouse.move(0, 0);
        await shots(a, a, testInfo, `names-profile-${viewport.width}`);
        await profile.getByRole('button', { name: 'Done' }).click();
        await expect(profile).toBeHidden();
      });

      await test.step('her own user menu names her so, with @username inside', async () => {
        const menuButton = a.getByRole('button', { name: new RegExp(shown.slice(0, 12)) });
        if (label === 'desktop') {
          await expect(menuButton).toContainText(shown);
        }
        await menuButton.click();
        const menu = a.getByRole('menu', { name: 'Account' });
        await expect(menu).toContainText(shown);
        await expect(menu).toContainText(`@${alice.username}`);
        await a.keyboard.press('Escape');
      });

      await test.step('Bob sees it on her messages (no push for a new name: his app refetches on focus)', async () => {
        await expect
          .poll(async () => {
            await refocus(b);
            return messages(b).getByText(shown, { exact: true }).count();
          }, { timeout: 30_000, intervals: [500, 1_000, 2_000] })
          .toBeGreaterThan(0);
        // Both of her runs are named, and his own messages are not.
        await expect(messages(b).getByText(shown, { exact: true })).toHaveCount(2);
        await expect(messages(b).getByText(alice.username, { exact: true })).toHaveCount(0);
        await expect(messages(b).getByRole('listitem', { name: new RegExp(`^${shown} at `) }).first()).toBeVisible();
        await expect(messages(b).getByText(shown, { exact: true }).first()).toHaveAttribute('title', `@${alice.username}`);
        await b.mouse.move(0, 0);
        await shots(b, b, testInfo, `names-conversation-${viewport.width}`);
      });

      await test.step('and in the members list, with @username beside it', async () => {
        await b.getByRole('button', { name: '2 members' }).click();
        const dialog = b.getByRole('dialog', { name: 'Members' });
        const row = dialog.getByRole('listitem', { name: shown });
        await expect(row).toContainText(shown);
        await expect(row).toContainText(`@${alice.username}`);
        await expect(row).toContainText('Creator');
        // Bob has no display name: his row has no @ line.
        const own = dialog.getByRole('listitem', { name: bob.username });
        await expect(own).toBeVisible();
        await expect(own).not.toContainText('@');
        const overflow = await dialog.evaluate((d) => d.scrollWidth - d.clientWidth);
        expect(overflow).toBeLessThanOrEqual(0);
        await shots(dialog, b, testInfo, `names-members-${viewport.width}`);
        await b.keyboard.press('Escape');
        await expect(dialog).toBeHidden();
      });

      await test.step('clearing it brings her username back', async () => {
        await a.getByRole('button', { name: new RegExp(shown.slice(0, 12)) }).click();
        await a.getByRole('menuitem', { name: 'Profile' }).click();
        await profile.getByLabel('Display name').fill('');
        await profile.getByRole('button', { name: 'Save name' }).click();
        await expect(profile.getByText(`Cleared. Your groups see you as ${alice.username}.`)).toBeVisible();
        await profile.getByRole('button', { name: 'Done' }).click();
        await expect
          .poll(async () => {
            await refocus(b);
            return messages(b).getByText(alice.username, { exact: true }).count();
          }, { timeout: 30_000, intervals: [500, 1_000, 2_000] })
          .toBe(2);
        await expect(messages(b).getByText(shown, { exact: true })).toHaveCount(0);
      });

      expect(errorsA).toEqual([]);
      expect(errorsB).toEqual([]);
      await Promise.all([ctxA.close(), ctxB.close()]);
    });
  });
}
