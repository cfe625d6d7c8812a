import { lazy, Suspense, useEffect, useLayoutEffect, useId, useRef, useState, type ClipboardEvent, type KeyboardEvent, type RefObject } from 'react';
import { formatSize } from './format';
import { CloseIcon, EmojiIcon, FileIcon, PaperclipIcon, ReplyIcon, SendIcon } from './icons';
import { useMentionAutocomplete, type MentionMember } from './MentionAutocomplete';

// The picker and its list load when first opened.
const EmojiPicker = lazy(() => import('../../components/EmojiPicker').then((m) => ({ default: m.EmojiPicker })));

/** An upload in progress: one bar per file. */
export interface FileProgress {
  name: string;
  percent: number;
}

export const maxFiles = 10;
export const maxTextLength = 4000;
/** The counter shows from here on, so that nobody meets the limit by surprise. */
export const counterFrom = 3500;

/** Text with `insert` in place of the selection [start, end), and where the caret goes after it. */
export function insertAt(text: string, start: number, end: number, insert: string): { text: string; caret: number } {
  const a = Math.max(0, Math.min(start, text.length));
  const b = Math.max(a, Math.min(end, text.length));
  return { text: text.slice(0, a) + insert + text.slice(b), caret: a + insert.length };
}

/**
 * A chosen file in the tray: an image as a thumbnail of itself (an object
 * URL, revoked when it leaves the tray), any other file as an icon.
 */
function TrayPreview({ file }: { file: File }) {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    if (!file.type.startsWith('image/') || typeof URL.createObjectURL !== 'function') return undefined;
    const u = URL.createObjectURL(file);
    setUrl(u);
    return () => {
      URL.revokeObjectURL(u);
      setUrl(null);
    };
  }, [file]);
  if (url) return <img className="composer-file-thumb" src={url} alt="" draggable={false} onError={() => setUrl(null)} />;
  return (
    <span className="composer-file-icon">
      <FileIcon />
    </span>
  );
}

/** Whether this device has a mouse-like pointer (no on-screen keyboard to pop up on focus). */
function finePointer(): boolean {
  return typeof window.matchMedia === 'function' && window.matchMedia('(hover: hover) and (pointer: fine)').matches;
}

/**
 * The message box: Enter sends, Shift+Enter starts a new line, the textarea
 * grows with its text. Files come from the paperclip, a paste or a drop on
 * the conversation, and are listed above it (images as thumbnails), with a
 * progress bar each while they upload. The smiley opens the emoji picker,
 * whose pick goes in at the caret. Near the length limit a counter shows; past it, the
 * text is kept (never cut) and Send waits until it is short enough. On a
 * device with a mouse, the box takes focus when the conversation opens.
 * "@" opens the autocomplete of the members to mention; a reply being
 * written shows its quote above the box (Esc or × cancels it); ↑ in the
 * empty box edits one's last message.
 */
export function Composer({
  groupName,
  files,
  uploads,
  error,
  onAddFiles,
  onRemoveFile,
  onSend,
  members = [],
  replyTo = null,
  onCancelReply,
  onEditLast,
  onTyping,
  inputRef,
}: {
  groupName: string;
  files: readonly File[];
  uploads: readonly FileProgress[] | null;
  error: string | null;
  onAddFiles: (files: File[]) => void;
  onRemoveFile: (index: number) => void;
  /** Resolves true when the message was accepted for sending (the box is cleared). */
  onSend: (text: string) => Promise<boolean>;
  /** Who may be mentioned (the group's other members). */
  members?: readonly MentionMember[];
  /** The message being answered: its author's name and an excerpt. */
  replyTo?: { name: string; excerpt: string } | null;
  onCancelReply?: () => void;
  /** ↑ in the empty box: starts editing one's last message; false when there is none. */
  onEditLast?: () => boolean;
  /** The text changed by the user's typing (the caller throttles what it sends). */
  onTyping?: (text: string) => void;
  inputRef?: RefObject<HTMLTextAreaElement | null>;
}) {
  const [text, setText] = useState('');
  const [emojiOpen, setEmojiOpen] = useState(false);
  const emojiButton = useRef<HTMLButtonElement>(null);
  const caretAfter = useRef<number | null>(null);
  const ownArea = useRef<HTMLTextAreaElement>(null);
  const area = inputRef ?? ownArea;
  const mention = useMentionAutocomplete(members, area, setText);
  const picker = useRef<HTMLInputElement>(null);
  const counterId = useId();
  const busy = uploads !== null;

  useLayoutEffect(() => {
    const el = area.current;
    if (!el) return;
    el.style.height = 'auto';
    // Empty, it keeps its one row (a long placeholder must not grow it).
    if (text !== '') el.style.height = `${Math.min(el.scrollHeight, 200)}px`;
    // After an emoji went in: the caret right after it.
    if (caretAfter.current !== null) {
      el.focus();
      el.setSelectionRange(caretAfter.current, caretAfter.current);
      caretAfter.current = null;
    }
  }, [text]);

  /** Puts the emoji where the caret is (over the selection), closes the picker and goes back to the box. */
  function insertEmoji(emoji: string) {
    const el = area.current;
    const next = insertAt(text, el?.selectionStart ?? text.length, el?.selectionEnd ?? text.length, emoji);
    caretAfter.current = next.caret;
    setEmojiOpen(false);
    setText(next.text);
  }

  useEffect(() => {
    if (finePointer()) area.current?.focus({ preventScroll: true });
  }, []);

  const length = [...text].length;
  const over = length - maxTextLength;
  const canSend = !busy && (text.trim() !== '' || files.length > 0) && over <= 0;

  async function send() {
    if (!canSend) return;
    if (await onSend(text)) setText('');
    area.current?.focus();
  }

  function onPaste(e: ClipboardEvent<HTMLTextAreaElement>) {
    const pasted = [...e.clipboardData.files];
    if (pasted.length === 0) return;
    e.preventDefault();
    onAddFiles(pasted);
  }

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (mention.onKeyDown(e)) return;
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void send();
    } else if (e.key === 'Escape' && replyTo && onCancelReply) {
      e.preventDefault();
      onCancelReply();
    } else if (e.key === 'ArrowUp' && text === '' && files.length === 0 && !e.shiftKey && !e.altKey && !e.metaKey && !e.ctrlKey && onEditLast?.()) {
      e.preventDefault();
    }
  }

  return (
    <form
      className="composer"
      aria-label="Write a message"
      onSubmit={(e) => {
        e.preventDefault();
        void send();
      }}
    >
      {error && (
        <p className="composer-error" role="alert">
          {error}
        </p>
      )}
      {files.length > 0 && (
        <ul className="composer-files" aria-label="Attached files">
          {files.map((f, i) => {
            const up = uploads?.[i];
            return (
              <li key={`${f.name}-${i}`} className="composer-file">
                <TrayPreview file={f} />
                <span className="composer-file-text">
                  <span className="composer-file-name">{f.name}</span>
                  {up ? (
                    <progress
                      className="composer-progress"
                      max={100}
                      value={up.percent}
                      aria-label={`Uploading ${f.name}`}
                    />
                  ) : (
                    <span className="composer-file-size">{formatSize(f.size)}</span>
                  )}
                </span>
                {!busy && (
                  <button type="button" className="composer-file-remove" aria-label={`Remove ${f.name}`} onClick={() => onRemoveFile(i)}>
                    <CloseIcon />
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {replyTo && (
        <div className="composer-reply" role="group" aria-label={`Replying to ${replyTo.name}`}>
          <span className="composer-reply-icon">
            <ReplyIcon />
          </span>
          <span className="composer-reply-text">
            <span className="composer-reply-name">Replying to {replyTo.name}</span>
            <span className="composer-reply-excerpt">{replyTo.excerpt}</span>
          </span>
          <button type="button" className="composer-file-remove" aria-label="Cancel reply" title="Cancel reply (Esc)" onClick={onCancelReply}>
            <CloseIcon />
          </button>
        </div>
      )}
      {mention.popup}
      {length >= counterFrom && (
        <p id={counterId} className={`composer-counter${over > 0 ? ' composer-counter-over' : ''}`} aria-live="polite">
          {over > 0
            ? `${over.toLocaleString()} ${over === 1 ? 'character' : 'characters'} too long (at most ${maxTextLength.toLocaleString()})`
            : `${length.toLocaleString()} / ${maxTextLength.toLocaleString()}`}
        </p>
      )}
      <div className="composer-row">
        <button
          type="button"
          className="composer-icon"
          aria-label="Attach files"
          title="Attach files"
          disabled={busy}
          onClick={() => picker.current?.click()}
        >
          <PaperclipIcon />
        </button>
        <input
          ref={picker}
          type="file"
          multiple
          hidden
          aria-label="Choose files to attach"
          onChange={(e) => {
            const list = e.currentTarget.files ? [...e.currentTarget.files] : [];
            e.currentTarget.value = '';
            if (list.length) onAddFiles(list);
          }}
        />
        <textarea
          ref={area}
          className="composer-input"
          rows={1}
          value={text}
          placeholder={`Message ${groupName}`}
          aria-label="Message"
          aria-invalid={over > 0 || undefined}
          aria-describedby={length >= counterFrom ? counterId : undefined}
          {...mention.inputProps}
          onChange={(e) => {
            setText(e.target.value);
            mention.sync();
            onTyping?.(e.target.value);
          }}
          onSelect={mention.sync}
          onKeyDown={onKeyDown}
          onPaste={onPaste}
        />
        <button
          ref={emojiButton}
          type="button"
          className={`composer-icon${emojiOpen ? ' composer-icon-on' : ''}`}
          aria-label="Emoji"
          title="Emoji"
          aria-haspopup="dialog"
          aria-expanded={emojiOpen}
          onClick={() => setEmojiOpen((o) => !o)}
        >
          <EmojiIcon />
        </button>
        {emojiOpen && (
          <Suspense fallback={null}>
            <EmojiPicker anchor={emojiButton.current} onPick={insertEmoji} onClose={() => setEmojiOpen(false)} />
          </Suspense>
        )}
        <button type="submit" className="composer-send" aria-label="Send" title="Send (Enter)" disabled={!canSend}>
          <SendIcon />
        </button>
      </div>
    </form>
  );
}
