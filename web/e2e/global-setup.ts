import { mkdir } from 'node:fs/promises';
import { clusterDir, clusterTarget } from './cluster';
import { startDevmail } from './devmail';
import { resultsDir, startServer } from './server';

/**
 * Points the run at a Parley and at the SMTP sink it mails through. Their
 * URLs reach the tests through the environment (workers inherit it):
 * PARLEY_E2E_BASE_URL (the config turns it into `baseURL`) and
 * PARLEY_E2E_DEVMAIL_URL.
 *
 * By default it starts both for the whole run: the dev SMTP sink and one
 * real parley in embedded mode; the returned function is Playwright's
 * teardown. With PARLEY_E2E_CLUSTER (see cluster.ts) it starts nothing and
 * uses the running split deployment behind nginx instead.
 */
export default async function globalSetup(): Promise<(() => Promise<void>) | undefined> {
  await mkdir(resultsDir, { recursive: true });
  const dir = clusterDir();
  if (dir) {
    const target = await clusterTarget(dir);
    process.env['PARLEY_E2E_BASE_URL'] = target.baseURL;
    process.env['PARLEY_E2E_DEVMAIL_URL'] = target.devmailURL;
    return undefined;
  }
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
