/**
 * How every browser test launches Chromium. Playwright never downloads a
 * browser here: it drives the system's Chromium (Debian package `chromium`).
 * Keep all launch flags in this one place; call tests add the media flags.
 */
import type { LaunchOptions } from '@playwright/test';

/** The Chromium binary; PARLEY_CHROMIUM overrides it on other machines. */
export const chromiumPath = process.env['PARLEY_CHROMIUM'] ?? '/usr/bin/chromium';

/** Flags for a quiet, sandbox-free, offline-friendly headless Chromium. */
export const baseChromiumArgs: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A synthetic camera and microphone, granted without a prompt (call tests). */
export const fakeMediaArgs: readonly string[] = [
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
];

/** Launch options for Chromium with the base flags plus `extraArgs`. */
export function chromiumLaunchOptions(extraArgs: readonly string[] = []): LaunchOptions {
  return {
    executablePath: chromiumPath,
    args: [...baseChromiumArgs, ...extraArgs],
  };
}
