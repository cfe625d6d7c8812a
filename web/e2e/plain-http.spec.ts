import { expect, test, type Page } from '@playwright/test';
import { groupOf } from './api';
import { chromiumLaunchOptions, fakeMediaArgs } from './browser';
import { callPage, expectVideoPlaying, tile } from './call';
import { collectErrors } from './console';
import { shots } from './shots';
import { newUser, registerVerified, signIn } from './users';

// Browsers count http://127.0.0.1 and localhost as secure, so the rest of
// the suite never meets what an install reached as http://chat.lan:8080
// does: a page that is not a secure context has no crypto.randomUUID, no
// navigator.locks and no camera, microphone or screen capture. Here
// Chromium resolves the name parley.test to loopback, so one user's page
// is such a plain-HTTP origin, talking to the same server as the other's.
// (Sending a message threw on randomUUID there, unseen until this spec.)
const plainHost = 'parley.test';
test.use({
  launchOptions: chromiumLaunchOptions([
    ...fakeMediaArgs,
    `--host-resolver-rules=MAP ${plainHost} 127.0.0.1`,
    '--autoplay-policy=no-user-gesture-required',
  ]),
});

const messages = (page: Page, name: string) => page.getByRole('list', { name: `Messages in ${name}` });

test('on a plain-HTTP origin chat works, the session survives a reload, and a call can be watched', async ({ browser, baseURL }, testInfo) => {
  test.setTimeout(150_000);
  if (!baseURL) throw new Error('no baseURL: run through playwright.config.ts');
  const plain = new URL(baseURL);
  plain.hostname = plainHost;
  const alice = newUser('plain');
  const bob = newUser('secure');
  await Promise.all([registerVerified(baseURL, alice), registerVerified(baseURL, bob)]);
  const name = `Plain ${alice.username.slice(-4)}`;
  const groupId = await groupOf(baseURL, alice, [bob], name);

  const [a, b] = await Promise.all([callPage(browser, plain.origin), callPage(browser, baseURL)]);
  const [ctxA, ctxB] = [a.context(), b.context()];
  const errorsA = collectErrors(a);
  await Promise.all([signIn(a, alice), signIn(b, bob)]);
  expect(
    await a.evaluate(() => ({
      secure: isSecureContext,
      randomUUID: typeof crypto.randomUUID,
      locks: typeof navigator.locks,
      mediaDevices: typeof navigator.mediaDevices,
    })),
  ).toEqual({ secure: false, randomUUID: 'undefined', locks: 'undefined', mediaDevices: 'undefined' });

  await test.step('alice sends from the plain-HTTP page and bob receives it', async () => {
    await Promise.all([a.goto(`/g/${groupId}`), b.goto(`/g/${groupId}`)]);
    const box = a.getByRole('textbox', { name: 'Message' });
    await box.fill('Typed on plain HTTP');
    await box.press('Enter');
    await expect(box).toHaveValue('');
    const mine = messages(a, name).getByRole('listitem').filter({ hasText: 'Typed on plain HTTP' });
    await expect(mine).toBeVisible();
    await expect(mine).not.toContainText(/Sending|Not sent|Waiting for the connection/);
    await expect(messages(b, name).getByText('Typed on plain HTTP')).toBeVisible();
    // Browsers refuse notifications to such a page without asking: the picker says why.
    await expect(a.getByRole('combobox', { name: 'Notify me of' })).toHaveAccessibleDescription(
      'Desktop notifications need HTTPS: the browser refuses them to this plain-HTTP page.',
    );
    await expect(b.getByRole('combobox', { name: 'Notify me of' })).toHaveAccessibleDescription('');
  });

  await test.step('a reload keeps her signed in (the refresh cookie is not Secure on http)', async () => {
    await a.reload();
    await expect(a.getByRole('heading', { level: 1, name })).toBeVisible();
    await expect(messages(a, name).getByText('Typed on plain HTTP')).toBeVisible();
  });

  await test.step('bob starts a video call; alice joins, is told why her camera cannot start, and sees him', async () => {
    await b.getByRole('button', { name: 'Start a video call' }).click();
    await expect(b.getByText('Only you so far')).toBeVisible({ timeout: 60_000 });
    const banner = a.getByRole('region', { name: 'Call in progress' });
    await expect(banner).toContainText(`${bob.username} is in the call`);
    await banner.getByRole('button', { name: 'Join the call with video' }).click();
    await expect(a.getByRole('status').filter({ hasText: 'needs a secure connection: open Parley over HTTPS' })).toBeVisible();
    await expect(tile(b, alice.username)).toBeVisible({ timeout: 15_000 });
    await expectVideoPlaying(tile(a, bob.username).locator('video'));
    // Asking for the camera again says it again, on a phone as on a desktop.
    for (const [width, height] of [[375, 812], [1280, 800]] as const) {
      await a.setViewportSize({ width, height });
      await a.getByRole('button', { name: 'Turn on camera' }).click();
      await expect(a.getByRole('status').filter({ hasText: 'The camera needs a secure connection' })).toBeVisible();
      await shots(a, a, testInfo, `plain-http-call-${width}`);
    }
    await a.getByRole('button', { name: 'Leave call' }).click();
    await b.getByRole('button', { name: 'Leave call' }).click();
  });

  expect(errorsA).toEqual([]);
  await Promise.all([ctxA.close(), ctxB.close()]);
});
