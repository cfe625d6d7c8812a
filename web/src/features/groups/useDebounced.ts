import { useEffect, useState } from 'react';

/**
 * The value, once it has stopped changing for `delayMs`. Every change
 * restarts the wait, so typing "alice" quickly yields one update, not five.
 */
export function useDebounced<T>(value: T, delayMs: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = window.setTimeout(() => setSettled(value), delayMs);
    return () => window.clearTimeout(timer);
  }, [value, delayMs]);
  return settled;
}
