import { defineConfig } from '@playwright/test';
import { chromiumLaunchOptions } from './browser';
import { clusterDir } from './cluster';

// Browser tests against the real binary. global-setup.ts starts it (or,
// with PARLEY_E2E_CLUSTER, finds the running cluster: cluster.ts) and sets
// PARLEY_E2E_BASE_URL before any worker (and so this file, in the worker)
// loads; in the runner process it is still unset, which is fine there.
export default defineConfig({
  testDir: '.',
  testMatch: '**/*.spec.ts',
  // The failover spec kills an SFU process: only a split cluster has one
  // apart from the server. Against the embedded binary it is not collected
  // at all (rather than reported as skipped).
  testIgnore: clusterDir() ? [] : ['**/calls-failover.spec.ts'],
  outputDir: '../test-results',
  globalSetup: './global-setup.ts',
  fullyParallel: true,
  workers: 2,
  forbidOnly: !!process.env['CI'],
  retries: 0,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  reporter: [['list'], ['html', { outputFolder: '../playwright-report', open: 'never' }]],
  use: {
    ...(process.env['PARLEY_E2E_BASE_URL'] ? { baseURL: process.env['PARLEY_E2E_BASE_URL'] } : {}),
    browserName: 'chromium',
    headless: true,
    launchOptions: chromiumLaunchOptions(),
    viewport: { width: 1280, height: 800 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
});
