/**
 * The conversation as a new user meets it (issue 13, "Found"), each at a
 * desktop width and at 375 px: the phone's separate screens, a composer
 * pinned at the bottom, opening at the newest message, one's own send
 * landing at the bottom, Esc closing dialogs, the image viewer and
 * thumbnails, links and markdown.
 */
import { expect as baseExpect, test, type Locator, type Page } from '@playwright/test';
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { apiAs, type Api } from './chatApi';
import { collectErrors } from './console';
import { noisyGradientPng } from './png';
import { resultsDir } from './server';
import { newUser, registerVerified, signIn } from './users';
import { shot } from './shots';

/** A shared machine can be slow: wait on conditions longer than the default. */
const expect = baseExpect.configure({ timeout: 20_000 });

const desktop = { width: 1366, height: 800 };
const phone = { width: 375, height: 812 };


const auth = (a: Api) => ({ Authorization: `Bearer ${a.token}` });

/** A creates a group and B joins it. */
async function groupOf(a: Api, b: Api, name: string): Promise<string> {
  const created = await a.api.post('/api/v1/groups', { data: { name }, headers: auth(a) });
  expect(created.status(), await created.text()).toBe(201);
  const groupId = ((await created.json()) as { id: string }).id;
  const invite = await a.api.post(`/api/v1/groups/${groupId}/invites`, { data: { userId: b.id }, headers: auth(a) });
  expect(invite.status(), await invite.text()).toBe(201);
  const inviteId = ((await invite.json()) as { id: string }).id;
  const accepted = await b.api.post(`/api/v1/invites/${inviteId}/accept`, { headers: auth(b) });
  expect(accepted.status(), await accepted.text()).toBe(200);
  return groupId;
}

async function post(as: Api, groupId: string, text: string, attachments: { key: string }[] = []): Promise<void> {
  const res = await as.api.post(`/api/v1/groups/${groupId}/messages`, {
    data: { clientMsgId: randomUUID(), text, ...(attachments.length ? { attachments } : {}) },
    headers: auth(as),
  });
  expect(res.status(), await res.text()).toBe(201);
}

/** Uploads PNGs the way the browser does (declared upload, then PUT) and returns their keys. */
async function upload(as: Api, groupId: string, files: { name: string; body: Buffer }[]): Promise<{ key: string }[]> {
  const res = await as.api.post(`/api/v1/groups/${groupId}/uploads`, {
    data: { files: files.map((f) => ({ name: f.name, size: f.body.length, contentType: 'image/png' })) },
    headers: auth(as),
  });
  expect(res.status(), await res.text()).toBe(201);
  const slots = ((await res.json()) as { items: { key: string; url: string; method: string; headers: Record<string, string> }[] }).items;
  for (const [i, slot] of slots.entries()) {
    const put = await as.api.fetch(slot.url, {
      method: slot.method,
      data: files[i]?.body,
      headers: { 'Content-Type': 'image/png', ...slot.headers },
    });
    expect(put.status(), await put.text()).toBeLessThan(300);
  }
  return slots.map((s) => ({ key: s.key }));
}

function messages(page: Page): Locator {
  return page.getByRole('list', { name: /^Messages in / });
}

function message(page: Page, text: string): Locator {
  return messages(page).getByRole('listitem').filter({ hasText: text });
}

function scroller(page: Page): Locator {
  return page.locator('.chat-scroller');
}

/** How far the conversation is scrolled up from its bottom, in px. */
function distanceFromBottom(page: Page): Promise<number> {
  return scroller(page).evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight);
}

async function send(page: Page, text: string): Promise<void> {
  const box = page.getByRole('textbox', { name: 'Message' });
  await box.fill(text);
  await box.press('Enter');
  await expect(box).toHaveValue('');
}

/** The number of lines an element's text takes (its text only, not its icons). */
function lineCount(el: Element): number {
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  const tops: number[] = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if ((n.textContent ?? '').trim() === '') continue;
    const range = document.createRange();
    range.selectNodeContents(n);
    for (const r of Array.from(range.getClientRects())) {
      if (r.width > 0 && !tops.some((t) => Math.abs(t - r.top) < r.height / 2)) tops.push(r.top);
    }
  }
  return tops.length;
}

const longText = (n: number) =>
  `Message ${n}: a longer line of chat so that the conversation is taller than the screen, as real ones are.\nAnd a second line.`;

for (const [label, viewport] of [['desktop', desktop], ['phone', phone]] as const) {
  test.describe(`at ${viewport.width} px (${label})`, () => {
    test.use({ viewport });

    test('layout: screens, composer at the bottom, newest message first, own sends land at the bottom', async ({ browser, baseURL }, testInfo) => {
      test.setTimeout(240_000);
      if (!baseURL) throw new Error('no baseURL: run through playwright.config.ts');
      const alice = newUser('alice');
      const bob = newUser('bob');
      await Promise.all([registerVerified(baseURL, alice), registerVerified(baseURL, bob)]);
      const [asA, asB] = await Promise.all([apiAs(baseURL, alice), apiAs(baseURL, bob)]);
      const tag = alice.username.slice(-4);
      const longName = `Long talk ${tag}`;
      const shortName = `Short talk ${tag}`;
      const longId = await groupOf(asA, asB, longName);
      const shortId = await groupOf(asA, asB, shortName);
      for (let i = 1; i <= 24; i++) await post(asB, longId, longText(i));
      await post(asB, shortId, 'Just two messages here');
      await post(asB, shortId, 'The second one');

      const ctx = await browser.newContext({ baseURL, viewport });
      const page = await ctx.newPage();
      const errors = collectErrors(page);
      await signIn(page, alice);
      const nav = page.getByRole('navigation', { name: 'Groups' });
      const back = page.getByRole('link', { name: 'Back to groups' });
      const composer = page.getByRole('form', { name: 'Write a message' });

      await test.step('opening a group shows the conversation at its newest message', async () => {
        await nav.getByRole('link', { name: new RegExp(longName) }).click();
        await expect(page.getByRole('heading', { level: 1, name: longName })).toBeVisible();
        await expect(message(page, 'Message 24:')).toBeInViewport();
        await expect(message(page, 'Message 1:')).not.toBeInViewport();
        await expect.poll(() => distanceFromBottom(page)).toBeLessThan(4);
        if (label === 'phone') {
          // The list is a screen of its own: gone while the group shows, back with the back button.
          await expect(nav).toBeHidden();
          await expect(back).toBeVisible();
        } else {
          await expect(nav).toBeVisible();
          await expect(back).toBeHidden();
        }
      });

      await test.step('the page does not scroll; the composer is pinned at its bottom', async () => {
        const doc = await page.evaluate(() => ({ scroll: document.documentElement.scrollHeight, inner: window.innerHeight, wide: document.documentElement.scrollWidth - document.documentElement.clientWidth }));
        expect(doc.scroll, 'page height').toBeLessThanOrEqual(doc.inner);
        expect(doc.wide, 'horizontal overflow').toBeLessThanOrEqual(0);
        const box = await composer.boundingBox();
        expect(box).not.toBeNull();
        expect((box?.y ?? 0) + (box?.height ?? 0)).toBeLessThanOrEqual(viewport.height);
        expect((box?.y ?? 0) + (box?.height ?? 0)).toBeGreaterThan(viewport.height - 24);
        // Sized to the visual viewport (what an on-screen keyboard shrinks).
        const app = await page.evaluate(() => ({
          app: document.querySelector('.app')?.getBoundingClientRect().height ?? 0,
          visual: window.visualViewport?.height ?? 0,
        }));
        expect(Math.abs(app.app - app.visual)).toBeLessThanOrEqual(1);
      });

      await test.step('the composer: focused on open (with a mouse), a counter near the limit, nothing cut, paste attaches', async () => {
        const box = page.getByRole('textbox', { name: 'Message' });
        if (label === 'desktop') await expect(box).toBeFocused();
        await box.fill('x'.repeat(3_990));
        await expect(composer).toContainText('3,990 / 4,000');
        await box.fill('y'.repeat(4_010));
        await expect(box).toHaveValue('y'.repeat(4_010));
        await expect(composer).toContainText('10 characters too long');
        await expect(page.getByRole('button', { name: 'Send' })).toBeDisabled();
        await box.fill('');
        await expect(composer).not.toContainText('/ 4,000');
        await box.evaluate((el) => {
          const png = Uint8Array.from(atob('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=='), (c) => c.charCodeAt(0));
          const data = new DataTransfer();
          data.items.add(new File([png], 'pasted.png', { type: 'image/png' }));
          el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
        });
        const tray = page.getByRole('list', { name: 'Attached files' });
        await expect(tray).toContainText('pasted.png');
        await tray.getByRole('button', { name: 'Remove pasted.png' }).click();
        await expect(tray).toBeHidden();
      });

      await test.step('one\'s own text lands at the bottom, even when scrolled up', async () => {
        await scroller(page).evaluate((el) => el.scrollTo({ top: 0 }));
        await expect(message(page, 'Message 24:')).not.toBeInViewport();
        await send(page, 'Hello from the top of the history');
        await expect(message(page, 'Hello from the top of the history')).toBeInViewport();
        await expect.poll(() => distanceFromBottom(page)).toBeLessThan(4);
      });

      await test.step('delete for everyone asks first', async () => {
        const mine = message(page, 'Hello from the top of the history');
        await mine.hover();
        await mine.getByRole('button', { name: 'Message actions' }).click();
        await page.getByRole('menuitem', { name: 'Delete for everyone' }).click();
        const confirm = page.getByRole('dialog', { name: 'Delete for everyone?' });
        await expect(confirm).toContainText('Hello from the top of the history');
        await confirm.getByRole('button', { name: 'Cancel' }).click();
        await expect(confirm).toBeHidden();
        await expect(mine).toBeVisible();
      });

      await test.step('one\'s own image lands at the bottom once it has loaded', async () => {
        const picture = testInfo.outputPath('wide.png');
        await writeFile(picture, noisyGradientPng(800, 400, 5));
        await scroller(page).evaluate((el) => el.scrollTo({ top: 0 }));
        await page.getByLabel('Choose files to attach').setInputFiles(picture);
        await page.getByRole('textbox', { name: 'Message' }).fill('A wide picture');
        await page.getByRole('button', { name: 'Send' }).click();
        const img = message(page, 'A wide picture').getByRole('img', { name: 'wide.png' });
        await expect.poll(() => img.evaluate((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth), { timeout: 20_000 }).toBe(800);
        await expect(img).toBeInViewport();
        await expect.poll(() => distanceFromBottom(page)).toBeLessThan(4);
      });

      await test.step('screenshots: light and dark', async () => {
        await expect(message(page, 'A wide picture')).toBeInViewport();
        await page.mouse.move(0, 0);
        await shot(page, testInfo, `conversation-${viewport.width}-light`);
        await page.emulateMedia({ colorScheme: 'dark' });
        await shot(page, testInfo, `conversation-${viewport.width}-dark`);
        await page.emulateMedia({ colorScheme: 'light' });
      });

      await test.step('a short conversation sits at the bottom, next to the composer', async () => {
        if (label === 'phone') {
          await back.click();
          await expect(nav).toBeVisible();
          await expect(page).toHaveURL(/\/$/);
        }
        await nav.getByRole('link', { name: new RegExp(shortName) }).click();
        await expect(message(page, 'The second one')).toBeVisible();
        const gap = await page.evaluate(() => {
          const s = document.querySelector('.chat-scroller')?.getBoundingClientRect();
          const items = document.querySelectorAll('.chat-list > li');
          const last = items[items.length - 1]?.getBoundingClientRect();
          return s && last ? s.bottom - last.bottom : Infinity;
        });
        expect(gap, 'space under the last message').toBeLessThan(48);
      });

      expect(errors).toEqual([]);
      await Promise.all([asA.api.dispose(), asB.api.dispose(), ctx.close()]);
    });

    test('dialogs: Esc closes after the focused control went away; they fit the screen', async ({ browser, baseURL }, testInfo) => {
      test.setTimeout(240_000);
      if (!baseURL) throw new Error('no baseURL: run through playwright.config.ts');
      const alice = newUser('alice');
      const bob = newUser('bob');
      await Promise.all([registerVerified(baseURL, alice), registerVerified(baseURL, bob)]);
      const [asA, asB] = await Promise.all([apiAs(baseURL, alice), apiAs(baseURL, bob)]);
      const groupName = `Dialog crew ${alice.username.slice(-4)}`;
      const groupId = await groupOf(asA, asB, groupName);
      const granted = await asA.api.patch(`/api/v1/groups/${groupId}/members/${asB.id}`, {
        data: { rights: { addMembers: true, removeMembers: true, deleteMessages: true, muteMembers: true } },
        headers: auth(asA),
      });
      expect(granted.status(), await granted.text()).toBe(200);

      const ctx = await browser.newContext({ baseURL, viewport });
      const page = await ctx.newPage();
      const errors = collectErrors(page);
      await signIn(page, alice);

      await test.step('profile: Esc closes after "Change password"', async () => {
        await page.getByRole('button', { name: 'Edit profile' }).click();
        const dialog = page.getByRole('dialog', { name: 'Profile' });
        await dialog.getByLabel('Current password').fill('not-my-password');
        await dialog.getByLabel('New password').fill('a-new-password-1');
        await dialog.getByRole('button', { name: 'Change password' }).click();
        await expect(dialog.getByText('Current password is wrong.')).toBeVisible();
        await expect.poll(() => dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
        await page.keyboard.press('Escape');
        await expect(dialog).toBeHidden();
      });

      await page.goto(`/g/${groupId}`);
      await expect(page.getByRole('heading', { level: 1, name: groupName })).toBeVisible();
      const dialog = page.getByRole('dialog', { name: 'Members' });

      await test.step('members: chips and buttons on one line, nothing wider than the screen', async () => {
        await page.getByRole('button', { name: '2 members' }).click();
        const row = dialog.getByRole('listitem', { name: bob.username });
        await expect(row.getByLabel('Rights held')).toContainText('Mute in calls');
        await row.getByRole('button', { name: `Manage ${bob.username}` }).click();
        await expect(row.getByRole('switch', { name: 'Add members' })).toBeVisible();
        const wrapped = await dialog.evaluate((d, countLines) => {
          const lines = new Function('el', `return (${countLines})(el)`) as (el: Element) => number;
          const bad: string[] = [];
          for (const el of Array.from(d.querySelectorAll('.chip, .role-badge, button, .toggle-label'))) {
            if ((el as HTMLElement).offsetParent === null) continue;
            if (lines(el) > 1) bad.push(`${el.className}: ${el.textContent ?? ''}`);
          }
          if (d.scrollWidth > d.clientWidth) bad.push(`dialog overflows by ${d.scrollWidth - d.clientWidth} px`);
          return bad;
        }, lineCount.toString());
        expect(wrapped).toEqual([]);
        await testInfo.attach(`members-${viewport.width}`, { body: await dialog.screenshot({ animations: 'disabled' }), contentType: 'image/png' });
        await dialog.screenshot({ path: join(resultsDir, `conversation-members-${viewport.width}.png`), animations: 'disabled' });
      });

      await test.step('members: Esc closes after removing a member, focus stays in the dialog', async () => {
        const row = dialog.getByRole('listitem', { name: bob.username });
        await row.getByRole('button', { name: `Remove ${bob.username}`, exact: true }).click();
        await row.getByRole('button', { name: `Remove ${bob.username} from the group` }).click();
        await expect(dialog.getByText(`${bob.username} was removed from the group.`)).toBeVisible();
        await expect(dialog.getByRole('listitem', { name: bob.username })).toHaveCount(0);
        await expect.poll(() => dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
        await page.keyboard.press('Escape');
        await expect(dialog).toBeHidden();
      });

      await test.step('a message sent offline waits, then goes out on reconnect', async () => {
        await ctx.setOffline(true);
        await expect(page.getByRole('status').filter({ hasText: 'Reconnecting…' })).toBeVisible();
        await send(page, 'Written in a tunnel');
        const waiting = messages(page).getByRole('listitem', { name: 'Waiting for the connection' });
        await expect(waiting).toContainText('Written in a tunnel');
        await expect(messages(page).getByRole('listitem', { name: 'Not sent' })).toHaveCount(0);
        await ctx.setOffline(false);
        await expect(message(page, 'Written in a tunnel')).toHaveAccessibleName(/^You at /, { timeout: 20_000 });
        await page.reload();
        await expect(message(page, 'Written in a tunnel')).toHaveAccessibleName(/^You at /);
      });

      expect(errors.filter((e) => !/ERR_INTERNET_DISCONNECTED|WebSocket connection to|ERR_NETWORK_CHANGED/.test(e))).toEqual([]);
      await Promise.all([asA.api.dispose(), asB.api.dispose(), ctx.close()]);
    });

    test('images: thumbnails at their aspect ratio, a grid, space reserved, the viewer', async ({ browser, baseURL }, testInfo) => {
      test.setTimeout(240_000);
      if (!baseURL) throw new Error('no baseURL: run through playwright.config.ts');
      const alice = newUser('alice');
      const bob = newUser('bob');
      await Promise.all([registerVerified(baseURL, alice), registerVerified(baseURL, bob)]);
      const [asA, asB] = await Promise.all([apiAs(baseURL, alice), apiAs(baseURL, bob)]);
      const groupName = `Photo crew ${alice.username.slice(-4)}`;
      const groupId = await groupOf(asA, asB, groupName);
      await post(asB, groupId, 'Read **this** first: https://example.com/guide. <img src=x onerror="window.hacked=1"> [x](javascript:alert(1))');
      const pair = await upload(asB, groupId, [
        { name: 'beach.png', body: noisyGradientPng(600, 300, 1) },
        { name: 'tower.png', body: noisyGradientPng(200, 400, 2) },
      ]);
      await post(asB, groupId, 'Two from the trip', pair);
      const one = await upload(asB, groupId, [{ name: 'sunset.png', body: noisyGradientPng(640, 360, 3) }]);
      await post(asB, groupId, 'And the sunset', one);

      const ctx = await browser.newContext({ baseURL, viewport });
      const page = await ctx.newPage();
      const errors = collectErrors(page);
      await signIn(page, alice);
      await page.goto(`/g/${groupId}`);
      const sunset = message(page, 'And the sunset').getByRole('img', { name: 'sunset.png' });
      const thumb = message(page, 'And the sunset').getByRole('link', { name: 'Open sunset.png' });

      await test.step('links open in a new tab; markdown renders; markup stays text', async () => {
        const text = message(page, 'Read');
        await expect(text.locator('strong')).toHaveText('this');
        const link = text.getByRole('link', { name: 'https://example.com/guide' });
        await expect(link).toHaveAttribute('href', 'https://example.com/guide');
        await expect(link).toHaveAttribute('target', '_blank');
        await expect(link).toHaveAttribute('rel', 'noopener noreferrer');
        await expect(text).toContainText('<img src=x onerror="window.hacked=1">');
        await expect(text).toContainText('[x](javascript:alert(1))');
        await expect(text.getByRole('link')).toHaveCount(1);
        await expect(text.locator('img')).toHaveCount(0);
        expect(await page.evaluate(() => (window as unknown as { hacked?: number }).hacked)).toBeUndefined();
      });

      await test.step('a lone thumbnail has the image\'s aspect ratio; several make a grid', async () => {
        await expect.poll(() => sunset.evaluate((el) => (el as HTMLImageElement).naturalWidth), { timeout: 20_000 }).toBe(640);
        const box = await thumb.boundingBox();
        expect(box).not.toBeNull();
        expect((box?.width ?? 0) / (box?.height ?? 1)).toBeCloseTo(640 / 360, 1);
        expect(box?.width ?? 0).toBeLessThanOrEqual(320);
        const grid = message(page, 'Two from the trip').locator('.msg-image-grid');
        await expect(grid.getByRole('img')).toHaveCount(2);
        const tiles = await grid.getByRole('link').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().top));
        expect(tiles[0]).toBe(tiles[1]);
      });

      await test.step('after a reload, the box is reserved before the image loads (no jump)', async () => {
        const before = await thumb.boundingBox();
        let release: () => void = () => {};
        const held = new Promise<void>((r) => (release = r));
        await page.route(
          (url) => url.pathname.includes('/files/') || url.searchParams.has('sig') || url.searchParams.has('X-Amz-Signature'),
          async (route) => {
            if (route.request().resourceType() === 'image') await held;
            await route.continue();
          },
        );
        await page.reload();
        const box = () =>
          message(page, 'And the sunset')
            .locator('.msg-image')
            .evaluate((el) => {
              const r = el.getBoundingClientRect();
              const img = el.querySelector('img');
              return { width: r.width, height: r.height, loaded: img?.complete === true && img.naturalWidth > 0 };
            });
        await expect.poll(async () => (await box()).width).toBeGreaterThan(0);
        const reserved = await box();
        expect(reserved.loaded, 'the image is held back').toBe(false);
        expect(Math.abs((reserved?.width ?? 0) - (before?.width ?? 0))).toBeLessThanOrEqual(1);
        expect(Math.abs((reserved?.height ?? 0) - (before?.height ?? 0))).toBeLessThanOrEqual(1);
        release();
        await expect.poll(() => sunset.evaluate((el) => (el as HTMLImageElement).naturalWidth), { timeout: 20_000 }).toBe(640);
        const after = await thumb.boundingBox();
        expect(Math.abs((after?.height ?? 0) - (reserved?.height ?? 0))).toBeLessThanOrEqual(1);
        await page.unrouteAll({ behavior: 'ignoreErrors' });
      });

      await test.step('a click opens the viewer, not a download; ← → move through the conversation\'s images', async () => {
        let downloads = 0;
        page.on('download', () => downloads++);
        await thumb.click();
        const viewer = page.getByRole('dialog', { name: 'sunset.png' });
        await expect(viewer).toBeVisible();
        await expect(viewer).toContainText('3 of 3');
        await expect(viewer.getByRole('img', { name: 'sunset.png' })).toBeVisible();
        await expect(viewer.getByRole('button', { name: 'Next image' })).toHaveCount(0);
        await shot(page, testInfo, `conversation-viewer-${viewport.width}`);
        await viewer.getByRole('button', { name: 'Previous image' }).click();
        await expect(page.getByRole('dialog', { name: 'tower.png' })).toContainText('2 of 3');
        await page.keyboard.press('ArrowLeft');
        const first = page.getByRole('dialog', { name: 'beach.png' });
        await expect(first).toContainText('1 of 3');
        await page.keyboard.press('ArrowRight');
        await expect(page.getByRole('dialog', { name: 'tower.png' })).toBeVisible();
        expect(downloads).toBe(0);
      });

      await test.step('zoom and download in the viewer; Esc closes it and focus returns', async () => {
        const viewer = page.getByRole('dialog', { name: 'tower.png' });
        const img = viewer.getByRole('img', { name: 'tower.png' });
        await expect.poll(() => img.evaluate((el) => (el as HTMLImageElement).naturalWidth), { timeout: 20_000 }).toBe(200);
        const fitted = (await img.boundingBox())?.width ?? 0;
        await viewer.getByRole('button', { name: 'Zoom in' }).click();
        await expect(viewer.getByRole('button', { name: 'Fit to screen' })).toHaveAttribute('aria-pressed', 'true');
        await expect.poll(async () => (await img.boundingBox())?.width ?? 0).toBeGreaterThan(fitted * 1.5);
        await viewer.getByRole('button', { name: 'Fit to screen' }).click();
        await expect.poll(async () => (await img.boundingBox())?.width ?? 0).toBeCloseTo(fitted, 0);
        const download = viewer.getByRole('link', { name: 'Download tower.png' });
        await expect(download).toHaveAttribute('download', 'tower.png');
        await expect(download).toHaveAttribute('href', /.+/);
        await page.keyboard.press('Escape');
        await expect(viewer).toBeHidden();
        await expect(thumb).toBeFocused();
      });

      expect(errors).toEqual([]);
      await Promise.all([asA.api.dispose(), asB.api.dispose(), ctx.close()]);
    });
  });
}

/** Posts over the API and returns the message's id (replies and mentions as the contract has them). */
async function postMessage(as: Api, groupId: string, text: string, extra: { replyToId?: string; mentions?: string[] } = {}): Promise<string> {
  const res = await as.api.post(`/api/v1/groups/${groupId}/messages`, {
    data: { clientMsgId: randomUUID(), text, ...extra },
    headers: auth(as),
  });
  expect(res.status(), await res.text()).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

/** The message whose own text (not a quote of it) contains this. */
function said(page: Page, text: string): Locator {
  return messages(page).getByRole('listitem').filter({ has: page.locator('.msg-text', { hasText: text }) });
}

/** Hovers a message and opens one of its menu's actions. */
async function menuAction(page: Page, item: Locator, action: string): Promise<void> {
  await item.hover();
  await item.getByRole('button', { name: 'Message actions' }).click();
  await page.getByRole('menuitem', { name: action }).click();
}

for (const [label, viewport] of [['desktop', desktop], ['phone', phone]] as const) {
  test.describe(`features at ${viewport.width} px (${label})`, () => {
    test.use({ viewport });

    test('edit, replies, reactions and mentions work live between two browsers and survive a reload', async ({ browser, baseURL }, testInfo) => {
      test.setTimeout(300_000);
      if (!baseURL) throw new Error('no baseURL: run through playwright.config.ts');
      const alice = newUser('alice');
      const bob = newUser('bob');
      await Promise.all([registerVerified(baseURL, alice), registerVerified(baseURL, bob)]);
      const [asA, asB] = await Promise.all([apiAs(baseURL, alice), apiAs(baseURL, bob)]);
      const groupName = `Hike ${alice.username.slice(-4)}`;
      const groupId = await groupOf(asA, asB, groupName);
      const otherName = `Elsewhere ${alice.username.slice(-4)}`;
      await groupOf(asA, asB, otherName);
      // An old question (beyond the first page), a long history, then bob's API reply to it.
      const question = await postMessage(asA, groupId, 'Where shall we meet on Saturday?');
      // (Both write it: one user's sends are limited to 30 per 10 s.)
      for (let i = 1; i <= 54; i++) await post(i % 2 ? asB : asA, groupId, `Trail note ${i}`);
      await postMessage(asB, groupId, 'At the old bridge, 10:00', { replyToId: question });
      await post(asA, groupId, 'Who brings the map?');

      const [ctxA, ctxB] = await Promise.all([browser.newContext({ baseURL, viewport }), browser.newContext({ baseURL, viewport })]);
      const [a, b] = await Promise.all([ctxA.newPage(), ctxB.newPage()]);
      const errorsA = collectErrors(a);
      const errorsB = collectErrors(b);
      await Promise.all([signIn(a, alice), signIn(b, bob)]);
      await Promise.all([a.goto(`/g/${groupId}`), b.goto(`/g/${groupId}`)]);
      await expect(said(a, 'Who brings the map?')).toBeVisible();
      await expect(said(b, 'Who brings the map?')).toBeVisible();

      await test.step('a quote jumps to its original, loading older history', async () => {
        await expect(said(a, 'Where shall we meet on Saturday?')).toHaveCount(0);
        const reply = said(a, 'At the old bridge');
        const quote = reply.getByRole('button', { name: `Reply to ${alice.username}: Where shall we meet on Saturday?. Show the original` });
        await expect(quote).toBeVisible();
        await quote.click();
        const original = said(a, 'Where shall we meet on Saturday?');
        await expect(original).toBeInViewport();
        await expect(original).toBeFocused();
        await expect(original).toHaveClass(/msg-highlight/);
      });

      await test.step('bob replies from the menu; alice sees the reply and its quote live', async () => {
        await menuAction(b, said(b, 'Who brings the map?'), 'Reply');
        const replying = b.getByRole('group', { name: `Replying to ${alice.username}` });
        await expect(replying).toContainText('Who brings the map?');
        await b.getByRole('textbox', { name: 'Message' }).fill("I'll bring the map");
        await shot(b, testInfo, `conversation-features-${viewport.width}-replying`);
        await send(b, "I'll bring the map");
        await expect(replying).toBeHidden();
        const live = said(a, "I'll bring the map");
        await expect(live.getByRole('button', { name: /^Reply to .*: Who brings the map\?/ })).toBeVisible();
      });

      await test.step('alice edits her last message with ↑; bob sees the new text, "(edited)" and the quote follow live', async () => {
        const box = a.getByRole('textbox', { name: 'Message' });
        await box.click();
        await box.press('ArrowUp');
        const editor = a.getByRole('textbox', { name: 'Edit message' });
        await expect(editor).toHaveValue('Who brings the map?');
        await editor.fill('Who brings the map and the compass?');
        await shot(a, testInfo, `conversation-features-${viewport.width}-editing`);
        await editor.press('Enter');
        await expect(editor).toBeHidden();
        const mine = said(a, 'Who brings the map and the compass?');
        await expect(mine.getByText('(edited)')).toHaveAttribute('title', /^Edited /);
        const theirs = said(b, 'Who brings the map and the compass?');
        await expect(theirs.getByText('(edited)')).toBeVisible();
        await expect(said(b, "I'll bring the map").locator('.msg-quote')).toContainText('Who brings the map and the compass?');
      });

      await test.step('reactions: added, counted, toggled and taken back, live both ways, with who reacted', async () => {
        const theirs = said(b, 'the compass?');
        await theirs.hover();
        await theirs.locator('.msg-actions').getByRole('button', { name: 'Add reaction' }).click();
        await expect(b.getByRole('dialog', { name: 'Add reaction' })).toBeVisible();
        await shot(b, testInfo, `conversation-features-${viewport.width}-picker`);
        await b.getByRole('dialog', { name: 'Add reaction' }).getByRole('button', { name: 'React with 👍' }).click();
        await expect(theirs.getByRole('button', { name: '👍 1: you' })).toHaveAttribute('aria-pressed', 'true');
        const mine = said(a, 'the compass?');
        const thumbs = mine.getByRole('button', { name: `👍 1: ${bob.username}` });
        await expect(thumbs).toHaveAttribute('aria-pressed', 'false');
        await expect(thumbs).toHaveAttribute('title', `${bob.username} reacted with 👍`);
        await thumbs.click();
        await expect(mine.getByRole('button', { name: `👍 2: ${bob.username} and you` })).toHaveAttribute('aria-pressed', 'true');
        await expect(theirs.getByRole('button', { name: `👍 2: ${alice.username} and you` })).toBeVisible();
        // A second emoji from the reactions row, then taken back.
        await mine.getByRole('group', { name: 'Reactions' }).getByRole('button', { name: 'Add reaction' }).click();
        await a.getByRole('dialog', { name: 'Add reaction' }).getByRole('button', { name: 'React with 🎉' }).click();
        await expect(theirs.getByRole('button', { name: `🎉 1: ${alice.username}` })).toBeVisible();
        await mine.getByRole('button', { name: '🎉 1: you' }).click();
        await expect(theirs.getByRole('button', { name: /^🎉/ })).toHaveCount(0);
        await expect(mine.getByRole('button', { name: /^🎉/ })).toHaveCount(0);
      });

      await test.step('a mention: autocomplete in the composer, a marker on the group while away, highlighted for bob', async () => {
        const nav = b.getByRole('navigation', { name: 'Groups' });
        // Away from the group (the socket stays): the list on a phone, another group on a desktop.
        if (label === 'phone') await b.getByRole('link', { name: 'Back to groups' }).click();
        else await nav.getByRole('link', { name: new RegExp(otherName) }).click();
        const link = nav.getByRole('link', { name: new RegExp(groupName) });
        await expect(link).toBeVisible();
        const box = a.getByRole('textbox', { name: 'Message' });
        await box.click();
        await box.pressSequentially(`Thanks @${bob.username.slice(0, 6)}`);
        const list = a.getByRole('listbox', { name: 'Members to mention' });
        await expect(list.getByRole('option')).toHaveCount(1);
        await expect(list.getByRole('option')).toContainText(bob.username);
        await shot(a, testInfo, `conversation-features-${viewport.width}-mentioning`);
        await box.press('Enter');
        await expect(box).toHaveValue(`Thanks @${bob.username} `);
        await box.pressSequentially('see you there');
        await box.press('Enter');
        await expect(box).toHaveValue('');
        await expect(said(a, 'see you there').locator('.mention')).toHaveText(`@${bob.username}`);
        await expect(link.locator('.grouplist-mention')).toBeVisible();
        await expect(link).toHaveAccessibleName(/mentioned you/);
        await shot(b, testInfo, `conversation-features-${viewport.width}-mention-marker`);
        await link.click();
        const mention = said(b, 'see you there');
        await expect(mention.locator('.mention-me')).toHaveText(`@${bob.username}`);
        await expect(mention).toHaveClass(/msg-mentions-me/);
        if (label === 'desktop') await expect(link.locator('.grouplist-mention')).toHaveCount(0);
      });

      await test.step('after a reload, all of it is still there', async () => {
        await Promise.all([a.reload(), b.reload()]);
        for (const p of [a, b]) {
          const edited = said(p, 'Who brings the map and the compass?');
          await expect(edited.getByText('(edited)')).toBeVisible();
          await expect(edited.getByRole('button', { name: /^👍 2: / })).toBeVisible();
          await expect(said(p, "I'll bring the map").locator('.msg-quote')).toContainText('Who brings the map and the compass?');
          await expect(said(p, 'At the old bridge').locator('.msg-quote')).toContainText('Where shall we meet on Saturday?');
          await expect(said(p, 'see you there').locator('.mention')).toHaveText(`@${bob.username}`);
        }
        await expect(said(b, 'see you there').locator('.mention-me')).toBeVisible();
        await expect(said(a, 'the compass?').getByRole('button', { name: /^👍 2: / })).toHaveAttribute('aria-pressed', 'true');
      });

      await test.step('screenshots: light and dark', async () => {
        for (const p of [a, b]) {
          await p.mouse.move(0, 0);
          await expect.poll(() => distanceFromBottom(p)).toBeLessThan(4);
        }
        await shot(b, testInfo, `conversation-features-${viewport.width}-light`);
        await b.emulateMedia({ colorScheme: 'dark' });
        await shot(b, testInfo, `conversation-features-${viewport.width}-dark`);
        await b.emulateMedia({ colorScheme: 'light' });
        await a.emulateMedia({ colorScheme: 'dark' });
        await shot(a, testInfo, `conversation-features-${viewport.width}-dark-author`);
        await a.emulateMedia({ colorScheme: 'light' });
      });

      expect(errorsA).toEqual([]);
      expect(errorsB).toEqual([]);
      await Promise.all([asA.api.dispose(), asB.api.dispose(), ctxA.close(), ctxB.close()]);
    });

    test('keyboard: the message list is one Tab stop with roving focus', async ({ browser, baseURL }) => {
      test.setTimeout(180_000);
      if (!baseURL) throw new Error('no baseURL: run through playwright.config.ts');
      const alice = newUser('alice');
      const bob = newUser('bob');
      await Promise.all([registerVerified(baseURL, alice), registerVerified(baseURL, bob)]);
      const [asA, asB] = await Promise.all([apiAs(baseURL, alice), apiAs(baseURL, bob)]);
      const groupId = await groupOf(asA, asB, `Keys ${alice.username.slice(-4)}`);
      for (const text of ['First of three', 'Second of three', 'Third of three']) await post(asB, groupId, text);

      const ctx = await browser.newContext({ baseURL, viewport });
      const page = await ctx.newPage();
      const errors = collectErrors(page);
      await signIn(page, alice);
      await page.goto(`/g/${groupId}`);
      const box = page.getByRole('textbox', { name: 'Message' });
      const [first, second, third] = ['First of three', 'Second of three', 'Third of three'].map((t) => said(page, t)) as [Locator, Locator, Locator];
      await expect(third).toBeVisible();
      await box.click();

      const attach = page.getByRole('button', { name: 'Attach files' });
      await test.step('Shift+Tab from the composer reaches the newest message; the list has one Tab stop', async () => {
        await box.press('Shift+Tab');
        await expect(attach).toBeFocused();
        await page.keyboard.press('Shift+Tab');
        await expect(third).toBeFocused();
        await expect(third).toHaveAccessibleName(new RegExp(`^${bob.username} at `));
        const stops = await messages(page).evaluate(
          (list) => Array.from(list.querySelectorAll<HTMLElement>('*')).filter((el) => el.tabIndex >= 0 && !(el as HTMLButtonElement).disabled).length,
        );
        expect(stops).toBe(1);
        // The next Tab stop is the composer's, not another message's button.
        await page.keyboard.press('Tab');
        await expect(attach).toBeFocused();
        await page.keyboard.press('Shift+Tab');
        await expect(third).toBeFocused();
      });

      await test.step('↑/↓/Home/End move between messages', async () => {
        await page.keyboard.press('ArrowUp');
        await expect(second).toBeFocused();
        await page.keyboard.press('Home');
        await expect(first).toBeFocused();
        await page.keyboard.press('ArrowDown');
        await expect(second).toBeFocused();
        await page.keyboard.press('End');
        await expect(third).toBeFocused();
      });

      await test.step('Enter opens the menu, Esc closes it back to the message, Esc again goes to the composer', async () => {
        await page.keyboard.press('ArrowUp');
        await page.keyboard.press('Enter');
        const menu = page.getByRole('menu', { name: 'Message actions' });
        await expect(menu.getByRole('menuitem', { name: 'Reply' })).toBeFocused();
        await page.keyboard.press('Escape');
        await expect(menu).toBeHidden();
        await expect(second).toBeFocused();
        await page.keyboard.press('Escape');
        await expect(box).toBeFocused();
      });

      await test.step('Reply from the keyboard: Enter, Enter, the quote is above the composer, Esc cancels it', async () => {
        await page.keyboard.press('Shift+Tab');
        await page.keyboard.press('Shift+Tab');
        await expect(second).toBeFocused();
        await page.keyboard.press('Enter');
        await page.keyboard.press('Enter');
        const replying = page.getByRole('group', { name: `Replying to ${bob.username}` });
        await expect(replying).toContainText('Second of three');
        await expect(box).toBeFocused();
        await page.keyboard.press('Escape');
        await expect(replying).toBeHidden();
      });

      expect(errors).toEqual([]);
      await Promise.all([asA.api.dispose(), asB.api.dispose(), ctx.close()]);
    });
  });
}
