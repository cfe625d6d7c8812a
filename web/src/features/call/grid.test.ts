/** The grid's geometry, the tile order and the camera's layers (grid.ts, order.ts, layers.ts). */
import { describe, expect, it } from 'vitest';
import { desktopGrid, gridLayout, phoneGrid } from './grid';
import { withCameraLayers } from './layers';
import { TileOrder } from './order';

describe('gridLayout', () => {
  it('gives one or two people the largest 16:9 tiles that fit', () => {
    expect(gridLayout(1, 1000, 620, desktopGrid)).toMatchObject({ cols: 1, rows: 1, pages: 1, tileWidth: 1000 });
    // Side by side they would be 494 wide; stacked, 540.
    expect(gridLayout(2, 1000, 620, desktopGrid)).toMatchObject({ cols: 1, rows: 2, pages: 1, perPage: 2, tileWidth: 540, tileHeight: 304 });
    expect(gridLayout(2, 1400, 620, desktopGrid)).toMatchObject({ cols: 2, rows: 1, tileWidth: 694 });
  });

  it('fits 3 to 25 people on one page of a 1000 × 620 box, every tile at least the minimum', () => {
    for (let n = 3; n <= 25; n++) {
      const l = gridLayout(n, 1000, 620, desktopGrid);
      expect(l.pages, `n=${n}`).toBe(1);
      expect(l.cols * l.rows).toBeGreaterThanOrEqual(n);
      expect(l.tileWidth).toBeGreaterThanOrEqual(desktopGrid.minWidth);
      expect(l.cols * l.tileWidth + (l.cols - 1) * desktopGrid.gap).toBeLessThanOrEqual(1000);
      expect(l.rows * l.tileHeight + (l.rows - 1) * desktopGrid.gap).toBeLessThanOrEqual(620);
    }
  });

  it('puts 50 people on pages of tiles no smaller than the minimum, leaving room for the pager', () => {
    const l = gridLayout(50, 1000, 620, desktopGrid);
    expect(l.pages).toBe(Math.ceil(50 / l.perPage));
    expect(l.pages).toBeGreaterThan(1);
    expect(l.tileWidth).toBeGreaterThanOrEqual(desktopGrid.minWidth);
    expect(l.tileHeight).toBeGreaterThanOrEqual(desktopGrid.minHeight);
    expect(l.rows * l.tileHeight + (l.rows - 1) * desktopGrid.gap).toBeLessThanOrEqual(620 - desktopGrid.pagerHeight);
    expect(l.cols * l.rows).toBeGreaterThanOrEqual(l.perPage);
  });

  it('stacks a few people on a 375 px phone, and pages many in two columns', () => {
    // The stage of a 375 × 812 phone: about 351 × 600.
    expect(gridLayout(2, 351, 600, phoneGrid)).toMatchObject({ cols: 1, rows: 2, pages: 1, tileWidth: 351 });
    expect(gridLayout(3, 351, 600, phoneGrid)).toMatchObject({ cols: 1, rows: 3, pages: 1 });
    const many = gridLayout(50, 351, 600, phoneGrid);
    expect(many.cols).toBe(2);
    expect(many.pages).toBeGreaterThan(1);
    expect(many.tileWidth).toBeGreaterThanOrEqual(phoneGrid.minWidth);
    expect(many.tileHeight).toBeGreaterThanOrEqual(phoneGrid.minHeight);
    expect(many.rows * many.tileHeight + (many.rows - 1) * phoneGrid.gap).toBeLessThanOrEqual(600 - phoneGrid.pagerHeight);
  });

  it('survives a box too small for even one tile', () => {
    const l = gridLayout(5, 40, 30, desktopGrid);
    expect(l.perPage).toBeGreaterThanOrEqual(1);
    expect(l.pages).toBe(Math.ceil(5 / l.perPage));
  });
});

describe('TileOrder', () => {
  const keys = (n: number) => Array.from({ length: n }, (_, i) => `p${i}`);

  it('keeps join order, adds newcomers at the end, closes the gap of who left', () => {
    const o = new TileOrder();
    expect(o.arrange(['a', 'b', 'c'], null, 10)).toEqual(['a', 'b', 'c']);
    expect(o.arrange(['a', 'b', 'c', 'd'], null, 10)).toEqual(['a', 'b', 'c', 'd']);
    expect(o.arrange(['a', 'c', 'd'], null, 10)).toEqual(['a', 'c', 'd']);
  });

  it('keeps this client first', () => {
    const o = new TileOrder();
    expect(o.arrange(['a', 'me', 'b'], null, 10, 'me')).toEqual(['me', 'a', 'b']);
  });

  it('does not move a speaker who is on the first page, however often the speaker changes', () => {
    const o = new TileOrder();
    const all = keys(12);
    for (const s of ['p3', 'p1', 'p3', 'p0', 'p2', 'p1']) expect(o.arrange(all, s, 4)).toEqual(all);
  });

  it('swaps an off-page speaker with the first-page tile that spoke least recently, moving nobody else', () => {
    const o = new TileOrder();
    const all = keys(12);
    o.arrange(all, 'p1', 4, 'p0');
    o.arrange(all, 'p3', 4, 'p0');
    o.arrange(all, 'p2', 4, 'p0');
    // p1 spoke longest ago on page one (p0 is pinned): p9 takes its place, p1 takes p9's.
    expect(o.arrange(all, 'p9', 4, 'p0')).toEqual(['p0', 'p9', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8', 'p1', 'p10', 'p11']);
    // Stable afterwards: the same speaker again, or one already on page one, moves nothing.
    expect(o.arrange(all, 'p9', 4, 'p0')).toEqual(['p0', 'p9', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8', 'p1', 'p10', 'p11']);
    expect(o.arrange(all, 'p3', 4, 'p0')).toEqual(['p0', 'p9', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8', 'p1', 'p10', 'p11']);
  });

  it('prefers, among first-page tiles that never spoke, the last one', () => {
    const o = new TileOrder();
    expect(o.arrange(keys(8), 'p6', 3)).toEqual(['p0', 'p1', 'p6', 'p3', 'p4', 'p5', 'p2', 'p7']);
  });

  it('keeps the speaker on the first page when the page shrinks', () => {
    const o = new TileOrder();
    o.arrange(keys(10), 'p7', 10);
    const small = o.arrange(keys(10), 'p7', 4);
    expect(small.indexOf('p7')).toBeLessThan(4);
  });
});

describe('withCameraLayers', () => {
  it('sets quarter, half and full resolution by rid, lowest bitrate first', () => {
    const out = withCameraLayers([{ rid: 'q' }, { rid: 'h' }, { rid: 'f' }]);
    expect(out).toEqual([
      { rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 120_000, active: true },
      { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 350_000, active: true },
      { rid: 'f', scaleResolutionDownBy: 1, maxBitrate: 900_000, active: true },
    ]);
    expect(withCameraLayers(out ?? [])).toBeNull(); // already set
  });

  it('leaves a single encoding (no simulcast) and unknown rids alone', () => {
    expect(withCameraLayers([{}])).toBeNull();
    expect(withCameraLayers([{ rid: 'x' }, { rid: 'y' }])).toBeNull();
  });
});
