import { useId, useLayoutEffect, useRef, useState, type KeyboardEvent, type ReactNode, type RefObject } from 'react';
import { Avatar } from '../../components/Avatar';
import { insertMention, mentionCandidates, mentionQuery, type Mentionable } from './mentions';

/** A member the autocomplete offers (its picture, when any, beside the name). */
export interface MentionMember extends Mentionable {
  pictureUrl?: string | null;
}

export interface MentionAutocomplete {
  /** Call from the textarea's onKeyDown first: true when the key was the list's (and is handled). */
  onKeyDown: (e: KeyboardEvent<HTMLTextAreaElement>) => boolean;
  /** Call when the text or the caret moved (onChange, onSelect). */
  sync: () => void;
  /** The list, or null when closed. */
  popup: ReactNode;
  /** ARIA for the textarea (an autocomplete list with an active option). */
  inputProps: {
    'aria-autocomplete': 'list';
    'aria-controls'?: string;
    'aria-activedescendant'?: string;
  };
  open: boolean;
}

/**
 * The @mention autocomplete of a textarea: typing "@" and the start of a
 * name lists the matching members; ↑/↓ move, Enter or Tab insert
 * "@username ", Esc closes the list (until another @ is typed), a click
 * inserts too. The textarea keeps focus and its textbox role (the list is
 * its aria-activedescendant).
 */
export function useMentionAutocomplete(
  members: readonly MentionMember[],
  area: RefObject<HTMLTextAreaElement | null>,
  setText: (text: string) => void,
): MentionAutocomplete {
  const [query, setQuery] = useState<{ start: number; query: string } | null>(null);
  const [index, setIndex] = useState(0);
  const [dismissed, setDismissed] = useState<number | null>(null);
  const caretAfter = useRef<number | null>(null);
  const id = useId();
  const listId = `${id}-list`;

  const candidates = query ? mentionCandidates(members, query.query) : [];
  const open = query !== null && candidates.length > 0 && query.start !== dismissed;
  const at = Math.min(index, Math.max(candidates.length - 1, 0));

  useLayoutEffect(() => {
    const el = area.current;
    const caret = caretAfter.current;
    if (!el || caret === null || el.value.length < caret) return;
    caretAfter.current = null;
    el.setSelectionRange(caret, caret);
  });

  function sync() {
    const el = area.current;
    if (!el) return;
    const q = el.selectionStart === el.selectionEnd ? mentionQuery(el.value, el.selectionStart) : null;
    if (q?.start !== query?.start) setIndex(0);
    if (q === null && dismissed !== null) setDismissed(null);
    setQuery(q);
  }

  function choose(m: MentionMember) {
    const el = area.current;
    if (!el || !query) return;
    const next = insertMention(el.value, query.start, el.selectionStart, m.username);
    caretAfter.current = next.caret;
    setText(next.text);
    setQuery(null);
    el.focus();
  }

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>): boolean {
    if (!open || e.nativeEvent.isComposing) return false;
    const n = candidates.length;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      setIndex((at + (e.key === 'ArrowDown' ? 1 : -1) + n) % n);
    } else if ((e.key === 'Enter' && !e.shiftKey) || (e.key === 'Tab' && !e.shiftKey)) {
      const m = candidates[at];
      if (m) choose(m);
    } else if (e.key === 'Escape') {
      setDismissed(query.start);
    } else {
      return false;
    }
    e.preventDefault();
    e.stopPropagation();
    return true;
  }

  const popup = open ? (
    <ul id={listId} role="listbox" aria-label="Members to mention" className="mention-list">
      {candidates.map((m, i) => (
        <li
          key={m.userId}
          id={`${id}-${i}`}
          role="option"
          aria-selected={i === at}
          className={`mention-option${i === at ? ' mention-option-active' : ''}`}
          onMouseDown={(e) => e.preventDefault()}
          onMouseEnter={() => setIndex(i)}
          onClick={() => choose(m)}
        >
          <Avatar name={m.displayName || m.username} colorKey={m.username} src={m.pictureUrl ?? null} size="sm" />
          {m.displayName ? (
            <>
              <span className="mention-option-name">{m.displayName}</span>
              <span className="mention-option-user">@{m.username}</span>
            </>
          ) : (
            <span className="mention-option-name">@{m.username}</span>
          )}
        </li>
      ))}
    </ul>
  ) : null;

  return {
    onKeyDown,
    sync,
    popup,
    open,
    inputProps: {
      'aria-autocomplete': 'list',
      ...(open ? { 'aria-controls': listId, 'aria-activedescendant': `${id}-${at}` } : {}),
    },
  };
}
