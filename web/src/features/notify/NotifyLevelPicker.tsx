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
  return (
    <label className="notify-picker" htmlFor={id} title="Desktop notifications for this conversation">
      <BellIcon off={level === 'none' || notify.permission === 'denied'} />
      <select
        id={id}
        className="notify-select"
        aria-label="Notify me of"
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
    </label>
  );
}
