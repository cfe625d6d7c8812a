import type { KeyboardEvent } from 'react';
import { Spinner } from '../../components/Spinner';
import { SearchIcon } from './icons';

/**
 * The search box of the people pickers (Add people, New message): a
 * combobox over the result list `listId`, whose active option is
 * `${listId}-${activeId}`.
 */
export function PeopleSearchBox({
  listId,
  activeId,
  expanded,
  busy,
  value,
  onChange,
  onKeyDown,
}: {
  listId: string;
  activeId: string | null;
  expanded: boolean;
  busy: boolean;
  value: string;
  onChange: (value: string) => void;
  onKeyDown: (e: KeyboardEvent<HTMLInputElement>) => void;
}) {
  return (
    <div className="search">
      <span className="search-icon" aria-hidden="true">
        <SearchIcon />
      </span>
      <input
        className="search-input"
        type="search"
        role="combobox"
        aria-label="Search people by name"
        aria-expanded={expanded}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-activedescendant={activeId ? `${listId}-${activeId}` : undefined}
        placeholder="Search by name or username"
        autoComplete="off"
        spellCheck={false}
        maxLength={64}
        data-autofocus
        value={value}
        onChange={(e) => onChange(e.target.value)}
        onKeyDown={onKeyDown}
      />
      {busy && <Spinner />}
    </div>
  );
}
