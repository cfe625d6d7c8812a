import { useCallback, useEffect, useState } from 'react';

/**
 * A countdown for a rate-limited action: `start(seconds)` begins it (from a
 * Retry-After), `remaining` is the whole seconds left (0 when free again).
 */
export function useWait(): { remaining: number; start: (seconds: number | undefined) => void } {
  const [until, setUntil] = useState<number | null>(null);
  const [now, setNow] = useState(() => Date.now());

  useEffect(() => {
    if (until === null) return undefined;
    const timer = window.setInterval(() => {
      const t = Date.now();
      setNow(t);
      if (t >= until) setUntil(null);
    }, 1000);
    return () => window.clearInterval(timer);
  }, [until]);

  const start = useCallback((seconds: number | undefined) => {
    const t = Date.now();
    setNow(t);
    setUntil(t + Math.max(1, seconds ?? 30) * 1000);
  }, []);

  const remaining = until === null ? 0 : Math.max(0, Math.ceil((until - now) / 1000));
  return { remaining, start };
}
