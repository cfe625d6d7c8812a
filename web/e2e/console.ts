import type { Page } from '@playwright/test';

/**
 * Chromium logs every 4xx answer to fetch as a console error ("Failed to
 * load resource…"). Some are the app working as designed: the silent
 * session restore answers 401 when nobody is signed in, a wrong password
 * answers 401. Those are not failures of the page.
 */
const expectedNoise = /^Failed to load resource: the server responded with a status of 4\d\d\b/;

/** Console errors and uncaught exceptions (CSP violations show up here), minus the expected 4xx noise. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !expectedNoise.test(msg.text())) errors.push(msg.text());
  });
  page.on('pageerror', (err) => errors.push(err.message));
  return errors;
}
