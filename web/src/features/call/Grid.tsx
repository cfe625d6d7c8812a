import { useEffect, useLayoutEffect, useRef, useState, type CSSProperties, type ReactNode } from 'react';
import { desktopGrid, gridLayout, phoneGrid, type GridOptions } from './grid';
import { ChevronLeftIcon, ChevronRightIcon } from './icons';
import { TileOrder } from './order';
import type { Tile } from './tiles';

/** Narrower boxes than this lay tiles out as a phone does (cells filled). */
const phoneWidth = 600;

/** The strip of cameras under a screen share: one row of small 16:9 tiles. */
const stripGrid: GridOptions = { gap: 8, minWidth: 132, minHeight: 74, pagerHeight: 0, fill: false };

interface Size {
  width: number;
  height: number;
}

/** The content size of an element, kept current (null until measured, and where ResizeObserver is missing). */
function useBoxSize(): [React.RefObject<HTMLDivElement | null>, Size | null] {
  const ref = useRef<HTMLDivElement>(null);
  const [size, setSize] = useState<Size | null>(null);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el || typeof ResizeObserver === 'undefined') return undefined;
    const ro = new ResizeObserver((entries) => {
      const r = entries[entries.length - 1]?.contentRect;
      if (!r) return;
      const next = { width: Math.floor(r.width), height: Math.floor(r.height) };
      setSize((s) => (s && s.width === next.width && s.height === next.height ? s : next));
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return [ref, size];
}

/**
 * The camera tiles: laid out to fit the box (grid.ts), in pages when they
 * do not fit at a readable size, in a stable order that keeps the active
 * speaker on the first page (order.ts). `strip` is the single row under a
 * screen share. Tiles that are not on the page shown are not rendered,
 * which is also how their `view` becomes 0 × 0.
 */
export function CallGrid({
  tiles,
  speaker,
  selfKey,
  strip,
  render,
}: {
  tiles: readonly Tile[];
  /** The active speaker's tile key. */
  speaker: string | null;
  selfKey: string | null;
  strip: boolean;
  render: (tile: Tile) => ReactNode;
}) {
  const [box, size] = useBoxSize();
  const [order] = useState(() => new TileOrder());
  const [page, setPage] = useState(0);
  const options = strip ? stripGrid : size && size.width < phoneWidth ? phoneGrid : desktopGrid;
  const layout = size ? gridLayout(tiles.length, size.width, size.height, options) : null;
  const perPage = layout?.perPage ?? tiles.length;
  const pages = layout?.pages ?? 1;
  const byKey = new Map(tiles.map((t) => [t.key, t]));
  const keys = order.arrange(
    tiles.map((t) => t.key),
    speaker,
    perPage,
    selfKey,
  );
  const shown = Math.min(page, pages - 1);
  useEffect(() => {
    if (page !== shown) setPage(shown);
  }, [page, shown]);
  const visible = keys.slice(shown * perPage, (shown + 1) * perPage).flatMap((k) => byKey.get(k) ?? []);
  const style = layout
    ? ({
        '--call-cols': layout.cols,
        '--call-gap': `${options.gap}px`,
        '--tile-w': `${layout.tileWidth}px`,
        '--tile-h': `${layout.tileHeight}px`,
      } as CSSProperties)
    : undefined;
  return (
    <div ref={box} className={strip ? 'call-grid-box call-grid-strip' : 'call-grid-box'}>
      <ul className={layout ? 'call-grid call-grid-sized' : 'call-grid'} aria-label="Participants" style={style} data-pages={pages}>
        {visible.map(render)}
      </ul>
      {pages > 1 && (
        <nav className="call-pager" aria-label="Pages of participants">
          <button type="button" className="call-pager-button" aria-label="Previous page" disabled={shown === 0} onClick={() => setPage(shown - 1)}>
            <ChevronLeftIcon size={18} />
          </button>
          <span className="call-pager-text" aria-live="polite">
            {`${shown + 1} / ${pages}`}
            <span className="visually-hidden">{` (page ${shown + 1} of ${pages}, ${tiles.length} participants)`}</span>
          </span>
          <button type="button" className="call-pager-button" aria-label="Next page" disabled={shown >= pages - 1} onClick={() => setPage(shown + 1)}>
            <ChevronRightIcon size={18} />
          </button>
        </nav>
      )}
    </div>
  );
}
