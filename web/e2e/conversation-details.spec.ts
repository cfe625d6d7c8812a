/**
 * The details of issue 13's findings 6 and 7 that the other specs do not
 * hold, at 1366 px and at 375 px: the marker at the start of a
 * conversation's history, one time per run of messages with the full date
 * on hover, WCAG AA contrast of the small text as the browser renders it
 * in light and dark, and emoji drawn in colour.
 */
import { expect as baseExpect, test, type Locator, type Page } from '@playwright/test';
import { join } from 'node:path';
import { apiAs, groupWith, postText } from './chatApi';
import { collectErrors } from './console';
import { resultsDir } from './server';
import { newUser, registerVerified, signIn } from './users';

const expect = baseExpect.configure({ timeout: 20_000 });

function messages(page: Page): Locator {
  return page.getByRole('list', { name: /^Messages in / });
}

function message(page: Page, text: string): Locator {
  return messages(page).getByRole('listitem').filter({ hasText: text });
}

interface LowContrast {
  text: string;
  ratio: number;
  size: number;
}

/**
 * Every visible piece of text on the page whose contrast with what is
 * behind it is under WCAG AA: 4.5:1 for small text, 3:1 for large (24 px,
 * or 18.66 px bold). The background is found by walking up to the first
 * opaque colour, compositing the translucent ones on the way; a gradient
 * counts with its worst colour stop.
 */
function lowContrast(page: Page): Promise<LowContrast[]> {
  return page.evaluate(() => {
    type RGBA = [number, number, number, number];
    const parse = (s: string): RGBA[] =>
      [...s.matchAll(/rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)/g)].map((m) => [
        Number(m[1]),
        Number(m[2]),
        Number(m[3]),
        m[4] === undefined ? 1 : Number(m[4]),
      ]);
    const over = (top: RGBA, under: RGBA): RGBA => {
      const a = top[3];
      return [top[0] * a + under[0] * (1 - a), top[1] * a + under[1] * (1 - a), top[2] * a + under[2] * (1 - a), 1];
    };
    const lum = (c: RGBA) => {
      const f = (v: number) => {
        const x = v / 255;
        return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
    };
    const ratio = (a: RGBA, b: RGBA) => {
      const [l1, l2] = [lum(a), lum(b)].sort((x, y) => y - x) as [number, number];
      return (l1 + 0.05) / (l2 + 0.05);
    };
    /** The possible colours behind el: one, or one per stop of a gradient on the way. */
    const backgrounds = (el: Element | null): RGBA[] => {
      const layers: RGBA[][] = [];
      for (let e = el; e; e = e.parentElement) {
        const cs = getComputedStyle(e);
        const stops = cs.backgroundImage.includes('gradient') ? parse(cs.backgroundImage) : [];
        const color = parse(cs.backgroundColor)[0] ?? [0, 0, 0, 0];
        if (stops.length) layers.push(stops);
        if (color[3] > 0) layers.push([color]);
        if (color[3] >= 1) break;
      }
      let out: RGBA[] = [[255, 255, 255, 1]];
      for (const layer of layers.reverse()) out = layer.flatMap((top) => out.map((under) => over(top, under)));
      return out;
    };
    const found: LowContrast[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const text = (n.textContent ?? '').trim();
      const el = n.parentElement;
      if (!text || !el) continue;
      const range = document.createRange();
      range.selectNodeContents(n);
      const box = range.getBoundingClientRect();
      const cs = getComputedStyle(el);
      if (box.width === 0 || box.height === 0 || cs.visibility !== 'visible' || Number(cs.opacity) === 0) continue;
      if (box.bottom < 0 || box.top > innerHeight || box.right < 0 || box.left > innerWidth) continue;
      // Only emoji, or text of an inactive control (WCAG's exception).
      if (!/[\p{L}\p{N}]/u.test(text) || el.closest('[disabled], [aria-disabled="true"]')) continue;
      const size = parseFloat(cs.fontSize);
      const bold = Number(cs.fontWeight) >= 700;
      const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
      const color = parse(cs.color)[0];
      if (!color) continue;
      const worst = Math.min(...backgrounds(el).map((bg) => ratio(over(color, bg), bg)));
      if (worst < need) found.push({ text: text.slice(0, 40), ratio: Math.round(worst * 100) / 100, size });
    }
    return found;
  });
}

/** Whether `emoji`, drawn with the font of `el`, comes out in colour (not a black-and-white glyph). */
function drawnInColour(el: Locator, emoji: string): Promise<boolean> {
  return el.evaluate(async (node, e) => {
    const font = getComputedStyle(node).font;
    await document.fonts.load(font, e);
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = 64;
    const ctx = canvas.getContext('2d');
    if (!ctx) return false;
    ctx.font = font.replace(/\d+(\.\d+)?px/, '48px');
    ctx.textBaseline = 'top';
    ctx.fillStyle = '#000';
    ctx.fillText(e, 4, 4);
    const px = ctx.getImageData(0, 0, 64, 64).data;
    for (let i = 0; i < px.length; i += 4) {
      const [r, g, b, a] = [px[i] ?? 0, px[i + 1] ?? 0, px[i + 2] ?? 0, px[i + 3] ?? 0];
      if (a > 128 && Math.max(r, g, b) - Math.min(r, g, b) > 60) return true;
    }
    return false;
  }, emoji);
}

for (const [label, viewport] of [['desktop', { width: 1366, height: 800 }], ['phone', { width: 375, height: 812 }]] as const) {
  test.describe(`at ${viewport.width} px (${label})`, () => {
    test.use({ viewport });

    test('the start of the history, one time per run, AA contrast in light and dark, emoji in colour', async ({ browser, baseURL }, testInfo) => {
      if (!baseURL) throw new Error('no baseURL: run through playwright.config.ts');
      const alice = newUser('alice');
      const bob = newUser('bob');
      await Promise.all([registerVerified(baseURL, alice), registerVerified(baseURL, bob)]);
      const [asA, asB] = await Promise.all([apiAs(baseURL, alice), apiAs(baseURL, bob)]);
      const groupName = `Details ${alice.username.slice(-4)}`;
      const groupId = await groupWith(asA, [asB], groupName);
      await postText(asB, groupId, 'Bob opens the day 🎉');
      await postText(asB, groupId, 'and keeps talking');
      await postText(asA, groupId, 'Alice answers 👍');

      const ctx = await browser.newContext({ baseURL, viewport });
      const page = await ctx.newPage();
      const errors = collectErrors(page);
      await signIn(page, alice);
      await page.getByRole('navigation', { name: 'Groups' }).getByRole('link', { name: new RegExp(groupName) }).click();
      await expect(message(page, 'Alice answers')).toBeVisible();

      await test.step('the whole history is loaded: a marker says where it starts', async () => {
        const note = messages(page).getByRole('note');
        await expect(note).toHaveText(`This is the start of ${groupName}.`);
        // It comes before the first message.
        await expect(messages(page).locator(':scope > li').first()).toHaveAttribute('role', 'note');
      });

      await test.step('a run of one author\'s messages shows its time once; every bubble has the full date on hover', async () => {
        await expect(message(page, 'Bob opens the day').locator('time')).toHaveCount(0);
        await expect(message(page, 'and keeps talking').locator('time')).toHaveCount(1);
        await expect(message(page, 'Alice answers').locator('time')).toHaveCount(1);
        // The author's name heads the run, once.
        await expect(messages(page).getByText(bob.username, { exact: true })).toHaveCount(1);
        const year = String(new Date().getFullYear());
        for (const text of ['Bob opens the day', 'and keeps talking', 'Alice answers']) {
          await expect(message(page, text).locator('.msg-bubble')).toHaveAttribute('title', new RegExp(year));
        }
      });

      await test.step('small text meets WCAG AA, light and dark', async () => {
        await page.mouse.move(0, 0);
        for (const scheme of ['light', 'dark'] as const) {
          await page.emulateMedia({ colorScheme: scheme });
          // Hovering a message shows its actions: check that state too.
          await message(page, 'Bob opens the day').hover();
          expect(await lowContrast(page), `text under AA contrast (${scheme})`).toEqual([]);
          await page.mouse.move(0, 0);
          expect(await lowContrast(page), `text under AA contrast (${scheme})`).toEqual([]);
          const path = join(resultsDir, `conversation-details-${viewport.width}-${scheme}.png`);
          await page.screenshot({ path, animations: 'disabled' });
          await testInfo.attach(`conversation-details-${viewport.width}-${scheme}`, { path, contentType: 'image/png' });
        }
        await page.emulateMedia({ colorScheme: 'light' });
      });

      await test.step('emoji are drawn in colour in messages and the composer', async () => {
        expect(await drawnInColour(message(page, 'Bob opens the day').locator('.msg-text'), '🎉')).toBe(true);
        expect(await drawnInColour(page.getByRole('textbox', { name: 'Message' }), '👍')).toBe(true);
        // The check can fail: a font without colour glyphs draws black.
        expect(await drawnInColour(page.getByRole('textbox', { name: 'Message' }), 'A')).toBe(false);
      });

      expect(errors).toEqual([]);
      await Promise.all([asA.api.dispose(), asB.api.dispose(), ctx.close()]);
    });
  });
}
