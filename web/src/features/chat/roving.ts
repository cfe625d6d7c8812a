/**
 * Roving focus for the message list (the WAI-ARIA feed pattern): the list
 * is one Tab stop, the message that has it; ↑/↓ move between messages,
 * Home/End go to the first and last, Enter (or the context-menu key,
 * Shift+F10) opens the message's menu, Esc leaves for the composer. Tab
 * from a message reaches its own links and buttons (the quote, images,
 * reactions), then leaves the list; other messages' controls are not Tab
 * stops, and the menu buttons never are (they carry data-roving-skip).
 */
import { useCallback, useLayoutEffect, useState, type FocusEvent, type KeyboardEvent, type RefObject } from 'react';

const itemSelector = 'li.msg[data-key]';
const innerSelector = 'a[href], button, input, textarea, select, [tabindex]';

export interface RovingList {
  /** The key of the message holding the Tab stop, or null for the default (the newest). */
  activeKey: string | null;
  setActiveKey: (key: string | null) => void;
  onFocus: (e: FocusEvent<HTMLElement>) => void;
  onKeyDown: (e: KeyboardEvent<HTMLElement>) => void;
}

export function useRovingList(
  list: RefObject<HTMLElement | null>,
  { onEscape, onBeforeFirst }: { onEscape: () => void; onBeforeFirst?: () => void },
): RovingList {
  const [activeKey, setActiveKey] = useState<string | null>(null);

  // After every render: only the active message's own controls are Tab stops.
  useLayoutEffect(() => {
    const root = list.current;
    if (!root) return;
    for (const li of root.querySelectorAll<HTMLElement>(itemSelector)) {
      const on = li.tabIndex === 0;
      for (const el of li.querySelectorAll<HTMLElement>(innerSelector)) {
        if (el.hasAttribute('data-roving-skip') || el.closest('[data-roving-keep]')) continue;
        const want = on ? 0 : -1;
        if (el.tabIndex !== want) el.tabIndex = want;
      }
    }
  });

  const onFocus = useCallback((e: FocusEvent<HTMLElement>) => {
    const li = (e.target as HTMLElement).closest<HTMLElement>(itemSelector);
    const key = li?.dataset['key'];
    if (key) setActiveKey(key);
  }, []);

  const onKeyDown = useCallback(
    (e: KeyboardEvent<HTMLElement>) => {
      const target = e.target as HTMLElement;
      if (!target.matches(itemSelector) || e.altKey || e.ctrlKey || e.metaKey) return;
      const items = [...(list.current?.querySelectorAll<HTMLElement>(itemSelector) ?? [])];
      const at = items.indexOf(target);
      let next: number | null = null;
      switch (e.key) {
        case 'ArrowDown':
          next = Math.min(at + 1, items.length - 1);
          break;
        case 'ArrowUp':
          if (at === 0) onBeforeFirst?.();
          next = Math.max(at - 1, 0);
          break;
        case 'Home':
          next = 0;
          break;
        case 'End':
          next = items.length - 1;
          break;
        case 'Enter':
        case 'ContextMenu':
        case 'F10':
          if (e.key === 'F10' && !e.shiftKey) return;
          e.preventDefault();
          target.querySelector<HTMLButtonElement>('button[aria-haspopup="menu"]')?.click();
          return;
        case 'Escape':
          e.preventDefault();
          onEscape();
          return;
        default:
          return;
      }
      e.preventDefault();
      const li = items[next];
      if (!li) return;
      li.focus({ preventScroll: true });
      li.scrollIntoView?.({ block: 'nearest' });
      const key = li.dataset['key'];
      if (key) setActiveKey(key);
    },
    [list, onEscape, onBeforeFirst],
  );

  return { activeKey, setActiveKey, onFocus, onKeyDown };
}
