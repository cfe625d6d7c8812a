/**
 * Reconnect delays: exponential from baseMs up to maxMs, with "full jitter"
 * (a random point between half the step and the step) so that many clients
 * dropped at once by a restarting server do not come back in lockstep.
 */
export interface BackoffOptions {
  baseMs?: number;
  maxMs?: number;
  /** 0…1, defaults to Math.random. */
  random?: () => number;
}

/** The delay before reconnect attempt `attempt` (0 for the first retry). */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const base = options.baseMs ?? 500;
  const max = options.maxMs ?? 30_000;
  const random = options.random ?? Math.random;
  const step = Math.min(max, base * 2 ** Math.max(0, Math.min(attempt, 30)));
  return Math.round(step / 2 + random() * (step / 2));
}
