import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, checkHealth, type Health } from '../../api';

export type ServerStatus =
  | { kind: 'checking' }
  | { kind: 'online'; latencyMs: number; checkedAt: Date }
  | { kind: 'offline'; error: ApiError; checkedAt: Date };

export type HealthCheck = (signal: AbortSignal) => Promise<Health>;

export interface ServerStatusOptions {
  /** Runs one check; defaults to `GET /healthz`. */
  check?: HealthCheck;
  /** Milliseconds between background re-checks; 0 disables them. */
  intervalMs?: number;
}

/**
 * Tracks whether the server answers its health check. Checks on mount, every
 * `intervalMs`, when the browser comes back online, and on `recheck()`. The
 * last known state stays on screen while a background re-check runs; only a
 * manual recheck shows "checking" again.
 */
export function useServerStatus({
  check = (signal) => checkHealth(signal),
  intervalMs = 30_000,
}: ServerStatusOptions = {}): { status: ServerStatus; recheck: () => void } {
  const [status, setStatus] = useState<ServerStatus>({ kind: 'checking' });
  const inflight = useRef<AbortController | null>(null);
  const checkRef = useRef(check);
  useEffect(() => {
    checkRef.current = check;
  }, [check]);

  const run = useCallback(async (showChecking: boolean) => {
    inflight.current?.abort();
    const ctrl = new AbortController();
    inflight.current = ctrl;
    if (showChecking) setStatus({ kind: 'checking' });
    try {
      const { latencyMs } = await checkRef.current(ctrl.signal);
      if (!ctrl.signal.aborted) setStatus({ kind: 'online', latencyMs, checkedAt: new Date() });
    } catch (err) {
      if (ctrl.signal.aborted) return;
      const error =
        err instanceof ApiError
          ? err
          : new ApiError({
              status: 0,
              code: 'network_error',
              message: 'Could not reach the server.',
              cause: err,
            });
      setStatus({ kind: 'offline', error, checkedAt: new Date() });
    }
  }, []);

  useEffect(() => {
    void run(false);
    const onOnline = () => void run(false);
    window.addEventListener('online', onOnline);
    const timer = intervalMs > 0 ? window.setInterval(() => void run(false), intervalMs) : undefined;
    return () => {
      window.removeEventListener('online', onOnline);
      if (timer !== undefined) window.clearInterval(timer);
      inflight.current?.abort();
    };
  }, [run, intervalMs]);

  const recheck = useCallback(() => void run(true), [run]);
  return { status, recheck };
}
