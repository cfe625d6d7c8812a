import { useId } from 'react';
import { BellIcon } from './BellIcon';
import { notifyLabels, notifyLevels, type NotifyLevel } from './notify';
import { useNotify } from './NotifyContext';
import './Notify.css';

/**
 * The group's notification level (all / mentions / nothing), kept in this
 * browser; choosing one asks for the browser's permission the first time.
 */
export function NotifyLevelPicker({ groupId }: { groupId: string }) {
  const notify = useNotify();
  const id = useId();
  if (!notify || notify.permission === 'unsupported') return null;
  const level = notify.levelOf(groupId);
  const blocked = notify.permission === 'denied' ? blockedReason() : null;
  return (
    <label className="notify-picker" htmlFor={id} title={blocked ?? 'Desktop notifications for this conversation'}>
      <BellIcon off={level === 'none' || notify.permission === 'denied'} />
      <select
        id={id}
        className="notify-select"
        aria-label="Notify me of"
        aria-describedby={blocked ? `${id}-why` : undefined}
        value={level}
        onChange={(e) => {
          notify.setLevel(groupId, e.target.value as NotifyLevel);
          if (notify.permission === 'default' && e.target.value !== 'none') void notify.ask();
        }}
      >
        {notifyLevels.map((l) => (
          <option key={l} value={l}>
            {notifyLabels[l]}
          </option>
        ))}
      </select>
      {blocked && (
        <span id={`${id}-why`} className="visually-hidden">
          {blocked}
        </span>
      )}
    </label>
  );
}

/**
 * Why the browser shows no notifications. Browsers refuse them to pages
 * that are not secure (plain HTTP outside localhost) without asking.
 */
function blockedReason(): string {
  return typeof isSecureContext !== 'undefined' && !isSecureContext
    ? 'Desktop notifications need HTTPS: the browser refuses them to this plain-HTTP page.'
    : 'Desktop notifications are blocked for this site in the browser’s settings.';
}
