import type { ReactNode } from 'react';
import { ChatPreview } from './ChatPreview';
import { ServerStatusLine } from './ServerStatusLine';
import { useServerStatus, type ServerStatusOptions } from './useServerStatus';
import './HomePage.css';

interface Feature {
  title: string;
  text: string;
  icon: ReactNode;
}

const iconProps = {
  width: 20,
  height: 20,
  viewBox: '0 0 24 24',
  fill: 'none',
  stroke: 'currentColor',
  strokeWidth: 1.8,
  strokeLinecap: 'round',
  strokeLinejoin: 'round',
  'aria-hidden': true,
  focusable: false,
} as const;

const features: readonly Feature[] = [
  {
    title: 'Groups that stay in order',
    text: 'Invite people, give them roles and rights, and keep every conversation in sequence.',
    icon: (
      <svg {...iconProps}>
        <path d="M21 12a8 8 0 0 1-11.6 7.1L4 20l1-4.6A8 8 0 1 1 21 12z" />
        <path d="M8.5 11h7M8.5 14h4" />
      </svg>
    ),
  },
  {
    title: 'Video calls in the browser',
    text: 'Start a call in any group. Nothing to install, and moderators can mute for everyone.',
    icon: (
      <svg {...iconProps}>
        <rect x="3" y="6" width="13" height="12" rx="2.5" />
        <path d="m16 10.5 5-3v9l-5-3z" />
      </svg>
    ),
  },
  {
    title: 'Yours to run',
    text: 'One binary on a laptop with nothing else to set up, and it scales out when you grow.',
    icon: (
      <svg {...iconProps}>
        <rect x="4" y="4" width="16" height="6" rx="1.5" />
        <rect x="4" y="14" width="16" height="6" rx="1.5" />
        <path d="M8 7h.01M8 17h.01" />
      </svg>
    ),
  },
];

/** The landing page: what Parley is, and whether this server answers. */
export function HomePage({ statusOptions }: { statusOptions?: ServerStatusOptions }) {
  const { status, recheck } = useServerStatus(statusOptions);
  return (
    <div className="home">
      <section className="hero" aria-labelledby="hero-title">
        <div className="hero-copy">
          <ServerStatusLine status={status} onRetry={recheck} />
          <h1 id="hero-title" className="hero-title">
            Group chat and video calls you can host yourself
          </h1>
          <p className="hero-lede">
            Parley keeps your team, family or club talking in groups, sharing files and jumping
            into calls, all on a server you control.
          </p>
        </div>
        <ChatPreview />
      </section>
      <section className="features" aria-label="What Parley does">
        {features.map((f) => (
          <article key={f.title} className="feature">
            <span className="feature-icon">{f.icon}</span>
            <h2 className="feature-title">{f.title}</h2>
            <p className="feature-text">{f.text}</p>
          </article>
        ))}
      </section>
    </div>
  );
}
