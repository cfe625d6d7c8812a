import { expect, test, type Locator, type Page } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { collectErrors } from './console';
import { lowContrast } from './contrast';
import { waitForLink } from './mail';
import { noisyGradientPng } from './png';
import { resultsDir } from './server';

/** A fresh user for each run, so runs never collide on one server. */
function newUser() {
  const id = randomBytes(4).toString('hex');
  return {
    username: `e2e_${id}`,
    email: `e2e-${id}@example.test`,
    passwords: ['first-pass-1', 'second-pass-2', 'third-pass-3'] as const,
  };
}

async function shot(page: Page, name: string, target?: Locator): Promise<void> {
  const path = join(resultsDir, `${name}.png`);
  // Transitions finished, so a theme switch or hover shows its end state.
  await (target
    ? target.screenshot({ path, animations: 'disabled' })
    : page.screenshot({ path, fullPage: true, animations: 'disabled' }));
}

async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Resolves once img has loaded real pixels (naturalWidth > 0). */
async function expectLoaded(img: Locator): Promise<void> {
  await expect(img).toBeVisible();
  await expect
    .poll(() => img.evaluate((el) => (el instanceof HTMLImageElement && el.complete ? el.naturalWidth : 0)))
    .toBeGreaterThan(0);
}

test('a new user registers, verifies, edits the profile, and resets the password', async ({
  page,
  baseURL,
}, testInfo) => {
  test.setTimeout(120_000);
  if (!baseURL) throw new Error('no baseURL: run through playwright.config.ts');
  const errors = collectErrors(page);
  const user = newUser();
  const [first, second, third] = user.passwords;

  await test.step('register', async () => {
    await page.goto('/register');
    await expect(page.getByRole('heading', { name: 'Create your account' })).toBeVisible();
    await page.getByLabel('Username').fill(user.username);
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill(first);
    await shot(page, 'register');
    await page.getByLabel('Password').press('Enter');

    await expect(page).toHaveURL(/\/check-email$/);
    await expect(page.getByRole('heading', { name: 'Check your email' })).toBeVisible();
    await expect(page.getByText(user.email)).toBeVisible();
    await shot(page, 'check-email');
  });

  await test.step('open the verification link from the mail', async () => {
    const link = await waitForLink(user.email, baseURL, 'verify');
    await page.goto(link);
    await expect(page.getByRole('heading', { name: 'Your email is verified' })).toBeVisible();
    await shot(page, 'verified');
    await page.getByRole('link', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(/\/login$/);
  });

  await test.step('sign in', async () => {
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password', { exact: true }).fill(first);
    await shot(page, 'login');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('heading', { name: `Welcome, ${user.username}` })).toBeVisible();
    await expect(page).toHaveURL(/\/$/);
    await shot(page, 'app-home');
  });

  await test.step('a reload restores the session from the refresh cookie alone', async () => {
    const stored = await page.evaluate(() => localStorage.length + sessionStorage.length);
    expect(stored, 'nothing in web storage').toBe(0);
    const refreshed = page.waitForResponse(
      (r) => r.url().endsWith('/api/v1/auth/refresh') && r.request().method() === 'POST',
    );
    await page.reload();
    expect((await refreshed).status()).toBe(200);
    await expect(page.getByRole('heading', { name: `Welcome, ${user.username}` })).toBeVisible();
  });

  const dialog = page.getByRole('dialog', { name: 'Profile' });

  await test.step('upload a picture with visible progress', async () => {
    await page.getByRole('button', { name: user.username }).click();
    await page.getByRole('menuitem', { name: 'Profile' }).click();
    await expect(dialog).toBeVisible();

    const picture = testInfo.outputPath('picture.png');
    await writeFile(picture, noisyGradientPng(640, 640, 7));
    await dialog.getByLabel('Upload picture').setInputFiles(picture);
    await expectLoaded(dialog.getByRole('img', { name: 'Preview of your new picture' }));

    // Throttle uploads (Chromium's network emulation) so a ~1 MB upload
    // takes seconds on loopback, and record every value the bar shows.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: 384 * 1024,
    });
    await page.evaluate(() => {
      const seen: number[] = [];
      (window as unknown as { progressSeen: number[] }).progressSeen = seen;
      const sample = () => {
        const bar = document.querySelector('progress');
        if (bar && seen[seen.length - 1] !== bar.value) seen.push(bar.value);
        requestAnimationFrame(sample);
      };
      requestAnimationFrame(sample);
    });

    await dialog.getByRole('button', { name: 'Save picture' }).click();
    const bar = dialog.getByRole('progressbar', { name: /Uploading picture|Processing picture/ });
    await expect(bar).toBeVisible();
    await expect.poll(() => bar.evaluate((el) => (el as HTMLProgressElement).value)).toBeGreaterThan(5);
    await shot(page, 'profile-uploading', dialog);

    await expect(dialog.getByText('Your new picture is saved.')).toBeVisible({ timeout: 30_000 });
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });
    const seen = await page.evaluate(() => (window as unknown as { progressSeen: number[] }).progressSeen);
    expect(seen.some((v) => v > 0 && v < 100), `progress values seen: ${seen.join(', ')}`).toBe(true);

    await expectLoaded(dialog.getByRole('img', { name: 'Your profile picture' }));
    await expectLoaded(page.getByRole('banner').locator('img.avatar-img'));
    await shot(page, 'profile', dialog);
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot(page, 'profile-dark');
    await page.emulateMedia({ colorScheme: 'light' });
  });

  await test.step('change the password', async () => {
    await dialog.getByLabel('Current password').fill('not-the-password');
    await dialog.getByLabel('New password').fill(second);
    await dialog.getByRole('button', { name: 'Change password' }).click();
    await expect(dialog.getByText('Current password is wrong.')).toBeVisible();
    await shot(page, 'profile-wrong-password', dialog);

    await dialog.getByLabel('Current password').fill(first);
    await dialog.getByRole('button', { name: 'Change password' }).click();
    await expect(dialog.getByText('Password changed. Your other devices were signed out.')).toBeVisible();
  });

  await test.step('sign out', async () => {
    await dialog.getByRole('button', { name: 'Sign out' }).click();
    await expect(page).toHaveURL(/\/login$/);
    await expect(page.getByRole('heading', { name: 'Sign in to Parley' })).toBeVisible();
    // The session is gone on the server too: a reload does not restore it.
    await page.reload();
    await expect(page.getByRole('heading', { name: 'Sign in to Parley' })).toBeVisible();
  });

  await test.step('reset the forgotten password from the mail', async () => {
    await page.getByRole('link', { name: 'Forgot password?' }).click();
    await expect(page.getByRole('heading', { name: 'Reset your password' })).toBeVisible();
    await page.getByLabel('Email').fill(user.email);
    await page.getByRole('button', { name: 'Send reset link' }).click();
    await expect(page.getByText(/If an account exists for/)).toBeVisible();
    await shot(page, 'forgot-password');

    const link = await waitForLink(user.email, baseURL, 'reset-password');
    await page.goto(link);
    await expect(page.getByRole('heading', { name: 'Choose a new password' })).toBeVisible();
    await page.getByLabel('New password', { exact: true }).fill(third);
    await page.getByLabel('Confirm new password').fill(third);
    await shot(page, 'reset');
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect(page.getByRole('heading', { name: 'Password changed' })).toBeVisible();
    await shot(page, 'reset-done');
    await page.getByRole('link', { name: 'Sign in' }).click();
  });

  await test.step('sign in with the new password only', async () => {
    await signIn(page, user.email, second);
    await expect(page.getByRole('alert')).toHaveText('Wrong email or password.');
    await shot(page, 'login-wrong-password');
    await signIn(page, user.email, third);
    await expect(page.getByRole('heading', { name: `Welcome, ${user.username}` })).toBeVisible();
    // The picture survived the password changes.
    await expectLoaded(page.getByRole('banner').locator('img.avatar-img'));
  });

  expect(errors).toEqual([]);
});

test('the auth screens fit a 375 px phone in dark mode', async ({ page }) => {
  const errors = collectErrors(page);
  await page.setViewportSize({ width: 375, height: 812 });
  await page.emulateMedia({ colorScheme: 'dark' });
  for (const [path, heading, name] of [
    ['/login', 'Sign in to Parley', 'login-375-dark'],
    ['/register', 'Create your account', 'register-375-dark'],
  ] as const) {
    await page.goto(path);
    await expect(page.getByRole('heading', { name: heading })).toBeVisible();
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow, `horizontal overflow in px on ${path}`).toBeLessThanOrEqual(0);
    expect(await lowContrast(page), `text under AA contrast on ${path}`).toEqual([]);
    await shot(page, name);
  }
  expect(errors).toEqual([]);
});

test('a signed-out visitor of the app is sent to sign in', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto('/');
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole('heading', { name: 'Sign in to Parley' })).toBeVisible();
  expect(errors).toEqual([]);
});
