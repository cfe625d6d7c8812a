/**
 * Accounts for browser tests that need more than one user: registered and
 * verified through the real API and the verification mail, then signed in
 * through the login page.
 */
import { expect, request, type Page } from '@playwright/test';
import { randomBytes, randomInt } from 'node:crypto';
import { clusterDir } from './cluster';
import { waitForLink } from './mail';

export interface TestUser {
  username: string;
  email: string;
  password: string;
}

/** A fresh user, so runs never collide on one server; `prefix` starts the username. */
export function newUser(prefix: string): TestUser {
  const id = randomBytes(4).toString('hex');
  return { username: `${prefix}_${id}`, email: `${prefix}-${id}@example.test`, password: `pass-${id}-word` };
}

/** Registers the user and follows the verification mail's code. */
export async function registerVerified(baseURL: string, user: TestUser): Promise<void> {
  const api = await request.newContext({ baseURL, extraHTTPHeaders: clientAddress() });
  try {
    const res = await api.post('/api/v1/users', {
      data: { username: user.username, email: user.email, password: user.password },
    });
    expect(res.status(), await res.text()).toBe(201);
    const link = await waitForLink(user.email, baseURL, 'verify');
    const code = decodeURIComponent(link.slice(link.lastIndexOf('/') + 1));
    const verified = await api.post('/api/v1/users/verify', { data: { code } });
    expect(verified.status(), await verified.text()).toBe(200);
  } finally {
    await api.dispose();
  }
}

/**
 * A client address of its own (198.18.0.0/15, the benchmarking range) in
 * X-Forwarded-For, which the server believes from loopback (a trusted
 * proxy) and the cluster's nginx passes on: the suite's many registrations
 * and sign-ins would otherwise exhaust the per-address abuse limits of
 * 127.0.0.1 (10 registrations an hour, 30 logins per 15 minutes).
 */
export function clientAddress(): Record<string, string> {
  return { 'X-Forwarded-For': `198.${18 + randomInt(2)}.${randomInt(256)}.${1 + randomInt(254)}` };
}

/**
 * Signs in through the login page and waits for the app. The sign-in
 * comes from an address of its own (clientAddress): against the embedded
 * binary every request of the page carries it; against the cluster only
 * the login request does (uploads go to S3, whose CORS rule allows no such
 * header), which is what the per-address login limit counts.
 */
export async function signIn(page: Page, user: TestUser): Promise<void> {
  if (!clusterDir()) {
    await page.context().setExtraHTTPHeaders(clientAddress());
  } else {
    const address = clientAddress();
    await page.route('**/api/v1/auth/login', (route) =>
      route.continue({ headers: { ...route.request().headers(), ...address } }),
    );
  }
  await page.goto('/login');
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: `Welcome, ${user.username}` })).toBeVisible();
}

/** What the app does when its window gains focus: refetch groups and invites now. */
export async function refocus(page: Page): Promise<void> {
  await page.evaluate(() => window.dispatchEvent(new Event('focus')));
}
