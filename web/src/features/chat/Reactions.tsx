import { lazy, Suspense, useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import { createPortal } from 'react-dom';
import type { Reaction } from '../../api/types';
import { SmilePlusIcon } from './icons';

// The full picker and its list load when first asked for.
const EmojiPicker = lazy(() => import('../../components/EmojiPicker').then((m) => ({ default: m.EmojiPicker })));

/** The emoji offered at once when adding a reaction. */
export const quickReactions = ['👍', '❤️', '😂', '😮', '😢', '🎉'] as const;

/** "alice", "alice and you", "alice, bob and you". */
export function namesList(names: readonly string[]): string {
  if (names.length <= 1) return names[0] ?? '';
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** Who reacted with an emoji, for its tooltip: "👍 alice and you". */
export function whoReacted(r: Reaction, me: string, nameOf: (userId: string) => string): string {
  const others = r.userIds.filter((u) => u !== me).map(nameOf);
  return namesList(r.userIds.includes(me) ? [...others, 'you'] : others);
}

/**
 * A message's reactions: one chip per emoji with its count (pressed when
 * one of them is mine; a click toggles mine), "who reacted" as the chip's
 * title and label, and a button to add another.
 */
export function ReactionChips({
  reactions,
  me,
  nameOf,
  onToggle,
  onAdd,
}: {
  reactions: readonly Reaction[];
  me: string;
  nameOf: (userId: string) => string;
  onToggle: (emoji: string) => void;
  onAdd: (anchor: HTMLElement) => void;
}) {
  return (
    <div className="msg-reactions" role="group" aria-label="Reactions">
      {reactions.map((r) => {
        const mine = r.userIds.includes(me);
        const who = whoReacted(r, me, nameOf);
        return (
          <button
            key={r.emoji}
            type="button"
            className={`reaction${mine ? ' reaction-mine' : ''}`}
            aria-pressed={mine}
            aria-label={`${r.emoji} ${r.count}: ${who}`}
            title={`${who} reacted with ${r.emoji}`}
            onClick={() => onToggle(r.emoji)}
          >
            <span className="reaction-emoji">{r.emoji}</span>
            <span className="reaction-count">{r.count}</span>
          </button>
        );
      })}
      <button type="button" className="reaction reaction-add" aria-label="Add reaction" title="Add reaction" onClick={(e) => onAdd(e.currentTarget)}>
        <SmilePlusIcon />
      </button>
    </div>
  );
}

/**
 * Picking a reaction: the quick row, in a popover placed by its anchor
 * (above it when there is room, else below; kept on screen), and "More
 * emoji" for the full EmojiPicker in its place. ←/→ move, Esc or a click
 * elsewhere closes it and focus goes back where it came from.
 */
export function ReactionPicker({ anchor, onPick, onClose }: { anchor: HTMLElement; onPick: (emoji: string) => void; onClose: () => void }) {
  const [more, setMore] = useState(false);
  if (more) {
    return (
      <Suspense fallback={null}>
        <EmojiPicker anchor={anchor} label="Add reaction" onPick={onPick} onClose={onClose} />
      </Suspense>
    );
  }
  return <QuickReactions anchor={anchor} onPick={onPick} onClose={onClose} onMore={() => setMore(true)} />;
}

function QuickReactions({
  anchor,
  onPick,
  onClose,
  onMore,
}: {
  anchor: HTMLElement;
  onPick: (emoji: string) => void;
  onClose: () => void;
  onMore: () => void;
}) {
  const box = useRef<HTMLDivElement>(null);
  const [pos, setPos] = useState<{ top: number; left: number } | null>(null);
  const onCloseRef = useRef(onClose);
  useEffect(() => {
    onCloseRef.current = onClose;
  }, [onClose]);

  useLayoutEffect(() => {
    const place = () => {
      const el = box.current;
      if (!el) return;
      const a = anchor.getBoundingClientRect();
      const { width, height } = el.getBoundingClientRect();
      const margin = 8;
      const vw = document.documentElement.clientWidth;
      const top = a.top - height - 6 >= margin ? a.top - height - 6 : a.bottom + 6;
      const left = Math.min(Math.max(a.left + a.width / 2 - width / 2, margin), vw - width - margin);
      setPos({ top, left });
    };
    place();
    // It follows its message (new messages arriving, the window resized).
    window.addEventListener('scroll', place, true);
    window.addEventListener('resize', place);
    return () => {
      window.removeEventListener('scroll', place, true);
      window.removeEventListener('resize', place);
    };
  }, [anchor]);

  useEffect(() => {
    box.current?.querySelector<HTMLButtonElement>('button')?.focus({ preventScroll: true });
    const onDown = (e: PointerEvent) => {
      if (!box.current?.contains(e.target as Node) && !anchor.contains(e.target as Node)) onCloseRef.current();
    };
    document.addEventListener('pointerdown', onDown);
    return () => document.removeEventListener('pointerdown', onDown);
  }, [anchor]);

  function onKeyDown(e: KeyboardEvent<HTMLDivElement>) {
    const buttons = [...(box.current?.querySelectorAll<HTMLButtonElement>('.reaction-pick') ?? [])];
    const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      onClose();
    } else if ((e.key === 'ArrowRight' || e.key === 'ArrowLeft') && at >= 0) {
      e.preventDefault();
      buttons[(at + (e.key === 'ArrowRight' ? 1 : -1) + buttons.length) % buttons.length]?.focus();
    } else if (e.key === 'Tab') {
      // Focus stays in the picker while it is open.
      const first = buttons[0];
      const last = buttons[buttons.length - 1];
      if (!e.shiftKey && document.activeElement === last) {
        e.preventDefault();
        first?.focus();
      } else if (e.shiftKey && document.activeElement === first) {
        e.preventDefault();
        last?.focus();
      }
    }
  }

  return createPortal(
    <div
      ref={box}
      role="dialog"
      aria-label="Add reaction"
      className="reaction-picker"
      style={pos ? { top: `${pos.top}px`, left: `${pos.left}px` } : { visibility: 'hidden', top: 0, left: 0 }}
      onKeyDown={onKeyDown}
    >
      <div className="reaction-quick" role="group" aria-label="Quick reactions">
        {quickReactions.map((emoji) => (
          <button key={emoji} type="button" className="reaction-pick" aria-label={`React with ${emoji}`} title={emoji} onClick={() => onPick(emoji)}>
            {emoji}
          </button>
        ))}
        <button type="button" className="reaction-pick reaction-more" aria-label="More emoji" title="More emoji" onClick={onMore}>
          <SmilePlusIcon size={20} />
        </button>
      </div>
    </div>,
    document.body,
  );
}
