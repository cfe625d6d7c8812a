/** Line icons of the call (decorative: aria-hidden). */
import type { ReactNode } from 'react';

function Icon({ children, size = 20 }: { children: ReactNode; size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="1.9"
      strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
      {children}
    </svg>
  );
}

type Sized = { size?: number };
const sized = (s: Sized) => (s.size ? { size: s.size } : {});

export const PhoneIcon = (p: Sized) => (
  <Icon {...sized(p)}>
    <path d="M5 4h3.5l1.7 4.3-2.2 1.4a11 11 0 0 0 6.3 6.3l1.4-2.2L20 15.5V19a1.5 1.5 0 0 1-1.6 1.5A16.5 16.5 0 0 1 3.5 5.6 1.5 1.5 0 0 1 5 4Z" />
  </Icon>
);

export const PhoneOffIcon = (p: Sized) => (
  <Icon {...sized(p)}>
    <path d="M4.2 13.8a16 16 0 0 1 15.6 0l.2.1v3.2a1.3 1.3 0 0 1-1.6 1.2l-3-.7a1.3 1.3 0 0 1-1-1.3v-1.6a11.5 11.5 0 0 0-4.8 0v1.6a1.3 1.3 0 0 1-1 1.3l-3 .7A1.3 1.3 0 0 1 4 17.1v-3.2Z" />
  </Icon>
);

export const VideoIcon = (p: Sized) => (
  <Icon {...sized(p)}>
    <rect x="3" y="6" width="12.5" height="12" rx="2.5" />
    <path d="m15.5 10.5 5-3v9l-5-3" />
  </Icon>
);

export const VideoOffIcon = (p: Sized) => (
  <Icon {...sized(p)}>
    <path d="M3 3l18 18" />
    <path d="M9.5 6h3.5A2.5 2.5 0 0 1 15.5 8.5v3.5m0 3.5a2.5 2.5 0 0 1-2.5 2.5H5.5A2.5 2.5 0 0 1 3 15.5v-7A2.5 2.5 0 0 1 4.6 6.2" />
    <path d="m15.5 10.5 5-3v9l-2.2-1.3" />
  </Icon>
);

export const MicIcon = (p: Sized) => (
  <Icon {...sized(p)}>
    <rect x="9" y="3" width="6" height="11.5" rx="3" />
    <path d="M5.5 11a6.5 6.5 0 0 0 13 0M12 17.5V21" />
  </Icon>
);

export const MicOffIcon = (p: Sized) => (
  <Icon {...sized(p)}>
    <path d="M3 3l18 18" />
    <path d="M9 9v2.5a3 3 0 0 0 5.1 2.1M15 10V6a3 3 0 0 0-5.8-1.1" />
    <path d="M5.5 11a6.5 6.5 0 0 0 10.7 5M18.5 11a6.5 6.5 0 0 1-.4 2.2M12 17.5V21" />
  </Icon>
);

export const ScreenIcon = (p: Sized) => (
  <Icon {...sized(p)}>
    <rect x="3" y="4" width="18" height="12.5" rx="2" />
    <path d="M8.5 20.5h7M12 16.5v4M12 13V7.5M9.5 10 12 7.5l2.5 2.5" />
  </Icon>
);

export const GearIcon = (p: Sized) => (
  <Icon {...sized(p)}>
    <circle cx="12" cy="12" r="3" />
    <path d="M19.4 15a1.7 1.7 0 0 0 .3 1.8l.1.1a2 2 0 1 1-2.8 2.8l-.1-.1a1.7 1.7 0 0 0-1.8-.3 1.7 1.7 0 0 0-1 1.5V21a2 2 0 1 1-4 0v-.1a1.7 1.7 0 0 0-1.1-1.5 1.7 1.7 0 0 0-1.8.3l-.1.1a2 2 0 1 1-2.8-2.8l.1-.1a1.7 1.7 0 0 0 .3-1.8 1.7 1.7 0 0 0-1.5-1H3a2 2 0 1 1 0-4h.1a1.7 1.7 0 0 0 1.5-1.1 1.7 1.7 0 0 0-.3-1.8l-.1-.1a2 2 0 1 1 2.8-2.8l.1.1a1.7 1.7 0 0 0 1.8.3H9a1.7 1.7 0 0 0 1-1.5V3a2 2 0 1 1 4 0v.1a1.7 1.7 0 0 0 1 1.5 1.7 1.7 0 0 0 1.8-.3l.1-.1a2 2 0 1 1 2.8 2.8l-.1.1a1.7 1.7 0 0 0-.3 1.8V9a1.7 1.7 0 0 0 1.5 1H21a2 2 0 1 1 0 4h-.1a1.7 1.7 0 0 0-1.5 1Z" />
  </Icon>
);

export const MinimizeIcon = (p: Sized) => (
  <Icon {...sized(p)}>
    <path d="M4 14h6v6M20 10h-6V4M14 10l7-7M3 21l7-7" />
  </Icon>
);

export const ExpandIcon = (p: Sized) => (
  <Icon {...sized(p)}>
    <path d="M15 3h6v6M9 21H3v-6M21 3l-7 7M3 21l7-7" />
  </Icon>
);

export const MoreIcon = (p: Sized) => (
  <Icon {...sized(p)}>
    <circle cx="5" cy="12" r="1.3" fill="currentColor" />
    <circle cx="12" cy="12" r="1.3" fill="currentColor" />
    <circle cx="19" cy="12" r="1.3" fill="currentColor" />
  </Icon>
);

export const ShieldIcon = (p: Sized) => (
  <Icon {...sized(p)}>
    <path d="M12 3 5 6v5c0 4.5 3 8.3 7 10 4-1.7 7-5.5 7-10V6l-7-3Z" />
  </Icon>
);

export const CheckIcon = (p: Sized) => (
  <Icon {...sized(p)}>
    <path d="M20 6 9 17l-5-5" />
  </Icon>
);

export const ChevronLeftIcon = (p: Sized) => (
  <Icon {...sized(p)}>
    <path d="m14.5 6-6 6 6 6" />
  </Icon>
);

export const ChevronRightIcon = (p: Sized) => (
  <Icon {...sized(p)}>
    <path d="m9.5 6 6 6-6 6" />
  </Icon>
);
