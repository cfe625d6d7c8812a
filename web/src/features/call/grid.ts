/**
 * The geometry of the call grid: how many columns and rows, how large the
 * tiles, and how many pages, for `count` tiles in a box of width × height
 * CSS pixels. Pure, so that it is tested without a browser.
 *
 * Tiles take the largest size at which they all fit. Below the minimum
 * tile size they are spread over pages instead (a call may have 50
 * participants, the SFU's default maximum): each page is the grid of as
 * many minimum-size cells as fit in the box less the pager's row,
 * stretched to fill it, the same on every page.
 *
 * Two shapes: `fixed` tiles keep 16:9 (wide screens: the video is shown
 * whole); `fill` tiles take their whole cell (phones: a portrait cell
 * crops the sides of the video rather than leave bars), and the layout
 * prefers cells between 3:4 and 16:9.
 */

export interface GridOptions {
  gap: number;
  minWidth: number;
  minHeight: number;
  /** The height of the pager's row, taken from the box when there are pages. */
  pagerHeight: number;
  fill: boolean;
}

export interface GridLayout {
  cols: number;
  rows: number;
  /** Tiles per page (all of them when there is one page). */
  perPage: number;
  pages: number;
  /** The size of each tile, CSS px. */
  tileWidth: number;
  tileHeight: number;
}

const wide = 16 / 9;
const tall = 3 / 4;

/** Desktop: 16:9 tiles of at least 176 × 99. */
export const desktopGrid: GridOptions = { gap: 12, minWidth: 176, minHeight: 99, pagerHeight: 40, fill: false };
/** Phones: cells fill the width, at least 150 × 96. */
export const phoneGrid: GridOptions = { gap: 8, minWidth: 150, minHeight: 96, pagerHeight: 40, fill: true };

interface Fit {
  cols: number;
  rows: number;
  tileWidth: number;
  tileHeight: number;
  /** How much of the video shows: the area of the 16:9 (fixed) or 3:4…16:9 (fill) rectangle in a cell. */
  score: number;
}

function fitIn(count: number, width: number, height: number, o: GridOptions): Fit {
  let best: Fit = { cols: 1, rows: 1, tileWidth: 0, tileHeight: 0, score: -1 };
  for (let cols = 1; cols <= Math.max(1, count); cols++) {
    const rows = Math.ceil(count / cols);
    const cellW = (width - (cols - 1) * o.gap) / cols;
    const cellH = (height - (rows - 1) * o.gap) / rows;
    if (cellW <= 0 || cellH <= 0) continue;
    let tileWidth: number;
    let tileHeight: number;
    let score: number;
    if (o.fill) {
      tileWidth = cellW;
      tileHeight = cellH;
      const w = Math.min(cellW, cellH * wide);
      const h = Math.min(cellH, cellW / tall);
      score = w * h;
    } else {
      tileWidth = Math.min(cellW, cellH * wide);
      tileHeight = tileWidth / wide;
      score = tileWidth * tileHeight;
    }
    // Equal scores: fewer columns (a fuller last row is not worth a smaller tile).
    if (score > best.score + 0.5) best = { cols, rows, tileWidth, tileHeight, score };
  }
  return best;
}

/** The layout of `count` tiles in a width × height box. */
export function gridLayout(count: number, width: number, height: number, o: GridOptions): GridLayout {
  const n = Math.max(1, count);
  const all = fitIn(n, width, height, o);
  if (all.tileWidth >= o.minWidth && all.tileHeight >= o.minHeight) {
    return { cols: all.cols, rows: all.rows, perPage: n, pages: 1, tileWidth: floor(all.tileWidth), tileHeight: floor(all.tileHeight) };
  }
  const h = Math.max(0, height - o.pagerHeight);
  const cols = Math.max(1, Math.floor((width + o.gap) / (o.minWidth + o.gap)));
  const rows = Math.max(1, Math.floor((h + o.gap) / (o.minHeight + o.gap)));
  const perPage = Math.min(n, cols * rows);
  if (perPage >= n) {
    // Fits at the minimum size only without the pager: one page of small tiles.
    return { cols: all.cols, rows: all.rows, perPage: n, pages: 1, tileWidth: floor(all.tileWidth), tileHeight: floor(all.tileHeight) };
  }
  // The page is the grid of minimum-size cells, stretched to the box.
  const cellW = (width - (cols - 1) * o.gap) / cols;
  const cellH = (h - (rows - 1) * o.gap) / rows;
  const tileWidth = o.fill ? cellW : Math.min(cellW, cellH * wide);
  const tileHeight = o.fill ? cellH : tileWidth / wide;
  return { cols, rows, perPage, pages: Math.ceil(n / perPage), tileWidth: floor(tileWidth), tileHeight: floor(tileHeight) };
}

const floor = (v: number) => Math.max(0, Math.floor(v));
