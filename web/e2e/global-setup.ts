import { mkdir } from 'node:fs/promises';
import { resultsDir, startServer } from './server';

/**
 * Starts one real parley for the whole run and hands its URL to the tests
 * through PARLEY_E2E_BASE_URL (workers inherit the environment; the config
 * turns it into `baseURL`). The returned function is Playwright's teardown.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  await mkdir(resultsDir, { recursive: true });
  const server = await startServer();
  process.env['PARLEY_E2E_BASE_URL'] = server.baseURL;
  return () => server.stop();
}
