import { Fragment, useCallback, useEffect, useLayoutEffect, useMemo, useReducer, useRef, useState, type DragEvent } from 'react';
import {
  displayName,
  createUploads,
  deleteMessage,
  hideMessage,
  isApiError,
  listMessagesBefore,
  listReadReceipts,
  postMessage,
  progressPercent,
  uploadWithProgress,
  type Attachment,
  type GroupDetail,
  type Member,
  type Message,
} from '../../api';
import { Button } from '../../components/Button';
import { Modal } from '../../components/Modal';
import { Spinner } from '../../components/Spinner';
import { useSession } from '../../session/SessionContext';
import { mayDeleteMessage } from '../groups/rights';
import { ChatIcon } from '../groups/icons';
import { useChat, useChatFrames } from './ChatContext';
import { Composer, maxFiles, type FileProgress } from './Composer';
import type { ServerFrame } from './frames';
import { dayKey, dayLabel } from './format';
import { readImageSize, rememberImageSize } from './imageSize';
import { Lightbox, type ViewerImage } from './Lightbox';
import { mentionedIds } from './mentions';
import { MessageItem, OutgoingItem, type MessageActions } from './MessageItem';
import { newClientMsgId, outboxReducer, type Outgoing } from './outbox';
import { ReactionPicker } from './Reactions';
import { useRovingList } from './roving';
import { applyReaction, applyUpdate, excerptOf, markDeleted, markHidden, mergeMessages, sameRun } from './timeline';
import { useMessageFeatures } from './messageFeatures';
import { onJumpRequest, takeJump } from '../search/jumps';
import { Avatar } from '../../components/Avatar';
import { applyReceipt, seenBy, seenFaces, seenLabel, seenText, type Receipts } from './receipts';
import { addTyper, expireTypers, nextExpiry, removeTyper, shouldSendTyping, typingText, type Typers } from './typing';
import './Chat.css';

/** How long a sent message may stay unconfirmed before it is marked failed. */
export const sendTimeoutMs = 15_000;
/**
 * What waited offline goes out this many at a time, a second apart: the
 * server closes a socket that sends more than 20 frames a second beyond a
 * burst of 40 (4008), and a long queue sent at once would trip it.
 */
const resendBatch = 10;
const resendGapMs = 1_000;
const pageSize = 50;

function errorText(err: unknown, fallback: string): string {
  return isApiError(err) ? err.message : fallback;
}

/**
 * The conversation of one group: history (newest page first, older pages
 * on scrolling up, the scroll position kept), live messages, optimistic
 * sends, attachments (picker or drop) and message actions: reply (the
 * quote jumps to the original, loading older pages as needed), edit (↑ in
 * the empty composer edits my last message), reactions (optimistic, rolled
 * back when refused) and @mentions. The list is one Tab stop (roving.ts).
 */
export function Conversation({ group }: { group: GroupDetail }) {
  const session = useSession();
  const chat = useChat();
  const groupId = group.id;
  const me = group.me.userId;
  const [items, setItems] = useState<Message[]>([]);
  const [loaded, setLoaded] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [hasOlder, setHasOlder] = useState(false);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [outbox, dispatch] = useReducer(outboxReducer, []);
  const [files, setFiles] = useState<File[]>([]);
  const [uploads, setUploads] = useState<FileProgress[] | null>(null);
  const [composerError, setComposerError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);
  const [unseen, setUnseen] = useState<number | null>(null);
  const [viewing, setViewing] = useState<string | null>(null);
  const [confirmDelete, setConfirmDelete] = useState<Message | null>(null);
  const [replyId, setReplyId] = useState<string | null>(null);
  const list = useRef<HTMLOListElement>(null);
  const composerInput = useRef<HTMLTextAreaElement>(null);
  const scroller = useRef<HTMLDivElement>(null);
  const content = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const keepFrom = useRef<{ height: number; top: number } | null>(null);
  // The read cursor when the conversation opened (once the server's state is known): the
  // "New messages" line goes above the first message after it; -1 when nothing was unread.
  const [readAtOpen, setReadAtOpen] = useState<number | null>(null);
  const [typers, setTypers] = useState<Typers>(() => new Map());
  const [receipts, setReceipts] = useState<Receipts>(() => new Map());
  const [receiptsTick, setReceiptsTick] = useState(0);
  const typingSent = useRef<number | null>(null);
  const serverRead = chat?.reads[groupId];
  useEffect(() => {
    if (readAtOpen !== null || !serverRead) return;
    setReadAtOpen(serverRead.unread > 0 ? serverRead.lastReadSeq : -1);
  }, [readAtOpen, serverRead]);

  const outboxRef = useRef(outbox);
  useLayoutEffect(() => { // in the commit: handlers never see an older outbox
    outboxRef.current = outbox;
  }, [outbox]);
  const transmitRef = useRef<(item: Outgoing) => void>(() => {});

  const members = useMemo(() => new Map<string, Member>(group.members.map((m) => [m.userId, m])), [group.members]);
  const nameOf = useCallback((userId: string) => {
    const m = members.get(userId);
    return m ? displayName(m) : 'Former member';
  }, [members]);
  const others = useMemo(() => group.members.filter((m) => m.userId !== me), [group.members, me]);

  // History: the newest page first.
  useEffect(() => {
    const ctrl = new AbortController();
    listMessagesBefore(session.api, groupId, null, pageSize, ctrl.signal).then(
      (page) => {
        const newest = page.items[0];
        if (newest) chat?.connection.seqs.advance(groupId, newest.seq);
        setItems((old) => mergeMessages(old, page.items));
        setHasOlder(page.hasMore);
        setLoaded(true);
      },
      (err: unknown) => {
        if (ctrl.signal.aborted) return;
        setLoadError(errorText(err, 'Could not load the messages.'));
        setLoaded(true);
      },
    );
    return () => ctrl.abort();
  }, [session, groupId, chat?.connection]);

  const loadOlder = useCallback(() => {
    const oldest = items[0];
    if (!oldest || !hasOlder || loadingOlder) return;
    setLoadingOlder(true);
    listMessagesBefore(session.api, groupId, oldest.seq, pageSize).then(
      (page) => {
        const el = scroller.current;
        if (el) keepFrom.current = { height: el.scrollHeight, top: el.scrollTop };
        setItems((old) => mergeMessages(old, page.items));
        setHasOlder(page.hasMore);
        setLoadingOlder(false);
      },
      () => setLoadingOlder(false),
    );
  }, [session, groupId, items, hasOlder, loadingOlder]);

  // Back online: what waited goes out now, with the same clientMsgId
  // (the server is idempotent on it, should one have arrived before).
  // A long queue goes out in batches (resendBatch), in order; what was
  // confirmed or dropped meanwhile is skipped, and a new 'ready' starts over.
  const resendTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const resend = useCallback(() => {
    clearTimeout(resendTimer.current);
    const queue = outboxRef.current.filter((o) => o.status === 'pending');
    // Each is timed (sendTimeoutMs) from when its batch goes out.
    const start = Date.now();
    queue.forEach((o, i) =>
      dispatch({ type: 'sending', clientMsgId: o.clientMsgId, attachments: o.attachments, at: start + Math.floor(i / resendBatch) * resendGapMs }),
    );
    const next = (from: number) => {
      for (const { clientMsgId } of queue.slice(from, from + resendBatch)) {
        const o = outboxRef.current.find((x) => x.clientMsgId === clientMsgId);
        if (o?.status === 'pending') transmitRef.current(o);
      }
      if (from + resendBatch < queue.length) resendTimer.current = setTimeout(() => next(from + resendBatch), resendGapMs);
    };
    next(0);
  }, []);
  useEffect(() => () => clearTimeout(resendTimer.current), []);
  const readies = useRef(chat?.connection.getStatus() === 'online' ? 1 : 0);

  // Live updates.
  useChatFrames(
    useCallback(
      (f: ServerFrame) => {
        switch (f.type) {
          case 'receipt.updated':
            if (f.groupId === groupId) setReceipts((r) => applyReceipt(r, f.userId, f.lastReadSeq));
            return;
          case 'typing':
            if (f.groupId === groupId && f.userId !== me) setTypers((t) => addTyper(t, f.userId, Date.now()));
            return;
          case 'message.created':
            if (f.message.groupId !== groupId) return;
            setTypers((t) => removeTyper(t, f.message.authorId));
            setItems((old) => mergeMessages(old, [f.message]));
            if (f.message.authorId === me && f.message.clientMsgId) dispatch({ type: 'created', message: f.message });
            else if (!atBottom.current) setUnseen((n) => (n ?? 0) + 1);
            return;
          case 'message.rejected':
            if (f.groupId === groupId) dispatch({ type: 'rejected', clientMsgId: f.clientMsgId, error: f.error.message });
            return;
          case 'message.updated':
            if (f.message.groupId === groupId) setItems((old) => applyUpdate(old, f.message));
            return;
          case 'reaction.added':
          case 'reaction.removed':
            if (f.groupId === groupId) setItems((old) => applyReaction(old, f.messageId, f.emoji, f.userId, f.type === 'reaction.added'));
            return;
          case 'message.deleted':
            if (f.groupId === groupId) setItems((old) => markDeleted(old, f.messageId));
            return;
          case 'message.hidden':
            if (f.groupId === groupId) setItems((old) => markHidden(old, f.messageId));
            return;
          case 'ready':
            setReceiptsTick((t) => t + 1);
            // Edits and reactions missed while away: the newest page again
            // (not on the first connection: the history was just loaded).
            if (readies.current++ === 0) return resend();
            listMessagesBefore(session.api, groupId, null, pageSize).then(
              (page) => setItems((old) => (old.length ? mergeMessages(old, page.items) : old)),
              () => {},
            );
            resend();
            return;
          default:
        }
      },
      [groupId, me, session, resend],
    ),
  );

  // Read receipts: loaded on opening, after a reconnect and when my sharing changes; then live.
  useEffect(() => {
    const ctrl = new AbortController();
    listReadReceipts(session.api, groupId, ctrl.signal).then(
      (list) => setReceipts(new Map(list.map((r) => [r.userId, r.lastReadSeq]))),
      () => {},
    );
    return () => ctrl.abort();
  }, [session, groupId, receiptsTick]);
  useEffect(() => {
    const again = () => setReceiptsTick((t) => t + 1);
    window.addEventListener('parley:receipts', again);
    return () => window.removeEventListener('parley:receipts', again);
  }, []);

  // Who is typing fades out on its own.
  useEffect(() => {
    const at = nextExpiry(typers);
    if (at === null) return undefined;
    const t = setTimeout(() => setTypers((old) => expireTypers(old, Date.now())), Math.max(0, at - Date.now()) + 50);
    return () => clearTimeout(t);
  }, [typers]);

  const onTyping = useCallback(
    (text: string) => {
      const now = Date.now();
      if (!chat || !shouldSendTyping(text, typingSent.current, now)) return;
      if (chat.connection.send({ type: 'typing', groupId })) typingSent.current = now;
    },
    [chat, groupId],
  );

  // Unconfirmed sends fail after a while, counted while connected only:
  // offline, they wait and go out on reconnect.
  const online = chat ? chat.status === 'online' : true;
  const anyPending = outbox.some((o) => o.status === 'pending');
  useEffect(() => {
    if (!anyPending || !online) return undefined;
    const t = setInterval(() => dispatch({ type: 'timeout', now: Date.now(), afterMs: sendTimeoutMs }), 1_000);
    return () => clearInterval(t);
  }, [anyPending, online]);

  // Scrolling: keep the position when older pages arrive, stay at the bottom otherwise.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    if (keepFrom.current) {
      el.scrollTop = el.scrollHeight - keepFrom.current.height + keepFrom.current.top;
      keepFrom.current = null;
    } else if (atBottom.current) {
      el.scrollTop = el.scrollHeight;
    }
  }, [items, outbox, loaded]);

  // A conversation opens at its newest message (issue 13), also with unread messages that do not
  // all fit: their "New messages" line is then above, where scrolling up finds it.

  // Whatever changes size while at the bottom (an image loading, the
  // composer growing or its file tray opening, the on-screen keyboard
  // shrinking the window) keeps the newest message in view.
  useEffect(() => {
    const el = scroller.current;
    const inner = content.current;
    if (!el || !inner || typeof ResizeObserver === 'undefined') return undefined;
    const stick = () => {
      if (atBottom.current && !keepFrom.current) el.scrollTop = el.scrollHeight;
    };
    const ro = new ResizeObserver(stick);
    ro.observe(el);
    ro.observe(inner);
    return () => ro.disconnect();
  }, []);

  function onScroll() {
    const el = scroller.current;
    if (!el) return;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
    setUnseen((n) => (atBottom.current ? null : (n ?? 0)));
    if (el.scrollTop < 120) loadOlder();
    markVisibleRead();
  }

  /** Marks read up to the newest message in view, while the tab is visible (ChatContext debounces the frame). */
  function markVisibleRead() {
    const el = scroller.current;
    if (!chat || readAtOpen === null || !el || !list.current || document.visibilityState === 'hidden') return;
    const bottom = el.getBoundingClientRect().bottom;
    const shown = items.filter((m) => !m.hidden);
    for (let i = shown.length - 1; i >= 0; i--) {
      const m = shown[i] as Message;
      const node = list.current.querySelector(`[data-id="${m.id}"]`);
      if (!node) continue;
      const r = node.getBoundingClientRect();
      if (r.height === 0 && r.top === 0) return; // not laid out (tests)
      if (r.top + Math.min(r.height, 24) <= bottom) {
        if (m.seq > (chat.reads[groupId]?.lastReadSeq ?? 0)) chat.markRead(groupId, m.seq);
        return;
      }
    }
  }
  const markVisibleRef = useRef(markVisibleRead);
  markVisibleRef.current = markVisibleRead;

  // What arrives or loads in view is read; so is what shows when the tab comes back.
  useEffect(() => {
    markVisibleRef.current();
  }, [items, loaded, readAtOpen]);
  useEffect(() => {
    const again = () => markVisibleRef.current();
    document.addEventListener('visibilitychange', again);
    window.addEventListener('focus', again);
    return () => {
      document.removeEventListener('visibilitychange', again);
      window.removeEventListener('focus', again);
    };
  }, []);

  function jumpToLatest() {
    const el = scroller.current;
    if (!el) return;
    atBottom.current = true;
    setUnseen(null);
    el.scrollTo({ top: el.scrollHeight, behavior: 'smooth' });
  }

  const transmit = useCallback(
    (item: Outgoing) => {
      const attachments = item.attachments.map((a) => ({ key: a.key }));
      const extra = {
        ...(item.replyTo ? { replyToId: item.replyTo.id } : {}),
        ...(item.mentions?.length ? { mentions: item.mentions } : {}),
      };
      const sent = chat?.connection.send({ type: 'message.send', groupId, clientMsgId: item.clientMsgId, text: item.text, attachments, ...extra });
      if (sent) return;
      // Not connected: it waits in the outbox and goes out on the next 'ready'.
      if (chat && chat.connection.getStatus() !== 'online') return;
      postMessage(session.api, groupId, { clientMsgId: item.clientMsgId, text: item.text, ...(attachments.length ? { attachments } : {}), ...extra }).then(
        (m) => {
          setItems((old) => mergeMessages(old, [m]));
          dispatch({ type: 'created', message: m });
        },
        (err: unknown) => dispatch({ type: 'rejected', clientMsgId: item.clientMsgId, error: errorText(err, 'Not sent: no connection.') }),
      );
    },
    [chat, session, groupId],
  );
  useEffect(() => {
    transmitRef.current = transmit;
  }, [transmit]);

  function addFiles(list: File[]) {
    setComposerError(null);
    setFiles((old) => {
      const next = [...old, ...list];
      if (next.length > maxFiles) {
        setComposerError(`At most ${maxFiles} files per message.`);
        return next.slice(0, maxFiles);
      }
      return next;
    });
  }

  async function send(text: string): Promise<boolean> {
    setComposerError(null);
    // One's own send always lands at the bottom (uploads included).
    atBottom.current = true;
    setUnseen(null);
    const el = scroller.current;
    if (el) el.scrollTop = el.scrollHeight;
    const body = text.trim();
    let attachments: Attachment[] = [];
    if (files.length > 0) {
      const meta = files.map((f) => ({ name: f.name, size: f.size, contentType: f.type || 'application/octet-stream' }));
      setUploads(files.map((f) => ({ name: f.name, percent: 0 })));
      const sizes = await Promise.all(files.map((f) => readImageSize(f)));
      try {
        const slots = await createUploads(session.api, groupId, meta);
        await Promise.all(
          slots.map((slot, i) =>
            uploadWithProgress<unknown>({
              method: slot.method,
              url: slot.url,
              body: files[i] as File,
              headers: { 'Content-Type': meta[i]?.contentType ?? 'application/octet-stream', ...slot.headers },
              onProgress: (p) =>
                setUploads((u) => u?.map((x, j) => (j === i ? { ...x, percent: progressPercent(p.fraction) } : x)) ?? null),
            }),
          ),
        );
        attachments = slots.map((slot, i) => ({ key: slot.key, ...(meta[i] as Omit<Attachment, 'key'>) }));
        // The thumbnails' boxes are known before the images load.
        sizes.forEach((size, i) => {
          const key = slots[i]?.key;
          if (size && key) rememberImageSize(key, size.width, size.height);
        });
      } catch (err) {
        setComposerError(
          isApiError(err, 'too_large')
            ? `Too large to send: ${err.message}`
            : `The files could not be uploaded: ${errorText(err, 'network error')}`,
        );
        return false;
      } finally {
        setUploads(null);
      }
    }
    const mentions = mentionedIds(body, group.members);
    const item: Outgoing = {
      clientMsgId: newClientMsgId(),
      groupId,
      text: body,
      attachments,
      status: 'pending',
      error: null,
      sentAt: Date.now(),
      ...(replyTo && !replyTo.deleted ? { replyTo: { id: replyTo.id, seq: replyTo.seq, authorId: replyTo.authorId, excerpt: excerptOf(replyTo.text), deleted: false } } : {}),
      ...(mentions.length ? { mentions } : {}),
    };
    atBottom.current = true;
    typingSent.current = null;
    dispatch({ type: 'queued', item });
    setFiles([]);
    setReplyId(null);
    transmit(item);
    return true;
  }

  function retry(item: Outgoing) {
    dispatch({ type: 'retry', clientMsgId: item.clientMsgId, at: Date.now() });
    transmit(item);
  }

  function deleteForEveryone(m: Message) {
    setNotice(null);
    setConfirmDelete(null);
    deleteMessage(session.api, groupId, m.id).then(
      () => setItems((old) => markDeleted(old, m.id)),
      (err: unknown) => setNotice(errorText(err, 'Could not delete the message.')),
    );
  }

  function deleteForMe(m: Message) {
    setNotice(null);
    hideMessage(session.api, groupId, m.id).then(
      () => {
        // The message and its Tab stop go away: focus goes to the composer, not the page.
        if (list.current?.querySelector(`[data-id="${m.id}"]`)?.contains(document.activeElement)) composerInput.current?.focus();
        setItems((old) => markHidden(old, m.id));
      },
      (err: unknown) => setNotice(errorText(err, 'Could not delete the message.')),
    );
  }

  const { editingId, setEditingId, saveEdit, editLast, reacting, setReacting, closePicker, pickReaction, toggleReaction, jumpTo, highlight, focusMessage } =
    useMessageFeatures({ api: session.api, groupId, me, members: group.members, items, setItems, hasOlder, setHasOlder, setLoadingOlder, list, atBottom, keepFrom });

  // A search result asks to show one of this group's messages: the same jump as a reply's quote.
  const jumpRef = useRef(jumpTo);
  jumpRef.current = jumpTo;
  useEffect(() => {
    if (!loaded) return undefined;
    const serve = () => {
      const t = takeJump(groupId);
      if (t) void jumpRef.current({ id: t.id, seq: t.seq, authorId: '', excerpt: '', deleted: false });
    };
    serve();
    return onJumpRequest((g) => {
      if (g === groupId) serve();
    });
  }, [loaded, groupId]);

  const roving = useRovingList(list, {
    onEscape: () => composerInput.current?.focus(),
    onBeforeFirst: loadOlder,
  });

  const actions: MessageActions = {
    onDeleteForEveryone: setConfirmDelete,
    onDeleteForMe: deleteForMe,
    onReply: (m) => {
      setEditingId(null);
      setReplyId(m.id);
      composerInput.current?.focus();
    },
    onEdit: (m) => setEditingId(m.id),
    onSaveEdit: saveEdit,
    onCancelEdit: (m) => {
      setEditingId(null);
      focusMessage(m.id);
    },
    onToggleReaction: (m, emoji) => toggleReaction(m.id, emoji),
    onAddReaction: (m, anchor) => setReacting({ messageId: m.id, anchor }),
    onJumpTo: (ref) => void jumpTo(ref),
    onOpenImage: setViewing,
  };


  const hasFiles = (e: DragEvent) => e.dataTransfer.types.includes('Files');
  // The message being answered as it is now (edited or deleted meanwhile).
  const replyTo = replyId ? (items.find((m) => m.id === replyId && !m.hidden) ?? null) : null;
  const visible = items.filter((m) => !m.hidden);
  const firstUnreadId =
    readAtOpen !== null && readAtOpen >= 0 ? (visible.find((m) => m.seq > readAtOpen && m.authorId !== me && !m.deleted)?.id ?? null) : null;
  // "Seen by …" under my newest message, when it is the newest of all.
  const newest = visible[visible.length - 1];
  const seenIds = newest && newest.authorId === me && !newest.deleted ? seenBy(receipts, newest.seq, me) : [];
  const seenLine = seenText(seenIds.map(nameOf), group.kind === 'direct');
  const keys = [...visible.map((m) => m.id), ...outbox.map((o) => o.clientMsgId)];
  const activeKey = roving.activeKey !== null && keys.includes(roving.activeKey) ? roving.activeKey : (keys[keys.length - 1] ?? null);
  const images: ViewerImage[] = viewing
    ? visible.flatMap((m) => (m.deleted ? [] : m.attachments.filter((a) => a.contentType.startsWith('image/')).map((a) => ({ key: a.key, name: a.name }))))
    : [];

  return (
    <div
      className={`chat${dragging ? ' chat-dragging' : ''}`}
      onDragOver={(e) => {
        if (!hasFiles(e)) return;
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={(e) => {
        if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setDragging(false);
      }}
      onDrop={(e) => {
        if (!hasFiles(e)) return;
        e.preventDefault();
        setDragging(false);
        addFiles([...e.dataTransfer.files]);
      }}
    >
      <div className="chat-pane">
        <div className="chat-scroller" ref={scroller} onScroll={onScroll}>
          <div className="chat-content" ref={content}>
          {!loaded ? (
            <div className="chat-state" aria-busy="true">
              <Spinner />
            </div>
          ) : loadError && visible.length === 0 ? (
            <div className="chat-state" role="alert">
              <p className="empty-title">Could not load the messages</p>
              <p className="empty-text">{loadError}</p>
            </div>
          ) : visible.length === 0 && outbox.length === 0 ? (
            <div className="chat-state">
              <span className="empty-icon" aria-hidden="true">
                <ChatIcon />
              </span>
              <p className="empty-title">No messages yet</p>
              <p className="empty-text">Say hello to {group.name}.</p>
            </div>
          ) : (
            <>
              {hasOlder && (
                <div className="chat-older">
                  {loadingOlder ? <Spinner /> : (
                    <button type="button" className="msg-link" onClick={loadOlder}>
                      Load older messages
                    </button>
                  )}
                </div>
              )}
              <ol
                ref={list}
                className="chat-list"
                aria-label={`Messages in ${group.name}`}
                onFocus={roving.onFocus}
                onKeyDown={roving.onKeyDown}
              >
                {!hasOlder && (
                  <li className="chat-start" role="note">
                    {group.kind === 'direct' ? `This is the start of your conversation with ${group.name}.` : `This is the start of ${group.name}.`}
                  </li>
                )}
                {visible.map((m, i) => {
                  const prev = visible[i - 1];
                  const firstUnread = m.id === firstUnreadId;
                  const newDay = !prev || dayKey(prev.createdAt) !== dayKey(m.createdAt);
                  const author = members.get(m.authorId) ?? null;
                  const next = visible[i + 1];
                  const last = !next || dayKey(next.createdAt) !== dayKey(m.createdAt) || !sameRun(m, next);
                  return (
                    <Fragment key={m.id}>
                      {newDay && (
                        <li className="chat-day" role="separator" aria-label={dayLabel(m.createdAt)}>
                          <span>{dayLabel(m.createdAt)}</span>
                        </li>
                      )}
                      {firstUnread && (
                        <li className="chat-unread-line" role="separator" aria-label="New messages">
                          <span>New messages</span>
                        </li>
                      )}
                      <MessageItem
                        groupId={groupId}
                        message={m}
                        author={author}
                        mine={m.authorId === me}
                        me={me}
                        nameOf={nameOf}
                        members={group.members}
                        first={newDay || !sameRun(prev, m)}
                        last={last}
                        active={m.id === activeKey}
                        highlighted={m.id === highlight}
                        editing={m.id === editingId}
                        canDeleteForEveryone={mayDeleteMessage(group.me, m.authorId, author)}
                        actions={actions}
                      />
                    </Fragment>
                  );
                })}
                {seenLine && (
                  <li className="chat-seen" role="note" aria-label={seenLabel(seenIds.map(nameOf))}>
                    <span className="chat-seen-faces" aria-hidden="true">
                      {seenIds.slice(0, seenFaces).map((id) => {
                        const m = members.get(id);
                        return (
                          <span key={id} className="chat-seen-face" title={nameOf(id)}>
                            <Avatar name={nameOf(id)} colorKey={m?.username} src={m?.pictureUrl} size="xs" />
                          </span>
                        );
                      })}
                      {seenIds.length > seenFaces && <span className="chat-seen-more">+{seenIds.length - seenFaces}</span>}
                    </span>
                    <span className="chat-seen-text">{seenLine}</span>
                  </li>
                )}
                {outbox.map((o) => (
                  <OutgoingItem
                    key={o.clientMsgId}
                    item={o}
                    waiting={!online}
                    active={o.clientMsgId === activeKey}
                    nameOf={nameOf}
                    onRetry={() => retry(o)}
                    onDiscard={() => dispatch({ type: 'discard', clientMsgId: o.clientMsgId })}
                  />
                ))}
              </ol>
            </>
          )}
          </div>
        </div>
        {unseen !== null && (
          <button type="button" className="chat-jump" onClick={jumpToLatest}>
            {unseen > 0 ? `${unseen} new ${unseen === 1 ? 'message' : 'messages'}` : 'Jump to latest'}
            <span aria-hidden="true">↓</span>
          </button>
        )}
      </div>
      <p className="chat-typing" aria-live="polite">
        {typingText([...typers.keys()].map(nameOf))}
      </p>
      {notice && (
        <p className="chat-notice" role="alert">
          {notice}
        </p>
      )}
      <Composer
        groupName={group.name}
        files={files}
        uploads={uploads}
        error={composerError}
        onAddFiles={addFiles}
        onRemoveFile={(i) => setFiles((old) => old.filter((_, j) => j !== i))}
        onSend={send}
        members={others}
        replyTo={replyTo ? { name: nameOf(replyTo.authorId), excerpt: replyTo.deleted ? 'Message deleted' : excerptOf(replyTo.text) || 'Attachment' } : null}
        onCancelReply={() => setReplyId(null)}
        onEditLast={editLast}
        onTyping={onTyping}
        inputRef={composerInput}
      />
      {reacting && (
        <ReactionPicker
          anchor={reacting.anchor}
          onPick={pickReaction}
          onClose={closePicker}
        />
      )}
      {confirmDelete && (
        <Modal
          title="Delete for everyone?"
          description="The message disappears for every member of the group. This cannot be undone."
          onClose={() => setConfirmDelete(null)}
          footer={
            <>
              <Button variant="quiet" onClick={() => setConfirmDelete(null)}>
                Cancel
              </Button>
              <Button variant="danger" data-autofocus onClick={() => deleteForEveryone(confirmDelete)}>
                Delete for everyone
              </Button>
            </>
          }
        >
          {confirmDelete.text !== '' && <blockquote className="chat-confirm-quote">{confirmDelete.text}</blockquote>}
        </Modal>
      )}
      {viewing && images.some((i) => i.key === viewing) && (
        <Lightbox groupId={groupId} images={images} startKey={viewing} onClose={() => setViewing(null)} />
      )}
      {dragging && (
        <div className="chat-drop" aria-hidden="true">
          Drop files to attach
        </div>
      )}
    </div>
  );
}
