/** `view` frames: how tile sizes become few frames (views.ts). */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { vi } from 'vitest';
import { meaningful, ViewReporter, type ViewSize } from './views';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function setup(live = true) {
  const sent: [string, ViewSize][] = [];
  const r = new ViewReporter({ send: (id, size) => sent.push([id, size]), intervalMs: 400, threshold: 0.15 });
  if (live) r.connected(true);
  return { r, sent };
}

describe('meaningful', () => {
  it.each([
    ['a first size', { width: 640, height: 360 }, undefined, true],
    ['the same size', { width: 640, height: 360 }, { width: 640, height: 360 }, false],
    ['a 10 % change', { width: 704, height: 396 }, { width: 640, height: 360 }, false],
    ['a 20 % change of the width', { width: 768, height: 360 }, { width: 640, height: 360 }, true],
    ['a 20 % change of the height', { width: 640, height: 290 }, { width: 640, height: 360 }, true],
    ['shown → hidden', { width: 0, height: 0 }, { width: 640, height: 360 }, true],
    ['hidden → shown, however small', { width: 2, height: 2 }, { width: 0, height: 0 }, true],
    ['hidden → hidden', { width: 0, height: 0 }, { width: 0, height: 0 }, false],
  ])('%s', (_name, next, last, want) => {
    expect(meaningful(next, last, 0.15)).toBe(want);
  });
});

describe('ViewReporter', () => {
  it('sends the first burst of reports as one batch, on the next tick, with the latest size of each', async () => {
    const { r, sent } = setup();
    r.report('a', 100, 50);
    r.report('a', 640.4, 359.6); // a resize during the same layout: only the last counts
    r.report('b', 320, 180);
    expect(sent).toEqual([]);
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toEqual([
      ['a', { width: 640, height: 360 }],
      ['b', { width: 320, height: 180 }],
    ]);
  });

  it('sends at most one batch per interval while a window is being resized', async () => {
    const { r, sent } = setup();
    // 60 reports a second for 2 s, growing from 400 to 1600 px wide.
    for (let i = 0; i <= 120; i++) {
      r.report('a', 400 + i * 10, 225 + i * 5.625);
      await vi.advanceTimersByTimeAsync(1000 / 60);
    }
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sent.length).toBeGreaterThan(1);
    expect(sent.length).toBeLessThanOrEqual(6); // 2 s at most every 400 ms, plus the last
    // The last frame is the final size.
    expect(sent[sent.length - 1]).toEqual(['a', { width: 1600, height: 900 }]);
  });

  it('does not send small changes, but sends when they add up', async () => {
    const { r, sent } = setup();
    r.report('a', 1000, 560);
    await vi.advanceTimersByTimeAsync(500);
    sent.length = 0;
    r.report('a', 1080, 600); // +8 %
    await vi.advanceTimersByTimeAsync(500);
    expect(sent).toEqual([]);
    r.report('a', 1120, 630); // +12 % of what was sent: still not
    await vi.advanceTimersByTimeAsync(500);
    expect(sent).toEqual([]);
    r.report('a', 1200, 675); // +20 %
    await vi.advanceTimersByTimeAsync(500);
    expect(sent).toEqual([['a', { width: 1200, height: 675 }]]);
  });

  it('always sends 0 × 0 when a tile goes away, and a size again when it comes back', async () => {
    const { r, sent } = setup();
    r.report('a', 640, 360);
    await vi.advanceTimersByTimeAsync(500);
    r.report('a', 0, 0);
    await vi.advanceTimersByTimeAsync(500);
    r.report('a', -3, 20); // nonsense counts as hidden
    r.report('a', 640, 360);
    await vi.advanceTimersByTimeAsync(500);
    expect(sent).toEqual([
      ['a', { width: 640, height: 360 }],
      ['a', { width: 0, height: 0 }],
      ['a', { width: 640, height: 360 }],
    ]);
  });

  it('a size that returns to what was sent before the batch goes out sends nothing', async () => {
    const { r, sent } = setup();
    r.report('a', 640, 360);
    await vi.advanceTimersByTimeAsync(0);
    r.report('a', 0, 0);
    r.report('a', 640, 360);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sent).toEqual([['a', { width: 640, height: 360 }]]);
  });

  it('caps sizes at 16384 and rounds them', async () => {
    const { r, sent } = setup();
    r.report('a', 99_999, 0.6);
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toEqual([['a', { width: 16384, height: 1 }]]);
  });

  it('sends nothing between connections, and everything known again on a new one', async () => {
    const { r, sent } = setup(false);
    r.report('a', 640, 360);
    r.report('b', 0, 0);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sent).toEqual([]);
    r.connected(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toEqual([
      ['a', { width: 640, height: 360 }],
      ['b', { width: 0, height: 0 }],
    ]);
    sent.length = 0;
    r.connected(false);
    r.report('a', 1280, 720);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sent).toEqual([]);
    r.connected(true); // the SFU of the new connection knows nothing: the same sizes again
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sent).toEqual([
      ['a', { width: 1280, height: 720 }],
      ['b', { width: 0, height: 0 }],
    ]);
  });

  it('forgets a participant who left, and stops with dispose', async () => {
    const { r, sent } = setup();
    r.report('a', 640, 360);
    r.forget('a');
    r.report('b', 640, 360);
    r.dispose();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sent).toEqual([]);
    expect(r.known()).toEqual(['b']);
  });
});
