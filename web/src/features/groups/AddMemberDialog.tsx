import { useEffect, useId, useState, type KeyboardEvent } from 'react';
import { displayName, handle, inviteUser, isApiError, searchUsers, type GroupDetail, type User } from '../../api';
import { Alert } from '../../components/Alert';
import { Avatar } from '../../components/Avatar';
import { Button } from '../../components/Button';
import { Modal } from '../../components/Modal';
import { useSession } from '../../session/SessionContext';
import { useGroups } from './GroupsContext';
import { CheckIcon } from './icons';
import { PeopleSearchBox } from './PeopleSearchBox';
import { useDebounced } from './useDebounced';

/** How long typing must pause before a search is sent. */
export const searchDelayMs = 250;

/** Where an invite to one user stands, as far as this dialog knows. */
export type InviteState = 'sending' | 'sent' | 'member' | 'invited' | { error: string };

/** The state for a 409 from POST /groups/{id}/invites, by the server's message. */
export function conflictState(message: string): InviteState {
  return /member/i.test(message) ? 'member' : 'invited';
}

type Results =
  | { kind: 'none' }
  | { kind: 'searching'; q: string; users: User[] }
  | { kind: 'done'; q: string; users: User[] }
  | { kind: 'failed'; q: string; message: string };

/**
 * "Add people": type part of a name, pick a person (mouse, or ↑/↓ and
 * Enter), and they get an invite. People already in the group or already
 * invited say so instead.
 */
export function AddMemberDialog({
  group,
  onClose,
  onChanged,
}: {
  group: GroupDetail;
  onClose: () => void;
  onChanged: () => void;
}) {
  const session = useSession();
  const { sent } = useGroups();
  const listId = useId();
  const [q, setQ] = useState('');
  const query = useDebounced(q.trim(), searchDelayMs);
  const [results, setResults] = useState<Results>({ kind: 'none' });
  const [active, setActive] = useState(0);
  const [states, setStates] = useState<Readonly<Record<string, InviteState>>>({});

  useEffect(() => {
    if (query === '') {
      setResults({ kind: 'none' });
      return undefined;
    }
    const ctrl = new AbortController();
    setResults((old) => ({ kind: 'searching', q: query, users: old.kind === 'done' || old.kind === 'searching' ? old.users : [] }));
    searchUsers(session.api, query, { limit: 8, signal: ctrl.signal }).then(
      (users) => {
        setResults({ kind: 'done', q: query, users });
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
  }, [session, query]);

  function stateOf(u: User): InviteState | undefined {
    const own = states[u.id];
    if (own) return own;
    if (group.members.some((m) => m.userId === u.id)) return 'member';
    if (sent.some((i) => i.group.id === group.id && i.invitee.id === u.id)) return 'invited';
    return undefined;
  }

  async function invite(u: User) {
    const state = stateOf(u);
    if (state !== undefined && typeof state === 'string') return;
    setStates((s) => ({ ...s, [u.id]: 'sending' }));
    try {
      await inviteUser(session.api, group.id, u.id);
      setStates((s) => ({ ...s, [u.id]: 'sent' }));
      onChanged();
    } catch (err) {
      const next: InviteState = isApiError(err, 'conflict')
        ? conflictState(err.message)
        : { error: isApiError(err) ? err.message : 'Could not send the invite.' };
      setStates((s) => ({ ...s, [u.id]: next }));
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
      void invite(activeUser);
    }
  }

  return (
    <Modal
      title="Add people"
      description={`Invite people to ${group.name}. They join when they accept.`}
      onClose={onClose}
      className="addmember-modal"
      footer={
        <Button variant="primary" onClick={onClose}>
          Done
        </Button>
      }
    >
      <PeopleSearchBox
        listId={listId}
        activeId={activeUser?.id ?? null}
        expanded={users.length > 0}
        busy={results.kind === 'searching'}
        value={q}
        onChange={setQ}
        onKeyDown={onKeyDown}
      />
      {results.kind === 'failed' && <Alert tone="error">{results.message}</Alert>}
      {results.kind === 'done' && users.length === 0 && (
        <p className="search-empty">No one matches “{results.q}”.</p>
      )}
      {results.kind === 'none' && <p className="search-empty">Type part of a name or username to find people on this server.</p>}
      <ul id={listId} className="results" role="listbox" aria-label="People">
        {users.map((u, i) => {
          const state = stateOf(u);
          return (
            <li
              key={u.id}
              id={`${listId}-${u.id}`}
              role="option"
              aria-selected={i === active}
              aria-disabled={typeof state === 'string' || undefined}
              className="result"
              onMouseMove={() => setActive(i)}
              onClick={() => void invite(u)}
            >
              <Avatar name={displayName(u)} colorKey={u.username} src={u.pictureUrl} size="sm" />
              <span className="result-name">
                {displayName(u)}
                {handle(u) && <span className="result-handle"> {handle(u)}</span>}
              </span>
              <InviteStatus state={state} />
            </li>
          );
        })}
      </ul>
    </Modal>
  );
}

function InviteStatus({ state }: { state: InviteState | undefined }) {
  if (state === undefined) return <span className="result-action">Invite</span>;
  if (state === 'sending') return <span className="result-status">Inviting…</span>;
  if (state === 'sent')
    return (
      <span className="result-status result-ok">
        <CheckIcon />
        Invite sent
      </span>
    );
  if (state === 'member') return <span className="result-status">Already a member</span>;
  if (state === 'invited') return <span className="result-status">Already invited</span>;
  return <span className="result-status result-error">{state.error}</span>;
}
