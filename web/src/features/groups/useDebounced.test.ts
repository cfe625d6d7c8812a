import { act, renderHook } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { useDebounced } from './useDebounced';

describe('useDebounced', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('settles only once the value stopped changing for the delay', () => {
    const { result, rerender } = renderHook(({ v }) => useDebounced(v, 250), { initialProps: { v: '' } });
    for (const v of ['a', 'al', 'ali']) {
      rerender({ v });
      act(() => {
        vi.advanceTimersByTime(100);
      });
      expect(result.current).toBe('');
    }
    act(() => {
      vi.advanceTimersByTime(149);
    });
    expect(result.current).toBe('');
    act(() => {
      vi.advanceTimersByTime(1);
    });
    expect(result.current).toBe('ali');
  });
});
