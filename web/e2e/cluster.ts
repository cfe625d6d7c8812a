/**
 * Runs the browser tests against an already running split deployment —
 * `make cluster` (scripts/cluster.sh) — instead of a binary of their own.
 *
 * PARLEY_E2E_CLUSTER chooses it: a cluster state directory (the one
 * scripts/cluster.sh keeps, PARLEY_CLUSTER_DIR), or `1` for the default
 * ../.cache/cluster. Its cluster.env names the public URL (nginx) and the
 * SMTP sink's JSON API, which the tests read mail from.
 */
import { randomInt } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { webDir } from './server';

export interface ClusterTarget {
  baseURL: string;
  devmailURL: string;
}

/** The cluster directory PARLEY_E2E_CLUSTER names, or null when unset. */
export function clusterDir(env: NodeJS.ProcessEnv = process.env): string | null {
  const v = env['PARLEY_E2E_CLUSTER'];
  if (!v) return null;
  if (v === '1') return resolve(webDir, '../.cache/cluster');
  return isAbsolute(v) ? v : resolve(webDir, v);
}

function parseEnv(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) out.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  return out;
}

async function ready(url: string): Promise<string | null> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    await res.body?.cancel();
    return res.status === 200 ? null : `answered ${res.status}`;
  } catch (err) {
    return String(err);
  }
}

/**
 * Reads the cluster's URLs and checks that both answer; rejects with what
 * to do otherwise. Nothing is started or stopped here.
 */
export async function clusterTarget(dir: string): Promise<ClusterTarget> {
  const file = join(dir, 'cluster.env');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new Error(`PARLEY_E2E_CLUSTER: no ${file}. Start the cluster first: make cluster`);
  }
  const env = parseEnv(text);
  const baseURL = env.get('PARLEY_CLUSTER_URL');
  const devmailURL = env.get('PARLEY_CLUSTER_DEVMAIL_URL');
  if (!baseURL || !devmailURL) throw new Error(`${file} lacks PARLEY_CLUSTER_URL or PARLEY_CLUSTER_DEVMAIL_URL`);
  const problems = [
    [`${baseURL}/readyz`, await ready(`${baseURL}/readyz`)],
    [`${devmailURL}/messages?to=ready%40example.test`, await ready(`${devmailURL}/messages?to=ready%40example.test`)],
  ].filter(([, p]) => p !== null);
  if (problems.length > 0) {
    throw new Error(
      `the cluster in ${dir} is not ready (make cluster; scripts/cluster.sh status):\n` +
        problems.map(([u, p]) => `  ${u}: ${p}`).join('\n'),
    );
  }
  return { baseURL, devmailURL };
}

let address: string | undefined;

/**
 * Headers for the API requests that register test users against the
 * cluster: a client address of this process's own (198.18.0.0/15, the
 * benchmarking range), which nginx passes on in X-Forwarded-For and the
 * roles believe from it. The cluster keeps its abuse-limit counters in
 * Redis across runs, so without it a few runs within the hour would
 * exhaust the per-address registration limit. Pages do not send it: the
 * browser's cross-origin uploads to S3 must carry no header the bucket's
 * CORS rule does not allow.
 */
export function clusterHeaders(): Record<string, string> {
  address ??= `198.${18 + randomInt(2)}.${randomInt(256)}.${1 + randomInt(254)}`;
  return { 'X-Forwarded-For': address };
}
