import { expect, test } from '@playwright/test';
import { join } from 'node:path';
import { collectErrors } from './console';
import { lowContrast } from './contrast';
import { resultsDir } from './server';

test('the landing page shows the product and a reachable server', async ({ page }) => {
  const errors = collectErrors(page);
  const res = await page.goto('/welcome');
  expect(res?.status()).toBe(200);

  await expect(page.getByRole('banner')).toContainText('Parley');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(
    'Group chat and video calls you can host yourself',
  );
  await expect(page.getByTestId('server-status')).toContainText('Server is reachable');
  await expect(page).toHaveTitle(/Parley/);

  await page.screenshot({ path: join(resultsDir, 'home.png'), fullPage: true });
  expect(await lowContrast(page), 'text under AA contrast').toEqual([]);
  expect(errors).toEqual([]);
});

test('the landing page fits a 375 px phone in dark mode', async ({ page }) => {
  const errors = collectErrors(page);
  await page.setViewportSize({ width: 375, height: 812 });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto('/welcome');
  await expect(page.getByTestId('server-status')).toContainText('Server is reachable');

  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  expect(overflow, 'horizontal overflow in px').toBeLessThanOrEqual(0);

  await page.screenshot({ path: join(resultsDir, 'home-375-dark.png'), fullPage: true });
  expect(await lowContrast(page), 'text under AA contrast').toEqual([]);
  expect(errors).toEqual([]);
});

test('a deep link is served by the app, which shows its NotFound view', async ({ page }) => {
  const errors = collectErrors(page);
  const res = await page.goto('/no/such/page');
  expect(res?.status()).toBe(200);
  expect(res?.headers()['content-type']).toContain('text/html');

  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  await expect(page.getByText('/no/such/page')).toBeVisible();
  await page.screenshot({ path: join(resultsDir, 'not-found.png') });

  // Home is the app, which sends a signed-out visitor to sign in.
  await page.getByRole('link', { name: 'Back to home' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole('heading', { name: 'Sign in to Parley' })).toBeVisible();
  expect(errors).toEqual([]);
});

test('an unknown API path answers a JSON 404', async ({ request }) => {
  const res = await request.get('/api/v1/nope');
  expect(res.status()).toBe(404);
  expect(res.headers()['content-type']).toContain('application/json');
  const body: unknown = await res.json();
  expect(body).toMatchObject({ error: { code: 'not_found' } });
});
