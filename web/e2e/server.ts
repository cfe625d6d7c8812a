/**
 * Starts and stops the real `parley` binary for browser tests, in embedded
 * mode on a free loopback port with a fresh data directory. The process
 * helpers here are shared with devmail.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The web/ folder: relative paths in PARLEY_BIN are resolved from here. */
export const webDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Where test artifacts (screenshots, the server log) go. */
export const resultsDir = join(webDir, 'test-results');

const healthTimeoutMs = 30_000;
const stopTimeoutMs = 10_000;
const maxLogBytes = 256 * 1024;

export interface RunningServer {
  baseURL: string;
  /** Stops the binary (SIGTERM, then SIGKILL) and removes its data dir. */
  stop(): Promise<void>;
}

/** The binary to run: $PARLEY_BIN, else ../bin/parley, relative to web/. */
export function binaryPath(): string {
  return resolve(webDir, process.env['PARLEY_BIN'] || '../bin/parley');
}

/**
 * The environment for the binary: ours, minus the variables that configure
 * the tests rather than the server. parley rejects PARLEY_* keys it does not
 * know, so PARLEY_BIN, PARLEY_DEVMAIL_BIN, PARLEY_CHROMIUM, PARLEY_E2E_*, PARLEY_CLUSTER_* (scripts/cluster.sh)
 * and PARLEY_TEST_* must
 * not reach it; any other PARLEY_* setting passes through on purpose.
 */
export function serverEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(env)) {
    const harness =
      key === 'PARLEY_BIN' ||
      key === 'PARLEY_DEVMAIL_BIN' ||
      key === 'PARLEY_CHROMIUM' ||
      key.startsWith('PARLEY_E2E_') ||
      key.startsWith('PARLEY_CLUSTER_') ||
      key.startsWith('PARLEY_TEST_');
    if (!harness) out[key] = value;
  }
  return out;
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => {
        if (addr && typeof addr === 'object') ok(addr.port);
        else fail(new Error('could not pick a free port'));
      });
    });
  });
}

/** Keeps the last maxLogBytes of the binary's stdout and stderr. */
export class OutputLog {
  private text = '';
  append(chunk: Buffer | string): void {
    this.text += chunk.toString();
    if (this.text.length > maxLogBytes) this.text = this.text.slice(-maxLogBytes);
  }
  toString(): string {
    return this.text.trim() === '' ? '(no output)' : this.text;
  }
}

export function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

export function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (exited(child)) return Promise.resolve(true);
  return new Promise((ok) => {
    const timer = setTimeout(() => ok(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      ok(true);
    });
  });
}

async function healthy(baseURL: string): Promise<boolean> {
  try {
    const res = await fetch(`${baseURL}/healthz`, { signal: AbortSignal.timeout(2_000) });
    await res.body?.cancel();
    return res.status === 200;
  } catch {
    return false;
  }
}

export interface ServerOptions {
  /** Extra environment for the binary (e.g. PARLEY_MAIL_URL). */
  env?: Readonly<Record<string, string>>;
}

/**
 * Starts the binary and resolves once `GET /healthz` answers 200. Rejects
 * with the binary's output if it exits early or is not healthy in 30 s.
 */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const bin = binaryPath();
  try {
    await access(bin, constants.X_OK);
  } catch {
    throw new Error(
      `No parley binary at ${bin}. Build it first (make build), or set PARLEY_BIN to its path.`,
    );
  }

  const port = await freePort();
  const baseURL = `http://127.0.0.1:${port}`;
  const dataDir = await mkdtemp(join(tmpdir(), 'parley-e2e-'));
  const log = new OutputLog();
  const child = spawn(bin, [], {
    cwd: dataDir,
    env: {
      ...serverEnv(process.env),
      ...options.env,
      PARLEY_ADDR: `127.0.0.1:${port}`,
      PARLEY_DATA_DIR: dataDir,
      PARLEY_PUBLIC_URL: baseURL,
      // Call media on a free loopback UDP port, so that runs never collide
      // (a loopback-bound SFU offers loopback candidates; Chromium reaches them).
      PARLEY_RTC_UDP_ADDR: '127.0.0.1:0',
    },
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
        log.append(`\n[e2e] parley did not stop within ${stopTimeoutMs} ms of SIGTERM; killed\n`);
        child.kill('SIGKILL');
        await waitForExit(child, stopTimeoutMs);
      }
    }
    await writeFile(join(resultsDir, 'parley-server.log'), log.toString()).catch(() => {});
    await rm(dataDir, { recursive: true, force: true });
  }

  const deadline = Date.now() + healthTimeoutMs;
  for (;;) {
    if (spawnError || exited(child)) {
      const why = spawnError
        ? `could not start: ${spawnError.message}`
        : `exited early (code ${child.exitCode}, signal ${child.signalCode})`;
      await stop();
      throw new Error(`parley ${why}.\nBinary: ${bin}\nOutput:\n${log}`);
    }
    if (await healthy(baseURL)) return { baseURL, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `parley did not answer GET ${baseURL}/healthz with 200 within ${healthTimeoutMs / 1000} s.\n` +
          `Binary: ${bin}\nOutput:\n${log}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
