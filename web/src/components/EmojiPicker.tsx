import { memo, useEffect, useId, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent, type RefObject } from 'react';
import { createPortal } from 'react-dom';
import { categories, loadRecent, moveInGrid, rememberRecent, searchEmoji, type Emoji, type EmojiSection, type GridKey } from './emoji';
import { trapTab } from './layer';
import './EmojiPicker.css';

export interface EmojiPickerProps {
  /** Called with the emoji chosen (click, tap, Enter or Space). The picker stays open: close it here if wanted. */
  onPick: (emoji: string) => void;
  /** Called on Esc (focus then goes back to the anchor), a click outside, or the sheet's backdrop. */
  onClose: () => void;
  /** The control that opened the picker: placed next to it (above when there is room), focus returns to it on Esc. */
  anchor: HTMLElement | null;
  /** The dialog's accessible name. */
  label?: string;
}

/** Emoji per row: the arrow keys' grid. The sheet's cells grow to the width instead. */
export const pickerColumns = 8;
const sheetQuery = '(max-width: 640px)';
const gap = 8;

function matches(query: string): boolean {
  return typeof window.matchMedia === 'function' && window.matchMedia(query).matches;
}

/** Whether the picker is drawn as a bottom sheet (narrow screens), following the window's width. */
function useSheet(): boolean {
  const [sheet, setSheet] = useState(() => matches(sheetQuery));
  useEffect(() => {
    if (typeof window.matchMedia !== 'function') return undefined;
    const mq = window.matchMedia(sheetQuery);
    const on = () => setSheet(mq.matches);
    mq.addEventListener?.('change', on);
    return () => mq.removeEventListener?.('change', on);
  }, []);
  return sheet;
}

/** Where the popover goes: above the anchor when it fits, else below; kept inside the window. */
function place(anchor: DOMRect, width: number, height: number): { top: string; left: string } {
  const vw = window.innerWidth;
  const vh = window.innerHeight;
  const top = anchor.top - height - gap >= gap || anchor.bottom + gap + height > vh ? Math.max(gap, anchor.top - height - gap) : anchor.bottom + gap;
  const left = Math.min(Math.max(gap, anchor.left), Math.max(gap, vw - width - gap));
  return { top: `${top}px`, left: `${left}px` };
}

/** One section's grid; drawn again only when its active cell changes. */
const Section = memo(function Section({
  section,
  titleId,
  start,
  active,
  onActive,
  onPick,
}: {
  section: EmojiSection;
  titleId: string;
  start: number;
  /** The active cell's index when it is in this section, else -1. */
  active: number;
  onActive: (index: number) => void;
  onPick: RefObject<(e: Emoji) => void>;
}) {
  return (
    <section className="emoji-section" data-section={section.id} aria-labelledby={titleId}>
      <h3 id={titleId} className="emoji-section-title">
        {section.label}
      </h3>
      <div className="emoji-grid" role="group" aria-labelledby={titleId}>
        {section.emoji.map((em, i) => {
          const index = start + i;
          return (
            <button
              key={em.char}
              type="button"
              className={`emoji-cell${index === active ? ' emoji-cell-active' : ''}`}
              data-index={index}
              tabIndex={index === active ? 0 : -1}
              aria-label={em.name}
              title={em.name}
              onFocus={() => onActive(index)}
              onMouseEnter={() => onActive(index)}
              onClick={() => onPick.current(em)}
            >
              {em.char}
            </button>
          );
        })}
      </div>
    </section>
  );
});

/**
 * An emoji picker: a search box (by name and common words), the recently
 * used emoji (kept in this browser) and the bundled list by category, with
 * tabs to jump to a category. The arrow keys move through the grid (↓ from
 * the search box enters it, ↑ from its first row goes back), Home and End
 * go to a row's ends, Enter or Space picks; Enter in the search box picks
 * the first match; typing in the grid goes on in the search box; Esc closes
 * and gives focus back to the anchor. A popover next to the anchor on wide
 * screens, a bottom sheet at 640 px and less.
 */
export function EmojiPicker({ onPick, onClose, anchor, label = 'Choose an emoji' }: EmojiPickerProps) {
  const [query, setQuery] = useState('');
  const [recent, setRecent] = useState<Emoji[]>(loadRecent);
  const [active, setActive] = useState(0);
  const [current, setCurrent] = useState<string | null>(null);
  const sheet = useSheet();
  const root = useRef<HTMLDivElement>(null);
  const search = useRef<HTMLInputElement>(null);
  const scroller = useRef<HTMLDivElement>(null);
  const onCloseRef = useRef(onClose);
  const ids = useId();
  useEffect(() => {
    onCloseRef.current = onClose;
  }, [onClose]);

  const sections: EmojiSection[] = useMemo(() => {
    if (query.trim() !== '') return [{ id: 'results', label: 'Search results', icon: '', emoji: searchEmoji(query) }];
    return [...(recent.length > 0 ? [{ id: 'recent', label: 'Recently used', icon: '🕘', emoji: recent }] : []), ...categories];
  }, [query, recent]);
  const flat = useMemo(() => sections.flatMap((s) => s.emoji), [sections]);
  const sizes = useMemo(() => sections.map((s) => s.emoji.length), [sections]);
  const activeEmoji = flat[Math.min(active, flat.length - 1)];

  // A new search starts at its first match.
  useEffect(() => setActive(0), [query]);

  // Opening: focus the search box on a device with a keyboard (on a phone it would pop up the on-screen keyboard).
  useEffect(() => {
    if (matches('(hover: hover) and (pointer: fine)')) search.current?.focus();
    else root.current?.focus();
  }, []);

  // Placement next to the anchor, before the first paint (the sheet is placed by its style sheet).
  useLayoutEffect(() => {
    const el = root.current;
    if (!el) return undefined;
    const update = () => {
      const at = !sheet && anchor ? place(anchor.getBoundingClientRect(), el.offsetWidth, el.offsetHeight) : null;
      el.style.top = at?.top ?? '';
      el.style.left = at?.left ?? '';
    };
    update();
    window.addEventListener('resize', update);
    window.visualViewport?.addEventListener('resize', update);
    return () => {
      window.removeEventListener('resize', update);
      window.visualViewport?.removeEventListener('resize', update);
    };
  }, [anchor, sheet]);

  // A press outside (but not on the anchor, which toggles) closes it.
  useEffect(() => {
    const onDown = (e: PointerEvent) => {
      const t = e.target as Node | null;
      if (!t || root.current?.contains(t) || anchor?.contains(t)) return;
      onCloseRef.current();
    };
    document.addEventListener('pointerdown', onDown, true);
    return () => document.removeEventListener('pointerdown', onDown, true);
  }, [anchor]);

  function cell(index: number): HTMLButtonElement | null {
    return root.current?.querySelector<HTMLButtonElement>(`[data-index="${index}"]`) ?? null;
  }

  function focusCell(index: number) {
    setActive(index);
    // Rendered with tabIndex 0 on the next paint; focus works on any button now.
    cell(index)?.focus();
  }

  function pick(e: Emoji) {
    rememberRecent(e.char);
    setRecent(loadRecent());
    onPick(e.char);
  }
  const pickRef = useRef(pick);
  useEffect(() => {
    pickRef.current = pick;
  });

  function close() {
    onClose();
    anchor?.focus();
  }

  function onKeyDown(e: KeyboardEvent<HTMLDivElement>) {
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      close();
      return;
    }
    if (e.key === 'Tab') {
      trapTab(e, root.current);
      return;
    }
    const target = e.target as HTMLElement;
    if (target === search.current) {
      if (e.key === 'ArrowDown' && flat.length > 0) {
        e.preventDefault();
        focusCell(0);
      } else if (e.key === 'Enter' && !e.nativeEvent.isComposing) {
        e.preventDefault();
        const first = query.trim() !== '' ? flat[0] : undefined;
        if (first) pick(first);
      }
      return;
    }
    const index = target.dataset['index'];
    if (index === undefined) return;
    if (['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown', 'Home', 'End'].includes(e.key)) {
      e.preventDefault();
      const next = moveInGrid(sizes, pickerColumns, Number(index), e.key as GridKey);
      if (next < 0) search.current?.focus();
      else focusCell(next);
      return;
    }
    // Typing goes on in the search box.
    if (e.key.length === 1 && e.key !== ' ' && !e.ctrlKey && !e.metaKey && !e.altKey) search.current?.focus();
    else if (e.key === 'Backspace') search.current?.focus();
  }

  function jumpTo(id: string) {
    const box = scroller.current;
    const section = root.current?.querySelector<HTMLElement>(`[data-section="${id}"]`);
    if (!box || !section) return;
    box.scrollTop = section.offsetTop - box.offsetTop;
    setCurrent(id);
  }

  // The tab of the section at the top of the scrolled list.
  function onScroll() {
    const box = scroller.current;
    if (!box) return;
    let at: string | null = null;
    for (const s of box.querySelectorAll<HTMLElement>('[data-section]')) {
      if (s.offsetTop - box.offsetTop <= box.scrollTop + 8) at = s.dataset['section'] ?? null;
    }
    setCurrent(at);
  }

  let offset = 0;
  const host = anchor?.closest<HTMLElement>('.modal-host') ?? document.body;
  return createPortal(
    <>
      {sheet && <div className="emoji-backdrop" aria-hidden="true" onPointerDown={() => onClose()} />}
      <div
        ref={root}
        className={`emoji-picker${sheet ? ' emoji-picker-sheet' : ''}`}
        role="dialog"
        aria-label={label}
        tabIndex={-1}
        onKeyDown={onKeyDown}
      >
        <div className="emoji-top">
          <input
            ref={search}
            className="emoji-search"
            type="search"
            placeholder="Search emoji"
            aria-label="Search emoji"
            autoComplete="off"
            spellCheck={false}
            value={query}
            onChange={(e) => setQuery(e.target.value)}
          />
          {query === '' && (
            <div className="emoji-tabs" aria-label="Categories">
              {sections.map((s) => (
                <button
                  key={s.id}
                  type="button"
                  className={`emoji-tab${(current ?? sections[0]?.id) === s.id ? ' emoji-tab-current' : ''}`}
                  tabIndex={-1}
                  title={s.label}
                  aria-label={s.label}
                  onClick={() => jumpTo(s.id)}
                >
                  {s.icon}
                </button>
              ))}
            </div>
          )}
        </div>
        <div ref={scroller} className="emoji-scroll" onScroll={onScroll}>
          {flat.length === 0 && <p className="emoji-none">No emoji found</p>}
          {sections.map((s) => {
            const start = offset;
            offset += s.emoji.length;
            if (s.emoji.length === 0) return null;
            const mine = active >= start && active < start + s.emoji.length;
            return (
              <Section key={s.id} section={s} titleId={`${ids}-${s.id}`} start={start} active={mine ? active : -1} onActive={setActive} onPick={pickRef} />
            );
          })}
        </div>
        <div className="emoji-preview" aria-hidden="true">
          {activeEmoji && (
            <>
              <span className="emoji-preview-char">{activeEmoji.char}</span>
              <span className="emoji-preview-name">{activeEmoji.name}</span>
            </>
          )}
        </div>
      </div>
    </>,
    host,
  );
}
