import { useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import { maxTextLength } from './Composer';
import { useMentionAutocomplete, type MentionMember } from './MentionAutocomplete';

/**
 * Editing a message in place: the text in a box that grows with it, Enter
 * saves, Shift+Enter starts a new line, Esc cancels; @mentions complete as
 * in the composer. While the save is on its way the box is read-only; a
 * refused save keeps the box open (the reason shows as a toast).
 */
export function MessageEditor({
  initial,
  members,
  allowEmpty,
  onSave,
  onCancel,
}: {
  initial: string;
  members: readonly MentionMember[];
  /** The message has attachments: its text may become empty. */
  allowEmpty: boolean;
  /** Resolves true when saved (the editor then closes). */
  onSave: (text: string) => Promise<boolean>;
  onCancel: () => void;
}) {
  const [text, setText] = useState(initial);
  const [saving, setSaving] = useState(false);
  const area = useRef<HTMLTextAreaElement>(null);
  const mention = useMentionAutocomplete(members, area, setText);
  const length = [...text].length;
  const valid = length <= maxTextLength && (allowEmpty || text.trim() !== '');

  useLayoutEffect(() => {
    const el = area.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight, 240)}px`;
  }, [text]);

  useLayoutEffect(() => {
    const el = area.current;
    if (!el) return;
    el.focus({ preventScroll: true });
    el.setSelectionRange(el.value.length, el.value.length);
    el.closest('.msg')?.scrollIntoView?.({ block: 'nearest' });
  }, []);

  async function save() {
    if (saving || !valid) return;
    setSaving(true);
    const ok = await onSave(text);
    if (!ok) {
      setSaving(false);
      area.current?.focus();
    }
  }

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (mention.onKeyDown(e)) return;
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void save();
    } else if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      onCancel();
    }
  }

  return (
    <div className="msg-editor">
      {mention.popup}
      <textarea
        ref={area}
        className="msg-editor-input"
        value={text}
        aria-label="Edit message"
        aria-invalid={!valid || undefined}
        readOnly={saving}
        rows={1}
        {...mention.inputProps}
        onChange={(e) => {
          setText(e.target.value);
          mention.sync();
        }}
        onSelect={mention.sync}
        onKeyDown={onKeyDown}
      />
      <div className="msg-editor-bar">
        <span className="msg-editor-hint">
          {length > maxTextLength ? `${(length - maxTextLength).toLocaleString()} characters too long` : 'Enter to save · Esc to cancel'}
        </span>
        <button type="button" className="msg-editor-button" onClick={onCancel}>
          Cancel
        </button>
        <button type="button" className="msg-editor-button msg-editor-save" disabled={saving || !valid} onClick={() => void save()}>
          Save
        </button>
      </div>
    </div>
  );
}
