import { useCallback, useId, useMemo, useState, type CSSProperties, type MouseEvent, type ReactNode } from 'react';
import type { Attachment, Member, Message, ReplyRef } from '../../api/types';
import { Avatar } from '../../components/Avatar';
import { useAttachmentUrl } from './attachmentUrls';
import { imageSize, rememberImageSize, thumbBox } from './imageSize';
import { formatSize, fullDateLabel, timeLabel } from './format';
import { FileIcon } from './icons';
import { Markdown } from './Markdown';
import type { MentionMember } from './MentionAutocomplete';
import { splitMentions } from './mentions';
import { MessageEditor } from './MessageEditor';
import { MessageMenu } from './MessageMenu';
import type { Outgoing } from './outbox';
import { ReactionChips } from './Reactions';

const isImage = (a: Attachment) => a.contentType.startsWith('image/');

function isPlainLeftClick(e: MouseEvent): boolean {
  return e.button === 0 && !e.metaKey && !e.ctrlKey && !e.shiftKey && !e.altKey;
}

/**
 * An image attachment as a thumbnail: alone, a box of the image's aspect
 * ratio within 320×320 (reserved before it loads when the size is known);
 * in a grid, a square tile. A click opens the viewer (a modified click
 * still opens the image in a new tab).
 */
function ImageThumb({ groupId, attachment, tile, onOpen }: { groupId: string; attachment: Attachment; tile: boolean; onOpen: (key: string) => void }) {
  const url = useAttachmentUrl(groupId, attachment.key);
  const [size, setSize] = useState(() => imageSize(attachment.key));
  const box = thumbBox(size);
  const style: CSSProperties | undefined = tile ? undefined : { width: `${box.width}px`, aspectRatio: `${box.width} / ${box.height}` };
  if (!url) {
    return <span className={`msg-image msg-image-loading${tile ? ' msg-image-tile' : ''}`} style={style} role="img" aria-label={`Loading ${attachment.name}`} />;
  }
  return (
    <a
      className={`msg-image${tile ? ' msg-image-tile' : ''}`}
      href={url}
      target="_blank"
      rel="noreferrer noopener"
      style={style}
      aria-label={`Open ${attachment.name}`}
      onClick={(e) => {
        if (!isPlainLeftClick(e)) return;
        e.preventDefault();
        onOpen(attachment.key);
      }}
    >
      <img
        src={url}
        alt={attachment.name}
        onLoad={(e) => {
          const { naturalWidth: w, naturalHeight: h } = e.currentTarget;
          rememberImageSize(attachment.key, w, h);
          if (!size || size.width !== w || size.height !== h) setSize({ width: w, height: h });
        }}
      />
    </a>
  );
}

function FileView({ groupId, attachment }: { groupId: string; attachment: Attachment }) {
  const url = useAttachmentUrl(groupId, attachment.key);
  return (
    <a
      className="msg-file"
      href={url ?? undefined}
      download={attachment.name}
      aria-label={`Download ${attachment.name}, ${formatSize(attachment.size)}`}
      aria-disabled={url ? undefined : true}
    >
      <span className="msg-file-icon">
        <FileIcon />
      </span>
      <span className="msg-file-text">
        <span className="msg-file-name">{attachment.name}</span>
        <span className="msg-file-size">{formatSize(attachment.size)}</span>
      </span>
    </a>
  );
}

/** A message's attachments: its images (one thumbnail, or a grid of several), then its other files. */
function Attachments({ groupId, attachments, onOpenImage }: { groupId: string; attachments: readonly Attachment[]; onOpenImage: (key: string) => void }) {
  const images = attachments.filter(isImage);
  const files = attachments.filter((a) => !isImage(a));
  return (
    <div className="msg-attachments">
      {images.length === 1 && images[0] && <ImageThumb groupId={groupId} attachment={images[0]} tile={false} onOpen={onOpenImage} />}
      {images.length > 1 && (
        <div className={`msg-image-grid${images.length % 2 === 1 ? ' msg-image-grid-odd' : ''}`}>
          {images.map((a) => (
            <ImageThumb key={a.key} groupId={groupId} attachment={a} tile onOpen={onOpenImage} />
          ))}
        </div>
      )}
      {files.map((a) => (
        <FileView key={a.key} groupId={groupId} attachment={a} />
      ))}
    </div>
  );
}

export interface MessageItemProps {
  groupId: string;
  message: Message;
  author: Member | null;
  mine: boolean;
  /** The signed-in user (reactions, mentions). */
  me: string;
  /** A member's name by user id ("Former member" for those gone). */
  nameOf: (userId: string) => string;
  /** The group's members, for mentions (the highlight and the editor's autocomplete). */
  members: readonly MentionMember[];
  /** First of a run of messages by the same author: show the picture and name. */
  first: boolean;
  /** Last of a run: show the time (the others show it on hover). */
  last: boolean;
  /** The message the list's Tab stop is on (roving focus). */
  active: boolean;
  /** Just jumped to: highlighted for a moment. */
  highlighted: boolean;
  editing: boolean;
  canDeleteForEveryone: boolean;
  actions: MessageActions;
}

/** What a message's controls do, the same for every message of the list. */
export interface MessageActions {
  onDeleteForEveryone: (m: Message) => void;
  onDeleteForMe: (m: Message) => void;
  onReply: (m: Message) => void;
  onEdit: (m: Message) => void;
  /** Resolves true when the edit was saved. */
  onSaveEdit: (m: Message, text: string) => Promise<boolean>;
  onCancelEdit: (m: Message) => void;
  onToggleReaction: (m: Message, emoji: string) => void;
  /** Opens the reaction picker for the message by this element. */
  onAddReaction: (m: Message, anchor: HTMLElement) => void;
  /** Scrolls to the quoted message (loading older pages as needed). */
  onJumpTo: (ref: ReplyRef) => void;
  /** Opens the image viewer at this attachment. */
  onOpenImage: (key: string) => void;
}

/** The quote of the message a reply answers: its author and excerpt; a click shows the original. */
function ReplyQuote({ reply, name, onJump }: { reply: ReplyRef; name: string; onJump: () => void }) {
  const text = reply.deleted ? 'Message deleted' : reply.excerpt === '' ? 'Attachment' : reply.excerpt;
  return (
    <button
      type="button"
      className={`msg-quote${reply.deleted ? ' msg-quote-deleted' : ''}`}
      aria-label={`Reply to ${name}: ${text}. Show the original`}
      title="Show the original message"
      onClick={onJump}
    >
      <span className="msg-quote-name">{name}</span>
      <span className={`msg-quote-text${reply.deleted || reply.excerpt === '' ? ' msg-quote-none' : ''}`}>{text}</span>
    </button>
  );
}

/**
 * One message: picture and name (first of a run), the quote it answers,
 * text (mentions marked, mine stronger), attachments, time (last of a run;
 * the full date on hover) and "(edited)", its reactions and actions; or,
 * while being edited, the editor in its place.
 */
export function MessageItem({
  groupId,
  message,
  author,
  mine,
  me,
  nameOf,
  members,
  first,
  last,
  active,
  highlighted,
  editing,
  canDeleteForEveryone,
  actions,
}: MessageItemProps) {
  const name = author ? nameOf(author.userId) : 'Former member';
  const time = timeLabel(message.createdAt);
  const full = fullDateLabel(message.createdAt);
  const textId = useId();
  const mentioned = useMemo(
    () => (message.mentions?.length ? members.filter((m) => message.mentions?.includes(m.userId)) : []),
    [members, message.mentions],
  );
  const mentionsMe = !mine && (message.mentions?.includes(me) ?? false);
  const decorate = useCallback(
    (s: string): ReactNode =>
      splitMentions(s, mentioned).map((p, i) =>
        typeof p === 'string' ? p : (
          <span key={i} className={`mention${p.userId === me ? ' mention-me' : ''}`}>
            {p.mention}
          </span>
        ),
      ),
    [mentioned, me],
  );
  const live = !message.deleted;
  const classes = ['msg', mine && 'msg-mine', first && 'msg-first', message.deleted && 'msg-deleted', mentionsMe && 'msg-mentions-me', highlighted && 'msg-highlight', editing && 'msg-editing']
    .filter(Boolean)
    .join(' ');
  return (
    <li
      className={classes}
      aria-label={`${mine ? 'You' : name} at ${time}${mentionsMe ? ', mentions you' : ''}`}
      aria-describedby={textId}
      data-seq={message.seq}
      data-id={message.id}
      data-key={message.id}
      tabIndex={active ? 0 : -1}
    >
      {!mine && (
        <span className="msg-avatar">{first && <Avatar name={name} colorKey={author?.username} src={author?.pictureUrl ?? null} size="sm" />}</span>
      )}
      <div className="msg-main">
        {first && !mine && <span className={`msg-author${author ? '' : ' msg-author-gone'}`} title={author ? `@${author.username}` : undefined}>{name}</span>}
        <div className="msg-row">
          <div className="msg-bubble" title={editing ? undefined : full} id={textId}>
            {live && message.replyTo && (
              <ReplyQuote reply={message.replyTo} name={nameOf(message.replyTo.authorId)} onJump={() => message.replyTo && actions.onJumpTo(message.replyTo)} />
            )}
            {message.deleted ? (
              <p className="msg-text msg-text-deleted">Message deleted</p>
            ) : editing ? (
              <MessageEditor
                initial={message.text}
                members={members.filter((m) => m.userId !== me)}
                allowEmpty={message.attachments.length > 0}
                onSave={(text) => actions.onSaveEdit(message, text)}
                onCancel={() => actions.onCancelEdit(message)}
              />
            ) : (
              <>
                {message.attachments.length > 0 && (
                  <Attachments groupId={groupId} attachments={message.attachments} onOpenImage={actions.onOpenImage} />
                )}
                {message.text !== '' && <Markdown text={message.text} decorate={mentioned.length ? decorate : undefined} />}
              </>
            )}
            {(last || (live && message.editedAt)) && !editing && (
              <span className="msg-meta">
                {live && message.editedAt && (
                  <span className="msg-edited" title={`Edited ${fullDateLabel(message.editedAt)}`}>
                    (edited)
                  </span>
                )}
                {last && (
                  <time className="msg-time" dateTime={message.createdAt} title={full}>
                    {time}
                  </time>
                )}
              </span>
            )}
          </div>
          {live && !editing && (
            <MessageMenu
              canEdit={mine}
              canDeleteForEveryone={canDeleteForEveryone}
              onReply={() => actions.onReply(message)}
              onEdit={() => actions.onEdit(message)}
              onReact={(anchor) => actions.onAddReaction(message, anchor)}
              onDeleteForEveryone={() => actions.onDeleteForEveryone(message)}
              onDeleteForMe={() => actions.onDeleteForMe(message)}
            />
          )}
        </div>
        {live && message.reactions && message.reactions.length > 0 && (
          <ReactionChips
            reactions={message.reactions}
            me={me}
            nameOf={nameOf}
            onToggle={(emoji) => actions.onToggleReaction(message, emoji)}
            onAdd={(anchor) => actions.onAddReaction(message, anchor)}
          />
        )}
      </div>
    </li>
  );
}

/** A message of mine not confirmed yet: sending (or waiting for the connection), or failed with Retry. */
export function OutgoingItem({
  item,
  waiting,
  active,
  nameOf,
  onRetry,
  onDiscard,
}: {
  item: Outgoing;
  waiting: boolean;
  active: boolean;
  nameOf: (userId: string) => string;
  onRetry: () => void;
  onDiscard: () => void;
}) {
  const status = item.status === 'failed' ? 'Not sent' : waiting ? 'Waiting for the connection' : 'Sending';
  return (
    <li className={`msg msg-mine msg-outgoing msg-${item.status}`} aria-label={status} data-key={item.clientMsgId} tabIndex={active ? 0 : -1}>
      <div className="msg-main">
        <div className="msg-row">
          <div className="msg-bubble">
            {item.replyTo && (
              <span className="msg-quote">
                <span className="msg-quote-name">{nameOf(item.replyTo.authorId)}</span>
                <span className="msg-quote-text">{item.replyTo.excerpt || 'Attachment'}</span>
              </span>
            )}
            {item.attachments.length > 0 && (
              <div className="msg-attachments">
                {item.attachments.map((a) => isImage(a) ? (
                  <span
                    key={a.key}
                    className="msg-image msg-image-loading"
                    style={{ width: `${thumbBox(imageSize(a.key)).width}px`, aspectRatio: `${thumbBox(imageSize(a.key)).width} / ${thumbBox(imageSize(a.key)).height}` }}
                    role="img"
                    aria-label={`Sending ${a.name}`}
                  />
                ) : (
                  <span key={a.key} className="msg-file">
                    <span className="msg-file-icon">
                      <FileIcon />
                    </span>
                    <span className="msg-file-text">
                      <span className="msg-file-name">{a.name}</span>
                      <span className="msg-file-size">{formatSize(a.size)}</span>
                    </span>
                  </span>
                ))}
              </div>
            )}
            {item.text !== '' && <p className="msg-text">{item.text}</p>}
            <span className="msg-time">{item.status === 'failed' ? 'Not sent' : waiting ? 'Waiting for the connection…' : 'Sending…'}</span>
          </div>
        </div>
        {item.status === 'failed' && (
          <p className="msg-failed" role="alert">
            {item.error ?? 'Not sent.'}{' '}
            <button type="button" className="msg-link" onClick={onRetry}>
              Retry
            </button>
            <button type="button" className="msg-link" onClick={onDiscard}>
              Discard
            </button>
          </p>
        )}
      </div>
    </li>
  );
}
