/**
 * The per-message features of a conversation (issue 13), apart from its
 * history and sending: editing in place, reactions (optimistic, rolled
 * back with a toast when refused), and the jump from a quote to the
 * message it answers (loading older pages until it is held).
 */
import { useCallback, useEffect, useLayoutEffect, useRef, useState, type Dispatch, type RefObject, type SetStateAction } from 'react';
import { addReaction, editMessage, isApiError, listMessagesBefore, removeReaction, type ApiClient, type Member, type Message, type ReplyRef } from '../../api';
import { useToast } from '../../components/Toast';
import { mentionedIds } from './mentions';
import { applyReaction, applyUpdate, mergeMessages, reacted } from './timeline';

/** How long a message jumped to stays highlighted. */
const highlightMs = 2_500;
/** Page size while looking for a quoted message. */
const jumpPageSize = 100;

function errorText(err: unknown, fallback: string): string {
  return isApiError(err) ? err.message : fallback;
}

export interface MessageFeatureDeps {
  api: ApiClient;
  groupId: string;
  me: string;
  members: readonly Member[];
  items: readonly Message[];
  setItems: Dispatch<SetStateAction<Message[]>>;
  hasOlder: boolean;
  setHasOlder: (more: boolean) => void;
  setLoadingOlder: (loading: boolean) => void;
  list: RefObject<HTMLOListElement | null>;
  /** The conversation's scroll state: a jump leaves the bottom and any kept position. */
  atBottom: RefObject<boolean>;
  keepFrom: RefObject<{ height: number; top: number } | null>;
}

export function useMessageFeatures({ api, groupId, me, members, items, setItems, hasOlder, setHasOlder, setLoadingOlder, list, atBottom, keepFrom }: MessageFeatureDeps) {
  const toast = useToast();
  const [editingId, setEditingId] = useState<string | null>(null);
  const [reacting, setReacting] = useState<{ messageId: string; anchor: HTMLElement } | null>(null);
  const [highlight, setHighlight] = useState<string | null>(null);
  const [jumpTarget, setJumpTarget] = useState<string | null>(null);
  const itemsRef = useRef(items);
  const hasOlderRef = useRef(hasOlder);
  // In the commit, not after it: a click that comes between the commit and
  // the passive effects would otherwise act on the list before this render.
  useLayoutEffect(() => {
    itemsRef.current = items;
    hasOlderRef.current = hasOlder;
  }, [items, hasOlder]);

  const focusMessage = useCallback(
    (id: string) => {
      requestAnimationFrame(() => list.current?.querySelector<HTMLElement>(`[data-id="${id}"]`)?.focus({ preventScroll: true }));
    },
    [list],
  );

  /** Saves an edit (unchanged text just closes the editor); false when refused, with the reason as a toast. */
  function saveEdit(m: Message, text: string): Promise<boolean> {
    const body = text.trim();
    if (body === m.text) {
      setEditingId(null);
      return Promise.resolve(true);
    }
    return editMessage(api, groupId, m.id, { text: body, mentions: mentionedIds(body, members) }).then(
      (updated) => {
        setItems((old) => applyUpdate(old, updated));
        setEditingId((id) => (id === m.id ? null : id));
        focusMessage(m.id);
        return true;
      },
      (err: unknown) => {
        toast(errorText(err, 'Could not save the edit.'));
        return false;
      },
    );
  }

  /** Edits my newest message that can be edited (↑ in the empty composer); false when there is none. */
  function editLast(): boolean {
    const last = [...itemsRef.current].reverse().find((m) => m.authorId === me && !m.deleted && !m.hidden);
    if (!last) return false;
    setEditingId(last.id);
    return true;
  }

  /** Adds or takes back my reaction at once; the server's refusal undoes it and says why. */
  function toggleReaction(messageId: string, emoji: string) {
    const m = itemsRef.current.find((x) => x.id === messageId);
    if (!m || m.deleted) return;
    const had = reacted(m, emoji, me);
    setItems((old) => applyReaction(old, messageId, emoji, me, !had));
    (had ? removeReaction : addReaction)(api, groupId, messageId, emoji).catch((err: unknown) => {
      setItems((old) => applyReaction(old, messageId, emoji, me, had));
      toast(errorText(err, had ? 'Could not remove the reaction.' : 'Could not add the reaction.'));
    });
  }

  /** Closes the reaction picker; focus goes back to its message. */
  function closePicker() {
    const id = reacting?.messageId;
    setReacting(null);
    if (id) focusMessage(id);
  }

  /** The picker's choice: added unless it is already mine. */
  function pickReaction(emoji: string) {
    const id = reacting?.messageId;
    closePicker();
    const m = itemsRef.current.find((x) => x.id === id);
    if (m && !reacted(m, emoji, me)) toggleReaction(m.id, emoji);
  }

  /** Shows the message a quote answers: loads older pages until it is held, then scrolls to it and highlights it. */
  async function jumpTo(ref: ReplyRef) {
    let held = itemsRef.current;
    if (!held.some((m) => m.seq === ref.seq)) {
      let oldest = held[0]?.seq ?? null;
      let more = hasOlderRef.current;
      const pages: Message[] = [];
      setLoadingOlder(true);
      try {
        while (more && oldest !== null && oldest > ref.seq) {
          const page = await listMessagesBefore(api, groupId, oldest, jumpPageSize);
          pages.push(...page.items);
          more = page.hasMore;
          const last = page.items[page.items.length - 1];
          if (!last) break;
          oldest = last.seq;
        }
      } catch (err) {
        toast(errorText(err, 'Could not load the earlier messages.'));
        return;
      } finally {
        setLoadingOlder(false);
      }
      held = mergeMessages(held, pages);
      setItems((old) => mergeMessages(old, pages));
      setHasOlder(more);
    }
    const original = held.find((m) => m.seq === ref.seq);
    if (!original) {
      toast('The original message is no longer there.', 'info');
      return;
    }
    if (original.hidden) {
      toast('You deleted the original message for yourself.', 'info');
      return;
    }
    setJumpTarget(original.id);
  }

  // A jump lands once its message is rendered: scrolled to the middle, focused, highlighted.
  useLayoutEffect(() => {
    if (!jumpTarget) return;
    const el = list.current?.querySelector<HTMLElement>(`[data-id="${jumpTarget}"]`);
    if (!el) return;
    setJumpTarget(null);
    atBottom.current = false;
    keepFrom.current = null;
    el.scrollIntoView?.({ block: 'center' });
    el.focus({ preventScroll: true });
    setHighlight(jumpTarget);
  }, [jumpTarget, items, list, atBottom, keepFrom]);

  useEffect(() => {
    if (!highlight) return undefined;
    const t = setTimeout(() => setHighlight(null), highlightMs);
    return () => clearTimeout(t);
  }, [highlight]);

  return { editingId, setEditingId, saveEdit, editLast, reacting, setReacting, closePicker, pickReaction, toggleReaction, jumpTo, highlight, focusMessage };
}
