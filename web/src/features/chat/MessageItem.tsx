import { useEffect, useState } from 'react';
import type { Attachment, Member, Message } from '../../api/types';
import { Avatar } from '../../components/Avatar';
import { useSession } from '../../session/SessionContext';
import { attachmentUrl, cachedUrl } from './attachmentUrls';
import { formatSize, timeLabel } from './format';
import { FileIcon } from './icons';
import { MessageMenu } from './MessageMenu';
import type { Outgoing } from './outbox';

/** The URL of an attachment, refreshed before it expires; null while loading. */
function useAttachmentUrl(groupId: string, key: string): string | null {
  const session = useSession();
  const [url, setUrl] = useState<string | null>(() => cachedUrl(key)?.url ?? null);
  useEffect(() => {
    let alive = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = () => {
      void attachmentUrl(session.api, groupId, key).then((e) => {
        if (!alive || !e) return;
        setUrl(e.url);
        const wait = e.expiresAt - Date.now() - 30_000;
        if (wait > 1_000) timer = setTimeout(load, Math.min(wait, 2 ** 31 - 1));
      });
    };
    load();
    return () => {
      alive = false;
      clearTimeout(timer);
    };
  }, [session, groupId, key]);
  return url;
}

function AttachmentView({ groupId, attachment }: { groupId: string; attachment: Attachment }) {
  const url = useAttachmentUrl(groupId, attachment.key);
  if (attachment.contentType.startsWith('image/')) {
    return url ? (
      <a className="msg-image" href={url} target="_blank" rel="noreferrer noopener">
        <img src={url} alt={attachment.name} loading="lazy" />
      </a>
    ) : (
      <span className="msg-image msg-image-loading" aria-label={`Loading ${attachment.name}`} />
    );
  }
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

export interface MessageItemProps {
  groupId: string;
  message: Message;
  author: Member | null;
  mine: boolean;
  /** First of a run of messages by the same author: show the picture and name. */
  first: boolean;
  canDeleteForEveryone: boolean;
  onDeleteForEveryone: (m: Message) => void;
  onDeleteForMe: (m: Message) => void;
}

/** One message: picture and name (first of a run), text, attachments, time and actions. */
export function MessageItem({ groupId, message, author, mine, first, canDeleteForEveryone, onDeleteForEveryone, onDeleteForMe }: MessageItemProps) {
  const name = author?.username ?? 'Former member';
  const time = timeLabel(message.createdAt);
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
          <div className="msg-bubble">
            {message.deleted ? (
              <p className="msg-text msg-text-deleted">Message deleted</p>
            ) : (
              <>
                {message.attachments.length > 0 && (
                  <div className="msg-attachments">
                    {message.attachments.map((a) => (
                      <AttachmentView key={a.key} groupId={groupId} attachment={a} />
                    ))}
                  </div>
                )}
                {message.text !== '' && <p className="msg-text">{message.text}</p>}
              </>
            )}
            <time className="msg-time" dateTime={message.createdAt}>
              {time}
            </time>
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

/** A message of mine not confirmed yet: sending, or failed with Retry. */
export function OutgoingItem({ item, onRetry, onDiscard }: { item: Outgoing; onRetry: () => void; onDiscard: () => void }) {
  return (
    <li className={`msg msg-mine msg-outgoing msg-${item.status}`} aria-label={item.status === 'failed' ? 'Not sent' : 'Sending'}>
      <div className="msg-main">
        <div className="msg-row">
          <div className="msg-bubble">
            {item.attachments.length > 0 && (
              <div className="msg-attachments">
                {item.attachments.map((a) => (
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
            <span className="msg-time">{item.status === 'pending' ? 'Sending…' : 'Not sent'}</span>
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
