/**
 * Screenshots kept in test-results/ and attached to the report, as the
 * specs take them to be looked at.
 */
import type { Locator, Page, TestInfo } from '@playwright/test';
import { join } from 'node:path';
import { resultsDir } from './server';

/** One screenshot of target (a page or a part of it) named name. */
export async function shot(target: Page | Locator, testInfo: TestInfo, name: string): Promise<void> {
  const path = join(resultsDir, `${name}.png`);
  await target.screenshot({ path, animations: 'disabled' });
  await testInfo.attach(name, { path, contentType: 'image/png' });
}

/** Screenshots of target in the light and the dark theme (name-light, name-dark); page ends light. */
export async function shots(target: Page | Locator, page: Page, testInfo: TestInfo, name: string): Promise<void> {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await shot(target, testInfo, `${name}-${scheme}`);
  }
  await page.emulateMedia({ colorScheme: 'light' });
}
