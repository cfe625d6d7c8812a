import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { acceptInvite, cancelInvite, declineInvite, displayName, isApiError, type Invite } from '../../api';
import { navigate } from '../../app/router';
import { Avatar } from '../../components/Avatar';
import { Button } from '../../components/Button';
import { useSession } from '../../session/SessionContext';
import { useGroups } from './GroupsContext';
import { BellIcon } from './icons';

/** "3 minutes ago" and the like, for an RFC 3339 time. */
export function timeAgo(iso: string, now: number = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (!Number.isFinite(s) || s < 45) return 'just now';
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 24) return `${h} h ago`;
  const d = Math.round(h / 24);
  return d === 1 ? 'yesterday' : `${d} days ago`;
}

/**
 * The invites button of the top bar, with the count of pending invites I
 * received, opening a panel: received (accept, decline) and sent (cancel).
 * Esc or a click elsewhere closes it.
 */
export function InvitesMenu() {
  const session = useSession();
  const { received, sent, refresh, upsertGroup } = useGroups();
  const [open, setOpen] = useState(false);
  const [tab, setTab] = useState<'received' | 'sent'>('received');
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const rootRef = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const panelId = useId();
  const count = received.length;

  useEffect(() => {
    if (!open) return undefined;
    const onPointerDown = (e: PointerEvent) => {
      if (e.target instanceof Node && !rootRef.current?.contains(e.target)) setOpen(false);
    };
    document.addEventListener('pointerdown', onPointerDown);
    return () => document.removeEventListener('pointerdown', onPointerDown);
  }, [open]);

  function onKeyDown(e: KeyboardEvent<HTMLDivElement>) {
    if (e.key === 'Escape' && open) {
      e.preventDefault();
      setOpen(false);
      buttonRef.current?.focus();
    }
  }

  async function act(invite: Invite, what: 'accept' | 'decline' | 'cancel') {
    setBusy(`${what}:${invite.id}`);
    setError(null);
    try {
      if (what === 'accept') {
        const { group } = await acceptInvite(session.api, invite.id);
        upsertGroup(group);
        setOpen(false);
        navigate(`/g/${group.id}`);
      } else if (what === 'decline') {
        await declineInvite(session.api, invite.id);
      } else {
        await cancelInvite(session.api, invite.id);
      }
    } catch (err) {
      setError(
        isApiError(err, 'conflict') || isApiError(err, 'not_found')
          ? 'That invite is no longer pending.'
          : isApiError(err)
            ? err.message
            : 'Something went wrong.',
      );
    } finally {
      setBusy(null);
      void refresh();
    }
  }

  const list = tab === 'received' ? received : sent;
  return (
    <div className="invites" ref={rootRef} onKeyDown={onKeyDown}>
      <button
        ref={buttonRef}
        type="button"
        className="icon-button invites-button"
        aria-label={count > 0 ? `Invites, ${count} pending` : 'Invites'}
        aria-expanded={open}
        aria-controls={open ? panelId : undefined}
        onClick={() => setOpen((o) => !o)}
      >
        <BellIcon />
        {count > 0 && (
          <span className="badge" aria-hidden="true">
            {count > 99 ? '99+' : count}
          </span>
        )}
      </button>
      {open && (
        <div id={panelId} className="invites-panel" role="region" aria-label="Invites">
          <div className="invites-tabs" role="tablist" aria-label="Invites">
            {(['received', 'sent'] as const).map((t) => (
              <button
                key={t}
                type="button"
                role="tab"
                aria-selected={tab === t}
                className="invites-tab"
                onClick={() => setTab(t)}
              >
                {t === 'received' ? 'Received' : 'Sent'}
                <span className="invites-tab-count">{t === 'received' ? received.length : sent.length}</span>
              </button>
            ))}
          </div>
          {error && (
            <p className="invites-error" role="alert">
              {error}
            </p>
          )}
          {list.length === 0 ? (
            <p className="invites-empty">
              {tab === 'received' ? 'No invites waiting for you.' : 'No pending invites from you.'}
            </p>
          ) : (
            <ul className="invites-list" role="tabpanel" aria-label={tab === 'received' ? 'Received' : 'Sent'}>
              {list.map((inv) => (
                <li key={inv.id} className="invite" aria-label={inv.group.name}>
                  <Avatar name={inv.group.name} src={inv.group.pictureUrl} size="md" />
                  <div className="invite-main">
                    <span className="invite-group">{inv.group.name}</span>
                    <span className="invite-meta">
                      {tab === 'received' ? `from ${displayName(inv.inviter)}` : `to ${displayName(inv.invitee)}`} ·{' '}
                      {timeAgo(inv.createdAt)}
                    </span>
                    <span className="invite-actions">
                      {tab === 'received' ? (
                        <>
                          <Button variant="primary" size="sm" busy={busy === `accept:${inv.id}`} onClick={() => void act(inv, 'accept')}>
                            Accept
                          </Button>
                          <Button variant="quiet" size="sm" busy={busy === `decline:${inv.id}`} onClick={() => void act(inv, 'decline')}>
                            Decline
                          </Button>
                        </>
                      ) : (
                        <Button variant="quiet" size="sm" busy={busy === `cancel:${inv.id}`} onClick={() => void act(inv, 'cancel')}>
                          Cancel invite
                        </Button>
                      )}
                    </span>
                  </div>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}
