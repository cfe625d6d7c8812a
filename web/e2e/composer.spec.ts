/**
 * The composer's emoji picker and file tray (issue 13), at 1366 px and at
 * 375 px: the picker used by keyboard alone puts its emoji at the caret,
 * Esc gives focus back; chosen images show as thumbnails of themselves, the
 * tray never covers the last message, and while sending each file has its
 * progress bar beside its thumbnail. Screenshots light and dark.
 */
import { expect as baseExpect, test, type Locator, type Page } from '@playwright/test';
import { writeFile } from 'node:fs/promises';
import { apiAs, groupWith, postText } from './chatApi';
import { collectErrors } from './console';
import { noisyGradientPng } from './png';
import { newUser, registerVerified, signIn } from './users';
import { shot } from './shots';

const expect = baseExpect.configure({ timeout: 20_000 });

function message(page: Page, text: string): Locator {
  return page.getByRole('list', { name: /^Messages in / }).getByRole('listitem').filter({ hasText: text });
}

for (const [label, viewport] of [['desktop', { width: 1366, height: 800 }], ['phone', { width: 375, height: 812 }]] as const) {
  test.describe(`at ${viewport.width} px (${label})`, () => {
    test.use({ viewport });

    test('emoji picker by keyboard; image thumbnails in the tray, the last message in view', async ({ browser, baseURL }, testInfo) => {
      test.setTimeout(180_000);
      if (!baseURL) throw new Error('no baseURL: run through playwright.config.ts');
      const alice = newUser('alice');
      const bob = newUser('bob');
      await Promise.all([registerVerified(baseURL, alice), registerVerified(baseURL, bob)]);
      const [asA, asB] = await Promise.all([apiAs(baseURL, alice), apiAs(baseURL, bob)]);
      const name = `Emoji ${alice.username.slice(-4)}`;
      const groupId = await groupWith(asA, [asB], name);
      for (let i = 1; i <= 12; i++) await postText(asB, groupId, `Line ${i} of a conversation long enough to scroll, as real ones are.`);
      await postText(asB, groupId, 'The very last message');

      const ctx = await browser.newContext({ baseURL, viewport });
      const page = await ctx.newPage();
      const errors = collectErrors(page);
      await signIn(page, alice);
      await page.getByRole('navigation', { name: 'Groups' }).getByRole('link', { name: new RegExp(name) }).click();
      await expect(message(page, 'The very last message')).toBeInViewport();
      const box = page.getByRole('textbox', { name: 'Message' });
      const emojiButton = page.getByRole('button', { name: 'Emoji', exact: true });
      const picker = page.getByRole('dialog', { name: 'Choose an emoji' });

      await test.step('keyboard only: Tab to the smiley, search, ↓ into the grid, Enter puts the emoji at the caret', async () => {
        await box.focus();
        await box.fill('See you there');
        // The caret after "See you ".
        await box.evaluate((el: HTMLTextAreaElement) => el.setSelectionRange(8, 8));
        await page.keyboard.press('Tab');
        await expect(emojiButton).toBeFocused();
        await page.keyboard.press('Enter');
        await expect(picker).toBeVisible();
        const search = picker.getByRole('searchbox', { name: 'Search emoji' });
        await expect(search).toBeFocused();
        await page.keyboard.type('party popper');
        await page.keyboard.press('ArrowDown');
        await expect(picker.getByRole('button', { name: 'party popper' })).toBeFocused();
        await page.keyboard.press('Enter');
        await expect(picker).toBeHidden();
        await expect(box).toHaveValue('See you 🎉there');
        await expect(box).toBeFocused();
        expect(await box.evaluate((el: HTMLTextAreaElement) => el.selectionStart)).toBe(10);
      });

      await test.step('the arrows move through the grid; recently used comes first; Esc closes and focuses the smiley', async () => {
        await page.keyboard.press('End');
        await page.keyboard.press('Tab');
        await page.keyboard.press('Enter');
        await expect(picker).toBeVisible();
        const recent = picker.getByRole('group', { name: 'Recently used' });
        await expect(recent.getByRole('button')).toHaveCount(1);
        await page.keyboard.press('ArrowDown');
        await expect(recent.getByRole('button', { name: 'party popper' })).toBeFocused();
        // Down from the recent row: the first row of Smileys.
        await page.keyboard.press('ArrowDown');
        await page.keyboard.press('ArrowRight');
        await page.keyboard.press('ArrowRight');
        const smileys = picker.getByRole('group', { name: 'Smileys' });
        await expect(smileys.getByRole('button').nth(2)).toBeFocused();
        // Inside the window (a popover on a desktop, a bottom sheet on a phone).
        const rect = await picker.boundingBox();
        expect(rect).not.toBeNull();
        expect(rect?.x ?? -1).toBeGreaterThanOrEqual(0);
        expect(rect?.y ?? -1).toBeGreaterThanOrEqual(0);
        expect((rect?.x ?? 0) + (rect?.width ?? 0)).toBeLessThanOrEqual(viewport.width);
        expect((rect?.y ?? 0) + (rect?.height ?? 0)).toBeLessThanOrEqual(viewport.height);
        if (label === 'phone') {
          expect(rect?.width).toBe(viewport.width);
          expect(Math.round((rect?.y ?? 0) + (rect?.height ?? 0))).toBe(viewport.height);
        }
        await page.mouse.move(0, 0);
        await shot(page, testInfo, `composer-emoji-${viewport.width}-light`);
        await page.emulateMedia({ colorScheme: 'dark' });
        await shot(page, testInfo, `composer-emoji-${viewport.width}-dark`);
        await page.emulateMedia({ colorScheme: 'light' });
        await page.keyboard.press('Enter');
        await expect(picker).toBeHidden();
        await expect(box).toHaveValue('See you 🎉there😄');

        await emojiButton.click();
        await expect(picker).toBeVisible();
        await page.keyboard.press('Escape');
        await expect(picker).toBeHidden();
        await expect(emojiButton).toBeFocused();
        await expect(box).toHaveValue('See you 🎉there😄');
      });

      await test.step('sending it: the emoji arrive as text', async () => {
        await box.press('Enter');
        await expect(message(page, 'See you 🎉there😄')).toBeInViewport();
      });

      await test.step('chosen images show as thumbnails; the tray does not cover the last message', async () => {
        const files = await Promise.all(
          [1, 2, 3].map(async (i) => {
            const path = testInfo.outputPath(`photo-${i}.png`);
            await writeFile(path, noisyGradientPng(320 + i * 40, 240, i));
            return path;
          }),
        );
        const note = testInfo.outputPath('notes.txt');
        await writeFile(note, 'not an image');
        await page.getByLabel('Choose files to attach').setInputFiles([...files, note]);
        const tray = page.getByRole('list', { name: 'Attached files' });
        await expect(tray.getByRole('listitem')).toHaveCount(4);
        const thumbs = tray.locator('img.composer-file-thumb');
        await expect(thumbs).toHaveCount(3);
        for (let i = 0; i < 3; i++) {
          const t = thumbs.nth(i);
          await expect(t).toHaveAttribute('src', /^blob:/);
          await expect.poll(() => t.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth)).toBe(320 + (i + 1) * 40);
        }
        // The text file keeps its icon.
        await expect(tray.getByRole('listitem').filter({ hasText: 'notes.txt' }).locator('img')).toHaveCount(0);
        const last = message(page, 'See you 🎉there😄');
        await expect(last).toBeInViewport({ ratio: 1 });
        const lastBox = await last.boundingBox();
        const trayBox = await tray.boundingBox();
        expect(lastBox && trayBox).toBeTruthy();
        expect((lastBox?.y ?? 0) + (lastBox?.height ?? 0)).toBeLessThanOrEqual(trayBox?.y ?? 0);
        await page.mouse.move(0, 0);
        await shot(page, testInfo, `composer-tray-${viewport.width}-light`);
        await page.emulateMedia({ colorScheme: 'dark' });
        await shot(page, testInfo, `composer-tray-${viewport.width}-dark`);
        await page.emulateMedia({ colorScheme: 'light' });

        // Removing one: its object URL is let go, the others stay.
        const first = await thumbs.first().getAttribute('src');
        await tray.getByRole('button', { name: 'Remove photo-1.png' }).click();
        await expect(tray.getByRole('listitem')).toHaveCount(3);
        const gone = await page.evaluate(
          (u) =>
            new Promise<boolean>((done) => {
              const img = new Image();
              img.onload = () => done(false);
              img.onerror = () => done(true);
              img.src = u ?? '';
            }),
          first,
        );
        expect(gone, 'the removed thumbnail’s object URL is revoked').toBe(true);
        // That failed load is logged; it was the point.
        await expect.poll(() => errors.some((e) => e.includes('ERR_FILE_NOT_FOUND'))).toBe(true);
        errors.splice(0, errors.length, ...errors.filter((e) => !e.includes('ERR_FILE_NOT_FOUND')));
        await expect(last).toBeInViewport({ ratio: 1 });
      });

      await test.step('sending: a progress bar per file beside its thumbnail; the sent message lands at the bottom', async () => {
        const tray = page.getByRole('list', { name: 'Attached files' });
        const cdp = await ctx.newCDPSession(page);
        await cdp.send('Network.enable');
        await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 256 * 1024 });
        await box.fill('Three files');
        await page.getByRole('button', { name: 'Send' }).click();
        const bar = page.getByRole('progressbar', { name: 'Uploading photo-2.png' });
        await expect(bar).toBeVisible();
        await expect(page.getByRole('progressbar', { name: 'Uploading photo-3.png' })).toBeVisible();
        await expect(page.getByRole('progressbar', { name: 'Uploading notes.txt' })).toBeVisible();
        await expect(tray.getByRole('listitem').filter({ hasText: 'photo-2.png' }).locator('img.composer-file-thumb')).toBeVisible();
        await expect.poll(() => bar.evaluate((el: HTMLProgressElement) => el.value)).toBeGreaterThan(3);
        await expect(message(page, 'See you 🎉there😄')).toBeInViewport({ ratio: 1 });
        await page.mouse.move(0, 0);
        await shot(page, testInfo, `composer-uploading-${viewport.width}-light`);
        const sent = message(page, 'Three files');
        await expect(sent.getByRole('img', { name: 'photo-3.png' })).toBeVisible({ timeout: 60_000 });
        await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
        await cdp.detach();
        await expect(tray).toBeHidden();
        await expect(sent).toBeInViewport();
        await expect.poll(() => page.locator('.chat-scroller').evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight)).toBeLessThan(4);
      });

      expect(errors).toEqual([]);
      await ctx.close();
    });
  });
}
