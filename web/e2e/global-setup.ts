import { mkdir } from 'node:fs/promises';
import { startDevmail } from './devmail';
import { resultsDir, startServer } from './server';

/**
 * Starts the dev SMTP sink and one real parley that mails through it, for
 * the whole run. Their URLs reach the tests through the environment
 * (workers inherit it): PARLEY_E2E_BASE_URL (the config turns it into
 * `baseURL`) and PARLEY_E2E_DEVMAIL_URL. The returned function is
 * Playwright's teardown.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  await mkdir(resultsDir, { recursive: true });
  const devmail = await startDevmail();
  let server;
  try {
    server = await startServer({ env: { PARLEY_MAIL_URL: devmail.mailURL } });
  } catch (err) {
    await devmail.stop();
    throw err;
  }
  process.env['PARLEY_E2E_BASE_URL'] = server.baseURL;
  process.env['PARLEY_E2E_DEVMAIL_URL'] = devmail.httpURL;
  return async () => {
    await server.stop();
    await devmail.stop();
  };
}
