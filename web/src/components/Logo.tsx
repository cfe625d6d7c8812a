import { useId } from 'react';
import './Logo.css';

export interface LogoProps {
  /** Pixel size of the square mark. */
  size?: number;
  className?: string;
}

/** Parley's mark: two overlapping speech bubbles. Decorative by default. */
export function Logo({ size = 28, className }: LogoProps) {
  const gradient = `logo-${useId().replace(/[^\w-]/g, '')}`;
  return (
    <svg
      className={className}
      width={size}
      height={size}
      viewBox="0 0 32 32"
      aria-hidden="true"
      focusable="false"
    >
      <defs>
        <linearGradient id={gradient} x1="0" y1="0" x2="1" y2="1">
          <stop offset="0" className="logo-from" />
          <stop offset="1" className="logo-to" />
        </linearGradient>
      </defs>
      <rect width="32" height="32" rx="9" fill={`url(#${gradient})`} />
      <g fill="#fff" opacity=".6">
        <rect x="12" y="12.5" width="14" height="10" rx="4" />
        <path d="M20 21l4.2 4.3c.3.3.8.1.8-.3V20z" />
      </g>
      <path
        d="M10.6 6.8h7.8a4.4 4.4 0 0 1 4.4 4.4v2.6a4.4 4.4 0 0 1-4.4 4.4h-5.2l-3.9 3.3c-.4.3-1 .1-1-.4v-3.1a4.4 4.4 0 0 1-2.1-3.7v-3.1a4.4 4.4 0 0 1 4.4-4.4z"
        fill="#fff"
        stroke={`url(#${gradient})`}
        strokeWidth="1.6"
        paintOrder="stroke"
      />
    </svg>
  );
}
