import './ChatPreview.css';

interface PreviewMessage {
  author: string;
  initials: string;
  hue: number;
  time: string;
  text: string;
}

const groups = [
  { name: 'Design crew', unread: 0, active: true },
  { name: 'Weekend trip', unread: 3, active: false },
  { name: 'Family', unread: 0, active: false },
  { name: 'Book club', unread: 1, active: false },
] as const;

const messages: readonly PreviewMessage[] = [
  {
    author: 'Maya',
    initials: 'M',
    hue: 262,
    time: '10:02',
    text: 'Pushed the new onboarding screens. Thoughts before Friday?',
  },
  {
    author: 'Jonas',
    initials: 'J',
    hue: 168,
    time: '10:04',
    text: 'Love the empty states. Quick call to go through the copy?',
  },
  {
    author: 'Priya',
    initials: 'P',
    hue: 24,
    time: '10:05',
    text: 'Joining now, bringing coffee.',
  },
];

function Avatar({ initials, hue }: { initials: string; hue: number }) {
  return (
    <span className={`preview-avatar hue-${hue}`} aria-hidden="true">
      {initials}
    </span>
  );
}

/**
 * A static picture of the app (a group conversation with a call running),
 * drawn in HTML so it follows the theme. Decorative: hidden from assistive
 * technology, which gets a one-line description instead.
 */
export function ChatPreview() {
  return (
    <figure className="preview" aria-label="Preview of a Parley group conversation">
      <div className="preview-window" aria-hidden="true">
        <div className="preview-titlebar">
          <span className="dot" />
          <span className="dot" />
          <span className="dot" />
        </div>
        <div className="preview-body">
          <nav className="preview-sidebar">
            <div className="preview-sidebar-title">Groups</div>
            <ul>
              {groups.map((g) => (
                <li key={g.name} className={g.active ? 'active' : undefined}>
                  <span className="preview-hash">#</span>
                  <span className="preview-group-name">{g.name}</span>
                  {g.unread > 0 && <span className="preview-unread">{g.unread}</span>}
                </li>
              ))}
            </ul>
          </nav>
          <section className="preview-chat">
            <header className="preview-chat-header">
              <div>
                <div className="preview-chat-title"># Design crew</div>
                <div className="preview-chat-sub">5 members</div>
              </div>
              <div className="preview-call">
                <span className="preview-call-live" />
                In call
                <span className="preview-call-faces">
                  <Avatar initials="J" hue={168} />
                  <Avatar initials="P" hue={24} />
                </span>
              </div>
            </header>
            <ol className="preview-messages">
              {messages.map((m) => (
                <li key={m.time} className="preview-message">
                  <Avatar initials={m.initials} hue={m.hue} />
                  <div>
                    <div className="preview-meta">
                      <strong>{m.author}</strong>
                      <time>{m.time}</time>
                    </div>
                    <p>{m.text}</p>
                  </div>
                </li>
              ))}
            </ol>
            <div className="preview-composer">
              <span>Message # Design crew</span>
              <span className="preview-send">
                <svg width="14" height="14" viewBox="0 0 24 24" fill="none" stroke="currentColor"
                  strokeWidth="2.4" strokeLinecap="round" strokeLinejoin="round">
                  <path d="M12 19V5M5 12l7-7 7 7" />
                </svg>
              </span>
            </div>
          </section>
        </div>
      </div>
    </figure>
  );
}
