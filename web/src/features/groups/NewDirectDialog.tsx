import { useEffect, useId, useState, type KeyboardEvent } from 'react';
import { displayName, handle, isApiError, searchUsers, type User } from '../../api';
import { navigate } from '../../app/router';
import { Alert } from '../../components/Alert';
import { Avatar } from '../../components/Avatar';
import { Button } from '../../components/Button';
import { Modal } from '../../components/Modal';
import { useSession } from '../../session/SessionContext';
import { searchDelayMs } from './AddMemberDialog';
import { PeopleSearchBox } from './PeopleSearchBox';
import { useStartDirect } from './useStartDirect';
import { useDebounced } from './useDebounced';

type Results =
  | { kind: 'none' }
  | { kind: 'searching'; q: string; users: User[] }
  | { kind: 'done'; q: string; users: User[] }
  | { kind: 'failed'; q: string; message: string };

/**
 * "New message": find a person (type-ahead over GET /search/users, ↑/↓ and
 * Enter or a click) and open the direct conversation with them, started if
 * it is the first time.
 */
export function NewDirectDialog({ me, onClose }: { me: string; onClose: () => void }) {
  const session = useSession();
  const listId = useId();
  const [q, setQ] = useState('');
  const query = useDebounced(q.trim(), searchDelayMs);
  const [results, setResults] = useState<Results>({ kind: 'none' });
  const [active, setActive] = useState(0);
  const start = useStartDirect();

  useEffect(() => {
    if (query === '') {
      setResults({ kind: 'none' });
      return undefined;
    }
    const ctrl = new AbortController();
    setResults((old) => ({ kind: 'searching', q: query, users: old.kind === 'done' || old.kind === 'searching' ? old.users : [] }));
    searchUsers(session.api, query, { limit: 8, signal: ctrl.signal }).then(
      (found) => {
        setResults({ kind: 'done', q: query, users: found.filter((u) => u.id !== me) });
        setActive(0);
      },
      (err: unknown) => {
        if (ctrl.signal.aborted) return;
        const message = isApiError(err, 'rate_limited')
          ? 'Searching too fast. Wait a moment and try again.'
          : isApiError(err)
            ? err.message
            : 'Search failed.';
        setResults({ kind: 'failed', q: query, message });
      },
    );
    return () => ctrl.abort();
  }, [session, query, me]);

  async function open(u: User) {
    const group = await start.run(u.id);
    if (group) {
      onClose();
      navigate(`/g/${group.id}`);
    }
  }

  const users = results.kind === 'done' || results.kind === 'searching' ? results.users : [];
  const activeUser = users[Math.min(active, users.length - 1)];

  function onKeyDown(e: KeyboardEvent<HTMLInputElement>) {
    if (users.length === 0) return;
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      setActive((a) => (a + 1) % users.length);
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setActive((a) => (a - 1 + users.length) % users.length);
    } else if (e.key === 'Enter' && activeUser) {
      e.preventDefault();
      void open(activeUser);
    }
  }

  return (
    <Modal
      title="New message"
      description="Find a person to write to, just the two of you."
      onClose={onClose}
      className="addmember-modal"
      footer={
        <Button variant="secondary" onClick={onClose}>
          Cancel
        </Button>
      }
    >
      <PeopleSearchBox
        listId={listId}
        activeId={activeUser?.id ?? null}
        expanded={users.length > 0}
        busy={results.kind === 'searching' || start.busy !== null}
        value={q}
        onChange={setQ}
        onKeyDown={onKeyDown}
      />
      {start.error && <Alert tone="error">{start.error}</Alert>}
      {results.kind === 'failed' && <Alert tone="error">{results.message}</Alert>}
      {results.kind === 'done' && users.length === 0 && <p className="search-empty">No one matches “{results.q}”.</p>}
      {results.kind === 'none' && <p className="search-empty">Type part of a name or username to find people on this server.</p>}
      <ul id={listId} className="results" role="listbox" aria-label="People">
        {users.map((u, i) => (
          <li
            key={u.id}
            id={`${listId}-${u.id}`}
            role="option"
            aria-selected={i === active}
            className="result"
            onMouseMove={() => setActive(i)}
            onClick={() => void open(u)}
          >
            <Avatar name={displayName(u)} colorKey={u.username} src={u.pictureUrl} size="sm" />
            <span className="result-name">
              {displayName(u)}
              {handle(u) && <span className="result-handle"> {handle(u)}</span>}
            </span>
            <span className="result-action">{start.busy === u.id ? 'Opening…' : 'Message'}</span>
          </li>
        ))}
      </ul>
    </Modal>
  );
}
