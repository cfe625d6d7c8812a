import { expect, test, type Page } from '@playwright/test';
import { callState, groupOf } from './api';
import { chromiumLaunchOptions, fakeMediaArgs } from './browser';
import { callPage, expectVideoPlaying, shot, tile } from './call';
import { collectErrors } from './console';
import { newUser, registerVerified, signIn } from './users';

// Two real Chromium peers with the synthetic camera and microphone (and a
// synthetic screen for getDisplayMedia), against the real SFU of the binary.
test.use({ launchOptions: chromiumLaunchOptions([...fakeMediaArgs, '--autoplay-policy=no-user-gesture-required']) });

/**
 * The loudest level (RMS) of the received audio of `participant` over
 * `ms`, measured independently of the app: a WebAudio AnalyserNode on the
 * track that the page's audio element plays.
 */
async function receivedLevel(page: Page, ms = 3_000): Promise<number> {
  return page.evaluate(async (ms) => {
    const el = document.querySelector<HTMLAudioElement>('audio[data-participant]');
    const stream = el?.srcObject;
    if (!(stream instanceof MediaStream) || stream.getAudioTracks().length === 0) return -1;
    const ctx = new AudioContext();
    await ctx.resume();
    const analyser = ctx.createAnalyser();
    analyser.fftSize = 2048;
    ctx.createMediaStreamSource(stream).connect(analyser);
    const buf = new Float32Array(analyser.fftSize);
    let max = 0;
    const end = performance.now() + ms;
    while (performance.now() < end) {
      analyser.getFloatTimeDomainData(buf);
      let sum = 0;
      for (const v of buf) sum += v * v;
      max = Math.max(max, Math.sqrt(sum / buf.length));
      await new Promise((r) => setTimeout(r, 50));
    }
    await ctx.close();
    return max;
  }, ms);
}

test('two users in a call: video and audio both ways, moderation, screen share, leave', async ({ browser, baseURL }) => {
  test.setTimeout(240_000);
  if (!baseURL) throw new Error('no baseURL: run through playwright.config.ts');
  const alice = newUser('alice');
  const bob = newUser('bob');
  await Promise.all([registerVerified(baseURL, alice), registerVerified(baseURL, bob)]);
  const groupName = `Standup ${alice.username.slice(-4)}`;
  const groupId = await groupOf(baseURL, alice, [bob], groupName);

  const [a, b] = await Promise.all([callPage(browser, baseURL), callPage(browser, baseURL)]);
  const [ctxA, ctxB] = [a.context(), b.context()];
  const errorsA = collectErrors(a);
  const errorsB = collectErrors(b);
  await Promise.all([signIn(a, alice), signIn(b, bob)]);
  await Promise.all([a.goto(`/g/${groupId}`), b.goto(`/g/${groupId}`)]);
  await expect(a.getByRole('heading', { level: 1, name: groupName })).toBeVisible();
  await expect(b.getByRole('heading', { level: 1, name: groupName })).toBeVisible();

  await test.step('A starts a video call; B sees the banner and joins', async () => {
    await a.getByRole('button', { name: 'Start a video call' }).click();
    await expect(a.getByRole('heading', { level: 2, name: groupName })).toBeVisible();
    await expect(a.getByRole('toolbar', { name: 'Call controls' })).toBeVisible();
    await expect(a.getByText('Only you so far')).toBeVisible({ timeout: 60_000 }); // opening the fake devices is slow on a loaded machine
    const banner = b.getByRole('region', { name: 'Call in progress' });
    await expect(banner).toContainText(`${alice.username} is in the call`);
    await shot(b, 'call-banner');
    await banner.getByRole('button', { name: 'Join the call with video' }).click();
    await expect(tile(a, bob.username)).toBeVisible({ timeout: 15_000 });
    await expect(tile(b, alice.username)).toBeVisible();
    await expect(a.getByText('2 in the call')).toBeVisible();
  });

  await test.step('each sees the other\'s video playing and hears the other', async () => {
    await expectVideoPlaying(tile(a, bob.username).locator('video'));
    await expectVideoPlaying(tile(b, alice.username).locator('video'));
    // Chromium's fake microphone beeps; silence would be 0.
    await expect.poll(() => receivedLevel(a), { timeout: 20_000, message: 'A hears B' }).toBeGreaterThan(0.01);
    await expect.poll(() => receivedLevel(b), { timeout: 20_000, message: 'B hears A' }).toBeGreaterThan(0.01);
    // The beeps light the speaking ring of the remote tile now and then.
    await expect(tile(a, bob.username)).toHaveAttribute('data-speaking', 'true', { timeout: 15_000 });
  });

  await test.step('screenshots: 1280 and 375 px, light and dark', async () => {
    await shot(a, 'call-1280-light');
    await a.emulateMedia({ colorScheme: 'dark' });
    await shot(a, 'call-1280-dark');
    await a.setViewportSize({ width: 375, height: 812 });
    await expect(tile(a, bob.username)).toBeInViewport();
    await expect(a.getByRole('button', { name: 'Leave call' })).toBeInViewport();
    await shot(a, 'call-375-dark');
    await a.emulateMedia({ colorScheme: 'light' });
    await shot(a, 'call-375-light');
    await a.setViewportSize({ width: 1280, height: 800 });
  });

  await test.step('A (creator) mutes B for everyone: both see it, and B cannot unmute', async () => {
    await tile(a, bob.username).hover();
    await tile(a, bob.username).getByRole('button', { name: `Options for ${bob.username}` }).click();
    const menu = a.getByRole('menu', { name: `Options for ${bob.username}` });
    await menu.getByRole('menuitem', { name: `Mute ${bob.username} for everyone` }).click();
    await expect(tile(a, bob.username)).toContainText('Muted by you');
    const blocked = b.getByRole('button', { name: `Microphone muted by ${alice.username}` });
    await expect(blocked).toHaveAttribute('aria-disabled', 'true');
    await expect(b.getByRole('note')).toHaveText(`${alice.username} turned off your microphone. Only a moderator can turn it back on.`);
    await expect(tile(b, bob.username, true)).toContainText(`Muted by ${alice.username}`);
    await shot(b, 'call-muted-by-moderator');
    // Neither the button nor the shortcut unmutes.
    await blocked.click({ force: true }); // aria-disabled: Playwright would wait for it to be enabled
    await b.keyboard.press('Control+d');
    await expect(blocked).toHaveAttribute('aria-disabled', 'true');
    const state = await callState(baseURL, bob, groupId);
    const bobState = state.participants.find((p) => p.username === bob.username);
    expect(bobState?.audio.muted).toBe(true);
    expect(bobState?.audio.mutedBy).not.toBeNull();
    // A lifts it: B's microphone is back on.
    await tile(a, bob.username).getByRole('button', { name: `Options for ${bob.username}` }).click();
    await a.getByRole('menuitem', { name: `Lift mute on ${bob.username}'s microphone` }).click();
    await expect(b.getByRole('button', { name: 'Turn off microphone' })).toBeVisible();
    await expect(tile(a, bob.username)).not.toContainText('Muted by');
    await expect.poll(() => receivedLevel(a), { timeout: 20_000, message: 'A hears B again' }).toBeGreaterThan(0.01);
  });

  await test.step('A turns the camera off with Ctrl+E: B sees A\'s avatar; back on, the video plays again', async () => {
    await a.keyboard.press('Control+e');
    await expect(a.getByRole('button', { name: 'Turn on camera' })).toBeVisible();
    await expect(tile(b, alice.username)).toHaveAccessibleName(/camera off/, { timeout: 15_000 });
    await expect(tile(b, alice.username).locator('video')).toHaveCount(0);
    await expect(tile(a, alice.username, true).locator('video')).toHaveCount(0);
    await shot(b, 'call-camera-off');
    await a.getByRole('button', { name: 'Turn on camera' }).click();
    await expectVideoPlaying(tile(b, alice.username).locator('video'));
  });

  await test.step('B shares the screen: a screen tile plays on A\'s side', async () => {
    await b.getByRole('button', { name: 'Share your screen' }).click();
    const screens = a.getByRole('list', { name: 'Screen shares' });
    const screenTile = screens.getByRole('listitem', { name: `${bob.username}'s screen` });
    await expect(screenTile).toBeVisible({ timeout: 15_000 });
    await expectVideoPlaying(screenTile.locator('video'));
    await shot(a, 'call-screen-share');
    await b.getByRole('button', { name: 'Stop sharing your screen' }).click();
    await expect(screens).toHaveCount(0, { timeout: 15_000 });
  });

  await test.step('B collapses the call to a bar and uses the chat', async () => {
    await b.getByRole('button', { name: 'Show the chat (the call goes on)' }).click();
    const bar = b.getByRole('region', { name: 'Your call' });
    await expect(bar).toContainText(groupName);
    const box = b.getByRole('textbox', { name: 'Message' });
    await box.fill('Brb, taking notes');
    await box.press('Enter');
    await expect(a.getByRole('region', { name: 'Your call' })).toHaveCount(0);
    await shot(b, 'call-bar');
  });

  await test.step('leaving ends the call and the banner disappears', async () => {
    await b.getByRole('region', { name: 'Your call' }).getByRole('button', { name: 'Leave call' }).click();
    await expect(a.getByText('Only you so far')).toBeVisible({ timeout: 60_000 }); // opening the fake devices is slow on a loaded machine
    await expect(b.getByRole('region', { name: 'Call in progress' })).toContainText(`${alice.username} is in the call`);
    await a.getByRole('button', { name: 'Leave call' }).click();
    await expect(b.getByRole('region', { name: 'Call in progress' })).toHaveCount(0, { timeout: 15_000 });
    await expect(a.getByRole('region', { name: 'Call in progress' })).toHaveCount(0);
    await expect(a.getByRole('button', { name: 'Start a video call' })).toBeVisible();
    expect((await callState(baseURL, alice, groupId)).active).toBe(false);
  });

  expect(errorsA).toEqual([]);
  expect(errorsB).toEqual([]);
  await ctxA.close();
  await ctxB.close();
});
