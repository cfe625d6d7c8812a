import { expect, request, test, type Page } from '@playwright/test';
import { groupOf, login } from './api';
import { chromiumLaunchOptions, fakeMediaArgs } from './browser';
import { callPage, expectVideoPlaying, grid, inboundSize, outboundVideo, receivingMid, sentCallFrames, shot, tile } from './call';
import { collectErrors } from './console';
import { newUser, registerVerified, signIn, type TestUser } from './users';

// Three real Chromium peers (synthetic camera and microphone) against the
// real SFU: the camera goes out in three simulcast layers, each subscriber
// gets the layer its tile needs (view frames), the active speaker is
// highlighted, and the grid looks right at 1280 and 375 px, light and dark.
test.use({ launchOptions: chromiumLaunchOptions([...fakeMediaArgs, '--autoplay-policy=no-user-gesture-required']) });

async function openCall(page: Page, user: TestUser, groupId: string, groupName: string): Promise<void> {
  await signIn(page, user);
  await page.goto(`/g/${groupId}`);
  await expect(page.getByRole('heading', { level: 1, name: groupName })).toBeVisible();
}

test('three in a call: simulcast layers follow the tile size, the active speaker is highlighted; screenshots', async ({ browser, baseURL }, info) => {
  test.setTimeout(360_000);
  if (!baseURL) throw new Error('no baseURL: run through playwright.config.ts');
  const alice = newUser('alice');
  const bob = newUser('bob');
  const carol = newUser('carol');
  await Promise.all([registerVerified(baseURL, alice), registerVerified(baseURL, bob), registerVerified(baseURL, carol)]);
  const groupName = `Grid ${alice.username.slice(-4)}`;
  const groupId = await groupOf(baseURL, alice, [bob, carol], groupName);

  const [a, b, c] = (await Promise.all([0, 1, 2].map(() => callPage(browser, baseURL)))) as [Page, Page, Page];
  const contexts = [a, b, c].map((p) => p.context());
  const errors = [a, b, c].map(collectErrors);
  const viewsOfB = sentCallFrames(b);
  const speakersOfA: string[] = [];
  a.on('websocket', (ws) => {
    if (!ws.url().includes('/api/v1/calls/')) return;
    ws.on('framereceived', (f) => {
      const m = typeof f.payload === 'string' ? /^\{"type":"speaker","participantId":"([^"]+)"/.exec(f.payload) : null;
      if (m?.[1]) speakersOfA.push(m[1]);
    });
  });
  await Promise.all([openCall(a, alice, groupId, groupName), openCall(b, bob, groupId, groupName), openCall(c, carol, groupId, groupName)]);

  await test.step('A and B join with video, C with audio only (an avatar tile)', async () => {
    await a.getByRole('button', { name: 'Start a video call' }).click();
    await expect(a.getByText('Only you so far')).toBeVisible({ timeout: 60_000 }); // opening the fake devices is slow on a loaded machine
    await b.getByRole('region', { name: 'Call in progress' }).getByRole('button', { name: 'Join the call with video' }).click();
    await c.getByRole('region', { name: 'Call in progress' }).getByRole('button', { name: 'Join the call with audio only' }).click();
    await expect(a.getByText('3 in the call')).toBeVisible({ timeout: 60_000 });
    await expect(tile(a, carol.username)).toHaveAccessibleName(/camera off/);
    await expectVideoPlaying(tile(a, bob.username).locator('video'));
    await expectVideoPlaying(tile(b, alice.username).locator('video'));
  });

  await test.step('A publishes the camera in three layers (q, h, f)', async () => {
    // The SFU offered q;h;f and Chromium answered with them: one encoding per rid, at our ladder.
    const encodings = await a.evaluate(() => {
      const pcs = (window as unknown as { __pcs?: RTCPeerConnection[] }).__pcs ?? [];
      const t = pcs[pcs.length - 1]?.getTransceivers().find((x) => x.sender.track?.kind === 'video');
      return (t?.sender.getParameters().encodings ?? []).map((e) => ({ rid: e.rid, scale: e.scaleResolutionDownBy }));
    });
    expect(encodings).toEqual([
      { rid: 'q', scale: 4 },
      { rid: 'h', scale: 2 },
      { rid: 'f', scale: 1 },
    ]);
    expect((await outboundVideo(a)).map((l) => l.rid)).toEqual(['f', 'h', 'q']);
    // Which layers flow depends on the sender's bandwidth estimate and CPU (Chromium stops the upper
    // ones when limited, as on a loaded 2-core machine): q must, the others are reported.
    const first = await outboundVideo(a);
    const sent = (rid: string, l: Awaited<ReturnType<typeof outboundVideo>>) => l.find((x) => x.rid === rid)?.framesSent ?? 0;
    await expect.poll(async () => sent('q', await outboundVideo(a)) > sent('q', first), { timeout: 30_000, message: 'layer q sends frames' }).toBe(true);
    const byRid = Object.fromEntries((await outboundVideo(a)).map((l) => [l.rid, l]));
    console.log(`A's layers: ${JSON.stringify(byRid)}`);
    info.annotations.push({ type: 'layers', description: JSON.stringify(byRid) });
    expect(byRid['q']?.frameWidth).toBeGreaterThan(0);
  });

  await test.step('B receives the small layer while its tile of A is hidden, a larger one while it shows', async () => {
    const mid = await receivingMid(b, alice.username);
    const shown = async () => (await inboundSize(b, mid)).width;
    await expect.poll(shown, { timeout: 20_000, message: 'B decodes A' }).toBeGreaterThan(0);
    const qWidth = async () => (await outboundVideo(a)).find((l) => l.rid === 'q')?.frameWidth ?? 0;
    // The call collapsed to its bar: no tile, view 0 × 0, the lowest layer.
    await b.getByRole('button', { name: 'Show the chat (the call goes on)' }).click();
    await expect.poll(async () => (await shown()) <= (await qWidth()), { timeout: 20_000, message: 'the lowest layer while hidden' }).toBe(true);
    const hidden = await shown();
    await b.getByRole('region', { name: 'Your call' }).getByRole('button', { name: 'Open call' }).click();
    // The layers larger than the one B gets that A is sending now (frames sent within a second: the
    // stats keep the last width of a layer Chromium has stopped, as it does when CPU limited).
    const flowingUpper = async () => {
      const before = await outboundVideo(a);
      await a.waitForTimeout(1_000);
      return (await outboundVideo(a)).filter(
        (l) => l.rid !== 'q' && l.frameWidth > hidden && l.framesSent > (before.find((x) => x.rid === l.rid)?.framesSent ?? 0),
      );
    };
    // A larger layer reaches B once its tile shows, unless A stops sending every larger one; while one
    // flows the poll keeps waiting, so an SFU that does not switch up fails here.
    let switchedUp = false;
    await expect
      .poll(async () => (switchedUp = (await shown()) > hidden) || (await flowingUpper()).length === 0, {
        timeout: 20_000,
        message: 'a larger layer when shown again (while A sends one)',
      })
      .toBe(true);
    if (!switchedUp) {
      info.annotations.push({ type: 'layers', description: 'A sent only layer q (bandwidth or CPU limited): the switch up was not checked' });
    }
    console.log(`B receives A at ${hidden} px wide while hidden, ${await shown()} px while shown`);
    await expectVideoPlaying(tile(b, alice.username).locator('video'));
    // The views B sent: whole numbers, 0 × 0 when hidden, few of them.
    const views = viewsOfB.filter((f) => f['type'] === 'view');
    expect(views.length).toBeGreaterThan(0);
    expect(views.length).toBeLessThan(20);
    expect(views.some((v) => v['width'] === 0 && v['height'] === 0)).toBe(true);
    for (const v of views) expect(Number.isInteger(v['width']) && Number.isInteger(v['height'])).toBe(true);
  });

  await test.step('the active speaker, when the SFU names one, is highlighted', async () => {
    // Chromium's fake microphone beeps briefly once a second: its smoothed level mostly stays under
    // the SFU's -50 dBov, so a speaker frame may never come (the highlight is unit-tested).
    const speaker = speakersOfA.at(-1);
    if (speaker === undefined) {
      info.annotations.push({ type: 'speaker', description: 'no speaker frame arrived (fake microphones): highlight not checked here' });
      return;
    }
    await expect(grid(a).locator('[data-active-speaker="true"]')).toHaveCount(1);
    await expect(grid(a).locator(`[data-tile="${speaker}"]`)).toHaveAttribute('data-active-speaker', 'true');
  });

  await test.step('screenshots: 1280 × 800 and 375 × 812, light and dark', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      await a.emulateMedia({ colorScheme: scheme });
      await a.setViewportSize({ width: 1280, height: 800 });
      await expect(grid(a).getByRole('listitem')).toHaveCount(3);
      await shot(a, `call3-1280-${scheme}`);
      await a.setViewportSize({ width: 375, height: 812 });
      for (const who of [alice.username, bob.username, carol.username]) await expect(grid(a).getByRole('listitem', { name: new RegExp(`^${who}`) })).toBeInViewport();
      await expect(a.getByRole('button', { name: 'Leave call' })).toBeInViewport();
      await shot(a, `call3-375-${scheme}`);
    }
    await a.emulateMedia({ colorScheme: 'light' });
    await a.setViewportSize({ width: 1280, height: 800 });
  });

  await test.step('leaving', async () => {
    for (const p of [c, b, a]) await p.getByRole('button', { name: 'Leave call' }).click();
  });
  for (const e of errors) expect(e).toEqual([]);
  await Promise.all(contexts.map((ctx) => ctx.close()));
});

/**
 * Opens `count` signalling-only participants of `user` in the call (a user
 * may be in a call from several tabs): WebSockets from `page` that join
 * without media and never answer, enough for the grid to show them.
 */
async function extraParticipants(page: Page, token: string, groupId: string, count: number): Promise<void> {
  await page.evaluate(
    ({ token, groupId, count }) =>
      new Promise<void>((resolve, reject) => {
        const url = `${location.origin.replace(/^http/, 'ws')}/api/v1/calls/${groupId}/ws`;
        const keep: WebSocket[] = [];
        let joined = 0;
        for (let i = 0; i < count; i++) {
          const ws = new WebSocket(url);
          keep.push(ws);
          ws.onopen = () => {
            ws.send(JSON.stringify({ type: 'auth', token }));
            ws.send(JSON.stringify({ type: 'join', audio: false, video: false }));
          };
          ws.onmessage = (ev) => {
            if (JSON.parse(String(ev.data)).type === 'joined' && ++joined === count) resolve();
          };
          ws.onclose = (ev) => reject(new Error(`participant ${i} closed: ${ev.code} ${ev.reason}`));
        }
        Object.assign(window, { __extra: keep });
      }),
    { token, groupId, count },
  );
}

test('a call of 50: pages of tiles on desktop and on a phone, avatars for cameras that are off', async ({ browser, baseURL }) => {
  test.setTimeout(180_000);
  if (!baseURL) throw new Error('no baseURL: run through playwright.config.ts');
  const alice = newUser('alice');
  const dan = newUser('dan');
  await Promise.all([registerVerified(baseURL, alice), registerVerified(baseURL, dan)]);
  const groupName = `Town hall ${alice.username.slice(-4)}`;
  const groupId = await groupOf(baseURL, alice, [dan], groupName);
  const ctx = await browser.newContext({ baseURL });
  const a = await ctx.newPage();
  const errors = collectErrors(a);
  await openCall(a, alice, groupId, groupName);
  await a.getByRole('button', { name: 'Start an audio call' }).click();
  await expect(a.getByText('Only you so far')).toBeVisible({ timeout: 60_000 }); // opening the fake devices is slow on a loaded machine

  const api = await request.newContext({ baseURL });
  const { token } = await login(api, dan);
  await api.dispose();
  const extra = await browser.newContext({ baseURL });
  const d = await extra.newPage();
  await d.goto('/login');
  await extraParticipants(d, token, groupId, 49);
  await expect(a.getByText('50 in the call')).toBeVisible({ timeout: 60_000 });

  const pager = a.getByRole('navigation', { name: 'Pages of participants' });
  for (const [width, height, name] of [[1280, 800, 'call50-1280'], [375, 812, 'call50-375']] as const) {
    await a.setViewportSize({ width, height });
    await expect(pager).toBeVisible();
    // No tile is smaller than a readable minimum, and all of the page is on screen (once the grid has
    // laid itself out for the new size: it pages from a measure of its box, a frame after the resize).
    const boxes = () => grid(a).getByRole('listitem').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().toJSON() as DOMRect));
    await expect.poll(async () => (await boxes()).every((b) => b.bottom <= height && b.right <= width), { message: 'the page fits the window' }).toBe(true);
    const perPage = await grid(a).getByRole('listitem').count();
    expect(perPage).toBeGreaterThan(1);
    expect(perPage).toBeLessThan(50);
    for (const box of await boxes()) {
      expect(box.width).toBeGreaterThanOrEqual(width < 600 ? 150 : 176);
      expect(box.height).toBeGreaterThanOrEqual(90);
      expect(box.bottom).toBeLessThanOrEqual(height);
      expect(box.right).toBeLessThanOrEqual(width);
    }
    await expect(tile(a, alice.username, true)).toBeVisible(); // I am on the first page
    await shot(a, name);
    // Every page shows tiles, and together they show everyone once.
    const seen = new Set<string>();
    const pages = Number((await grid(a).getAttribute('data-pages')) ?? '1');
    for (let i = 0; i < pages; i++) {
      for (const label of await grid(a).getByRole('listitem').evaluateAll((els) => els.map((e) => e.getAttribute('data-tile') ?? ''))) seen.add(label);
      if (i < pages - 1) await pager.getByRole('button', { name: 'Next page' }).click();
    }
    expect(seen.size).toBe(50);
    for (let i = 0; i < pages - 1; i++) await pager.getByRole('button', { name: 'Previous page' }).click();
  }
  await a.getByRole('button', { name: 'Leave call' }).click();
  expect(errors).toEqual([]);
  await extra.close();
  await ctx.close();
});
