import { useState, type CSSProperties, type MouseEvent } from 'react';
import type { Attachment, Member, Message } from '../../api/types';
import { Avatar } from '../../components/Avatar';
import { useAttachmentUrl } from './attachmentUrls';
import { imageSize, rememberImageSize, thumbBox } from './imageSize';
import { formatSize, fullDateLabel, timeLabel } from './format';
import { FileIcon } from './icons';
import { Markdown } from './Markdown';
import { MessageMenu } from './MessageMenu';
import type { Outgoing } from './outbox';

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
  /** First of a run of messages by the same author: show the picture and name. */
  first: boolean;
  /** Last of a run: show the time (the others show it on hover). */
  last: boolean;
  canDeleteForEveryone: boolean;
  onDeleteForEveryone: (m: Message) => void;
  onDeleteForMe: (m: Message) => void;
  /** Opens the image viewer at this attachment. */
  onOpenImage: (key: string) => void;
}

/** One message: picture and name (first of a run), text, attachments, time (last of a run; the full date on hover) and actions. */
export function MessageItem({ groupId, message, author, mine, first, last, canDeleteForEveryone, onDeleteForEveryone, onDeleteForMe, onOpenImage }: MessageItemProps) {
  const name = author?.username ?? 'Former member';
  const time = timeLabel(message.createdAt);
  const full = fullDateLabel(message.createdAt);
  return (
    <li
      className={`msg${mine ? ' msg-mine' : ''}${first ? ' msg-first' : ''}${message.deleted ? ' msg-deleted' : ''}`}
      aria-label={`${mine ? 'You' : name} at ${time}`}
      data-seq={message.seq}
    >
      {!mine && (
        <span className="msg-avatar">{first && <Avatar name={name} src={author?.pictureUrl ?? null} size="sm" />}</span>
      )}
      <div className="msg-main">
        {first && !mine && <span className={`msg-author${author ? '' : ' msg-author-gone'}`}>{name}</span>}
        <div className="msg-row">
          <div className="msg-bubble" title={full}>
            {message.deleted ? (
              <p className="msg-text msg-text-deleted">Message deleted</p>
            ) : (
              <>
                {message.attachments.length > 0 && (
                  <Attachments groupId={groupId} attachments={message.attachments} onOpenImage={onOpenImage} />
                )}
                {message.text !== '' && <Markdown text={message.text} />}
              </>
            )}
            {last && (
              <time className="msg-time" dateTime={message.createdAt} title={full}>
                {time}
              </time>
            )}
          </div>
          {!message.deleted && (
            <MessageMenu
              canDeleteForEveryone={canDeleteForEveryone}
              onDeleteForEveryone={() => onDeleteForEveryone(message)}
              onDeleteForMe={() => onDeleteForMe(message)}
            />
          )}
        </div>
      </div>
    </li>
  );
}

/** A message of mine not confirmed yet: sending (or waiting for the connection), or failed with Retry. */
export function OutgoingItem({ item, waiting, onRetry, onDiscard }: { item: Outgoing; waiting: boolean; onRetry: () => void; onDiscard: () => void }) {
  const status = item.status === 'failed' ? 'Not sent' : waiting ? 'Waiting for the connection' : 'Sending';
  return (
    <li className={`msg msg-mine msg-outgoing msg-${item.status}`} aria-label={status}>
      <div className="msg-main">
        <div className="msg-row">
          <div className="msg-bubble">
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
