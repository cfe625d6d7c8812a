/**
 * Starts and stops `parley-devmail`, the development SMTP sink: it accepts
 * every mail on an SMTP port and lists what it got over HTTP
 * (`GET /messages?to=<addr>`, newest first). Browser tests point parley's
 * PARLEY_MAIL_URL at it and read verification and reset links from it.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { exited, freePort, OutputLog, resultsDir, waitForExit, webDir } from './server';

const readyTimeoutMs = 15_000;
const stopTimeoutMs = 5_000;

export interface RunningDevmail {
  /** Base URL of the HTTP API, e.g. http://127.0.0.1:41234. */
  httpURL: string;
  /** The value for PARLEY_MAIL_URL. */
  mailURL: string;
  stop(): Promise<void>;
}

/** The binary to run: $PARLEY_DEVMAIL_BIN, else ../bin/parley-devmail, relative to web/. */
export function devmailPath(): string {
  return resolve(webDir, process.env['PARLEY_DEVMAIL_BIN'] || '../bin/parley-devmail');
}

async function answers(httpURL: string): Promise<boolean> {
  try {
    const res = await fetch(`${httpURL}/messages?to=ready%40example.test`, {
      signal: AbortSignal.timeout(2_000),
    });
    await res.body?.cancel();
    return res.status === 200;
  } catch {
    return false;
  }
}

/** Starts the sink on two free loopback ports; resolves once its HTTP side answers. */
export async function startDevmail(): Promise<RunningDevmail> {
  const bin = devmailPath();
  try {
    await access(bin, constants.X_OK);
  } catch {
    throw new Error(
      `No parley-devmail binary at ${bin}. Build it first ` +
        '(go build -o bin/parley-devmail ./cmd/parley-devmail), or set PARLEY_DEVMAIL_BIN.',
    );
  }
  const smtpPort = await freePort();
  const httpPort = await freePort();
  const httpURL = `http://127.0.0.1:${httpPort}`;
  const log = new OutputLog();
  const child = spawn(bin, ['-smtp', `127.0.0.1:${smtpPort}`, '-http', `127.0.0.1:${httpPort}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (c: Buffer) => log.append(c));
  child.stderr?.on('data', (c: Buffer) => log.append(c));
  let spawnError: Error | undefined;
  child.on('error', (err) => {
    spawnError = err;
  });

  async function stop(): Promise<void> {
    if (!exited(child)) {
      child.kill('SIGTERM');
      if (!(await waitForExit(child, stopTimeoutMs))) {
        child.kill('SIGKILL');
        await waitForExit(child, stopTimeoutMs);
      }
    }
    await writeFile(join(resultsDir, 'devmail.log'), log.toString()).catch(() => {});
  }

  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (spawnError || exited(child)) {
      const why = spawnError
        ? `could not start: ${spawnError.message}`
        : `exited early (code ${child.exitCode}, signal ${child.signalCode})`;
      await stop();
      throw new Error(`parley-devmail ${why}.\nBinary: ${bin}\nOutput:\n${log}`);
    }
    if (await answers(httpURL)) {
      return { httpURL, mailURL: `smtp://127.0.0.1:${smtpPort}?tls=none`, stop };
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`parley-devmail did not answer on ${httpURL} within ${readyTimeoutMs / 1000} s.\nOutput:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
