import { useState } from 'react';
import './Avatar.css';

export type AvatarSize = 'xs' | 'sm' | 'md' | 'lg' | 'xl';

/** Up to two letters for a username: the first letters of its first two parts. */
export function initials(name: string): string {
  const parts = name.split(/[\s._-]+/).filter((p) => p !== '');
  const letters = parts.length > 1 ? [parts[0], parts[1]] : [parts[0]];
  const out = letters
    .map((p) => (p ? [...p][0] ?? '' : ''))
    .join('')
    .toUpperCase();
  return out === '' ? '?' : out;
}

/** A stable colour slot (0–7) for a name, so a person keeps their colour. */
export function hueSlot(name: string): number {
  let h = 0;
  for (const ch of name.toLowerCase()) h = (h * 31 + (ch.codePointAt(0) ?? 0)) >>> 0;
  return h % 8;
}

export interface AvatarProps {
  /** The name shown (display name or username): gives the initials, and the colour unless colorKey is given. */
  name: string;
  /** What picks the colour, when not the name: the username, so that a new display name keeps one's colour. */
  colorKey?: string | undefined;
  /** The picture to show; initials when null, absent, or it fails to load. */
  src?: string | null | undefined;
  size?: AvatarSize;
  /** Alternative text; empty (decorative) by default, for avatars next to the name. */
  alt?: string;
  className?: string;
}

/** A user's picture, or their initials on a colour of their own. */
export function Avatar({ name, colorKey, src, size = 'md', alt = '', className }: AvatarProps) {
  const [failed, setFailed] = useState<string | null>(null);
  const showImage = !!src && failed !== src;
  const classes = ['avatar', `avatar-${size}`, `avatar-hue-${hueSlot(colorKey ?? name)}`, className]
    .filter(Boolean)
    .join(' ');
  return (
    <span className={classes} data-has-picture={showImage || undefined}>
      {showImage ? (
        <img className="avatar-img" src={src} alt={alt} onError={() => setFailed(src)} draggable={false} />
      ) : (
        <span className="avatar-initials" aria-hidden={alt === '' ? true : undefined} role={alt === '' ? undefined : 'img'} aria-label={alt === '' ? undefined : alt}>
          {initials(name)}
        </span>
      )}
    </span>
  );
}
