import { expect, test, type Page } from '@playwright/test';
import { join } from 'node:path';
import { resultsDir } from './server';

/** Console errors and uncaught exceptions (CSP violations show up here). */
function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  page.on('pageerror', (err) => errors.push(err.message));
  return errors;
}

test('the home page shows the product and a reachable server', async ({ page }) => {
  const errors = collectErrors(page);
  const res = await page.goto('/');
  expect(res?.status()).toBe(200);

  await expect(page.getByRole('banner')).toContainText('Parley');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(
    'Group chat and video calls you can host yourself',
  );
  await expect(page.getByTestId('server-status')).toContainText('Server is reachable');
  await expect(page).toHaveTitle(/Parley/);

  await page.screenshot({ path: join(resultsDir, 'home.png'), fullPage: true });
  expect(errors).toEqual([]);
});

test('the home page fits a 375 px phone in dark mode', async ({ page }) => {
  const errors = collectErrors(page);
  await page.setViewportSize({ width: 375, height: 812 });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto('/');
  await expect(page.getByTestId('server-status')).toContainText('Server is reachable');

  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  expect(overflow, 'horizontal overflow in px').toBeLessThanOrEqual(0);

  await page.screenshot({ path: join(resultsDir, 'home-375-dark.png'), fullPage: true });
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

  await page.getByRole('link', { name: 'Back to home' }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByTestId('server-status')).toContainText('Server is reachable');
  expect(errors).toEqual([]);
});

test('an unknown API path answers a JSON 404', async ({ request }) => {
  const res = await request.get('/api/v1/nope');
  expect(res.status()).toBe(404);
  expect(res.headers()['content-type']).toContain('application/json');
  const body: unknown = await res.json();
  expect(body).toMatchObject({ error: { code: 'not_found' } });
});
