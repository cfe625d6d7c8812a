import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { displayName, isApiError, searchMessages, type MessageSearchHit } from '../../api';
import { navigate } from '../../app/router';
import { Spinner } from '../../components/Spinner';
import { useMe, useSession } from '../../session/SessionContext';
import { dayLabel, timeLabel } from '../chat/format';
import { directName, isDirect } from '../groups/direct';
import { useGroups } from '../groups/GroupsContext';
import { SearchIcon } from '../groups/icons';
import { useDebounced } from '../groups/useDebounced';
import { snippetParts } from './highlight';
import { requestJump } from './jumps';
import './MessageSearch.css';

/** How long typing must pause before a search is sent. */
export const messageSearchDelayMs = 300;

type Results =
  | { kind: 'none' }
  | { kind: 'searching'; q: string; hits: MessageSearchHit[] }
  | { kind: 'done'; q: string; hits: MessageSearchHit[]; next: string | null }
  | { kind: 'failed'; q: string; message: string };

/** Whether a key press goes to a field being typed in (where "/" is just a slash). */
function typingInField(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
}

function failure(err: unknown): string {
  if (isApiError(err, 'rate_limited')) return 'Searching too fast. Wait a moment and try again.';
  if (isApiError(err, 'invalid')) return 'Try fewer or shorter words.';
  return isApiError(err) ? err.message : 'Search failed.';
}

/**
 * "Search messages" in the top bar (Ctrl+K, ⌘K or / focuses it): full-text
 * search over my groups (GET /search/messages), newest first, each result
 * with its group, time and snippet, the matched words highlighted from the
 * server's code-point offsets (as text, never HTML). ↑/↓ and Enter or a
 * click open the message in its conversation, scrolled to and highlighted;
 * Esc closes.
 */
export function MessageSearch() {
  const session = useSession();
  const me = useMe();
  const { groups, peers } = useGroups();
  const listId = useId();
  const root = useRef<HTMLDivElement>(null);
  const input = useRef<HTMLInputElement>(null);
  const [q, setQ] = useState('');
  const query = useDebounced(q.trim(), messageSearchDelayMs);
  const [results, setResults] = useState<Results>({ kind: 'none' });
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const [loadingMore, setLoadingMore] = useState(false);

  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      const ctrlK = e.key.toLowerCase() === 'k' && (e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey;
      const slash = e.key === '/' && !e.ctrlKey && !e.metaKey && !e.altKey && !typingInField(e.target);
      if (!ctrlK && !slash) return;
      e.preventDefault();
      input.current?.focus();
      input.current?.select();
      setOpen(true);
    };
    const onDown = (e: PointerEvent) => {
      if (e.target instanceof Node && !root.current?.contains(e.target)) setOpen(false);
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('pointerdown', onDown);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('pointerdown', onDown);
    };
  }, []);

  useEffect(() => {
    if (query === '') {
      setResults({ kind: 'none' });
      return undefined;
    }
    const ctrl = new AbortController();
    setResults((old) => ({ kind: 'searching', q: query, hits: old.kind === 'done' || old.kind === 'searching' ? old.hits : [] }));
    searchMessages(session.api, query, { signal: ctrl.signal }).then(
      (page) => {
        setResults({ kind: 'done', q: query, hits: page.items, next: page.next ?? null });
        setActive(0);
      },
      (err: unknown) => {
        if (!ctrl.signal.aborted) setResults({ kind: 'failed', q: query, message: failure(err) });
      },
    );
    return () => ctrl.abort();
  }, [session, query]);

  function more() {
    if (results.kind !== 'done' || !results.next || loadingMore) return;
    const { q: asked, next, hits } = results;
    setLoadingMore(true);
    searchMessages(session.api, asked, { before: next }).then(
      (page) => setResults({ kind: 'done', q: asked, hits: [...hits, ...page.items], next: page.next ?? null }),
      (err: unknown) => setResults({ kind: 'failed', q: asked, message: failure(err) }),
    ).finally(() => setLoadingMore(false));
  }

  function groupName(groupId: string): string {
    const g = groups?.find((x) => x.id === groupId);
    if (!g) return 'A group you left';
    return isDirect(g) ? directName(peers[g.id]) : g.name;
  }

  function authorName(hit: MessageSearchHit): string | null {
    if (me && hit.message.authorId === me.id) return 'You';
    const peer = peers[hit.message.groupId];
    return peer && peer.userId === hit.message.authorId ? displayName(peer) : null;
  }

  function openHit(hit: MessageSearchHit) {
    setOpen(false);
    input.current?.blur();
    requestJump(hit.message.groupId, { id: hit.message.id, seq: hit.message.seq });
    navigate(`/g/${hit.message.groupId}`);
  }

  const hits = results.kind === 'done' || results.kind === 'searching' ? results.hits : [];
  const activeHit = hits[Math.min(active, hits.length - 1)];

  function onKeyDown(e: KeyboardEvent<HTMLInputElement>) {
    if (e.key === 'Escape') {
      e.preventDefault();
      if (open && q !== '') setOpen(false);
      else {
        setQ('');
        input.current?.blur();
      }
      return;
    }
    setOpen(true);
    if (hits.length === 0) return;
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      setActive((a) => (a + 1) % hits.length);
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setActive((a) => (a - 1 + hits.length) % hits.length);
    } else if (e.key === 'Enter' && activeHit) {
      e.preventDefault();
      openHit(activeHit);
    }
  }

  const shown = open && results.kind !== 'none';
  return (
    <div className="msgsearch" ref={root}>
      <div className="search msgsearch-box">
        <span className="search-icon" aria-hidden="true">
          <SearchIcon />
        </span>
        <input
          ref={input}
          className="search-input msgsearch-input"
          type="search"
          role="combobox"
          aria-label="Search messages"
          aria-expanded={shown}
          aria-controls={listId}
          aria-autocomplete="list"
          aria-keyshortcuts="Control+K /"
          aria-activedescendant={shown && activeHit ? `${listId}-${activeHit.message.id}` : undefined}
          placeholder="Search messages"
          autoComplete="off"
          spellCheck={false}
          maxLength={200}
          value={q}
          onChange={(e) => {
            setQ(e.target.value);
            setOpen(true);
          }}
          onFocus={() => setOpen(true)}
          onKeyDown={onKeyDown}
        />
        {results.kind === 'searching' && <Spinner />}
        <kbd className="msgsearch-kbd" aria-hidden="true">
          Ctrl K
        </kbd>
      </div>
      {shown && (
        <div className="msgsearch-panel">
          {results.kind === 'failed' && (
            <p className="search-empty" role="alert">
              {results.message}
            </p>
          )}
          {results.kind === 'done' && hits.length === 0 && <p className="search-empty">No messages match “{results.q}”.</p>}
          <ul id={listId} className="results msgsearch-results" role="listbox" aria-label="Messages found">
            {hits.map((h, i) => {
              const author = authorName(h);
              return (
                <li
                  key={h.message.id}
                  id={`${listId}-${h.message.id}`}
                  role="option"
                  aria-selected={i === active}
                  className="result msgsearch-hit"
                  onMouseMove={() => setActive(i)}
                  onClick={() => openHit(h)}
                >
                  <span className="msgsearch-where">
                    <span className="msgsearch-group">{groupName(h.message.groupId)}</span>
                    <span className="msgsearch-when">
                      {author ? `${author} · ` : ''}
                      {dayLabel(h.message.createdAt)} {timeLabel(h.message.createdAt)}
                    </span>
                  </span>
                  <span className="msgsearch-snippet">
                    {snippetParts(h.snippet, h.highlights).map((p, j) => (p.mark ? <mark key={j}>{p.text}</mark> : <span key={j}>{p.text}</span>))}
                  </span>
                </li>
              );
            })}
          </ul>
          {results.kind === 'done' && results.next && (
            <button type="button" className="msg-link msgsearch-more" onClick={more} disabled={loadingMore}>
              {loadingMore ? 'Loading…' : 'More results'}
            </button>
          )}
        </div>
      )}
    </div>
  );
}
