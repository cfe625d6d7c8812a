import { errorFromResponse, networkError } from './errors';
import type { FetchLike } from './client';

export interface Health {
  /** Round-trip time of the check, in whole milliseconds. */
  latencyMs: number;
}

/**
 * Asks the server whether it is alive (`GET /healthz`, outside the API base
 * path). Resolves for any 2xx answer, whatever its body; rejects with an
 * ApiError otherwise, or with the AbortError when the signal fires.
 */
export async function checkHealth(
  signal?: AbortSignal,
  doFetch: FetchLike = (input, init) => fetch(input, init),
): Promise<Health> {
  const started = performance.now();
  let res: Response;
  try {
    res = await doFetch('/healthz', {
      method: 'GET',
      cache: 'no-store',
      headers: { Accept: 'application/json, text/plain;q=0.9' },
      ...(signal ? { signal } : {}),
    });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw networkError(err);
  }
  if (!res.ok) throw await errorFromResponse(res);
  await res.body?.cancel();
  return { latencyMs: Math.max(0, Math.round(performance.now() - started)) };
}
