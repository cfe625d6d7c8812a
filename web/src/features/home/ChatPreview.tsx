import { Avatar } from '../../components/Avatar';
import { Markdown } from '../chat/Markdown';
import { EmojiIcon, PaperclipIcon, SendIcon } from '../chat/icons';
import '../chat/Chat.css';
import '../groups/Groups.css';
import './ChatPreview.css';

interface PreviewMessage {
  author: string;
  text: string;
  time?: string;
  mine?: boolean;
  reactions?: readonly { emoji: string; count: number; mine?: boolean }[];
}

const groups = [
  { name: 'Design crew', members: 5, unread: 0, active: true },
  { name: 'Weekend trip', members: 4, unread: 3, active: false },
  { name: 'Family', members: 6, unread: 0, active: false },
  { name: 'Book club', members: 8, unread: 1, active: false },
] as const;

const messages: readonly PreviewMessage[] = [
  { author: 'Maya', text: 'Pushed the new **onboarding** screens.' },
  { author: 'Maya', text: 'Thoughts before Friday?', time: '10:02' },
  { author: 'Jonas', text: 'Love the empty states 😍 Quick call about the copy?', time: '10:04', reactions: [{ emoji: '👍', count: 2, mine: true }] },
  { author: 'me', text: 'Joining now, coffee in hand ☕', time: '10:05', mine: true },
];

/**
 * A static picture of the app (a group conversation with a call running),
 * drawn with the app's own pieces — its avatars, group list, message
 * bubbles, reactions, markdown and composer — so it looks like the app and
 * follows the theme. Decorative: hidden from assistive technology and
 * inert (nothing in it takes focus), which gets a one-line description
 * instead.
 */
export function ChatPreview() {
  return (
    <figure className="preview" aria-label="Preview of a Parley group conversation">
      <div className="preview-window" aria-hidden="true" inert>
        <div className="preview-titlebar">
          <span className="dot" />
          <span className="dot" />
          <span className="dot" />
        </div>
        <div className="preview-body">
          <nav className="preview-sidebar">
            <div className="preview-sidebar-title">Groups</div>
            <ul className="grouplist">
              {groups.map((g) => (
                <li key={g.name}>
                  <div className="grouplist-item" aria-current={g.active ? 'page' : undefined}>
                    <Avatar name={g.name} size="sm" />
                    <span className="grouplist-text">
                      <span className="grouplist-name">{g.name}</span>
                      <span className="grouplist-meta">{g.members} members</span>
                    </span>
                    {g.unread > 0 && <span className="grouplist-unread">{g.unread}</span>}
                  </div>
                </li>
              ))}
            </ul>
          </nav>
          <section className="preview-chat">
            <header className="preview-chat-header">
              <Avatar name="Design crew" size="sm" />
              <div className="preview-chat-heading">
                <div className="preview-chat-title">Design crew</div>
                <div className="preview-chat-sub">5 members</div>
              </div>
              <div className="preview-call">
                <span className="preview-call-live" />
                In call
                <span className="preview-call-faces">
                  <Avatar name="Jonas" size="xs" />
                  <Avatar name="Priya" size="xs" />
                </span>
              </div>
            </header>
            <ol className="preview-messages chat-list">
              <li className="chat-day">
                <span>Today</span>
              </li>
              {messages.map((m, i) => {
                const first = messages[i - 1]?.author !== m.author;
                return (
                  <li key={i} className={`msg${m.mine ? ' msg-mine' : ''}${first ? ' msg-first' : ''}`}>
                    {!m.mine && <span className="msg-avatar">{first && <Avatar name={m.author} size="sm" />}</span>}
                    <div className="msg-main">
                      {first && !m.mine && <span className="msg-author">{m.author}</span>}
                      <div className="msg-row">
                        <div className="msg-bubble">
                          <Markdown text={m.text} />
                          {m.time && (
                            <span className="msg-meta">
                              <time className="msg-time">{m.time}</time>
                            </span>
                          )}
                        </div>
                      </div>
                      {m.reactions && (
                        <div className="msg-reactions">
                          {m.reactions.map((r) => (
                            <span key={r.emoji} className={`reaction${r.mine ? ' reaction-mine' : ''}`}>
                              <span className="reaction-emoji">{r.emoji}</span>
                              <span className="reaction-count">{r.count}</span>
                            </span>
                          ))}
                        </div>
                      )}
                    </div>
                  </li>
                );
              })}
            </ol>
            <div className="preview-composer">
              <div className="composer-row">
                <span className="composer-icon">
                  <PaperclipIcon />
                </span>
                <span className="composer-input preview-composer-input">Message Design crew</span>
                <span className="composer-icon">
                  <EmojiIcon />
                </span>
                <span className="composer-send">
                  <SendIcon />
                </span>
              </div>
            </div>
          </section>
        </div>
      </div>
    </figure>
  );
}
