import { useCallback, useState } from 'react';
import { isApiError, startDirect, type Group } from '../../api';
import { useSession } from '../../session/SessionContext';
import { useGroupsIfAny } from './GroupsContext';

/** Why POST /direct failed, in words. */
export function startDirectError(err: unknown): string {
  if (isApiError(err, 'rate_limited')) return 'You started many conversations lately. Wait a while and try again.';
  if (isApiError(err, 'not_found')) return 'That person is not on this server any more.';
  return isApiError(err) ? err.message : 'Could not open the conversation.';
}

/**
 * Starts (or opens) the direct conversation with a user: `run(userId)`
 * resolves to the conversation, put into the groups list at once, or to
 * null after setting `error`; `busy` is the user being opened.
 */
export function useStartDirect(): { run: (userId: string) => Promise<Group | null>; busy: string | null; error: string | null } {
  const session = useSession();
  const groups = useGroupsIfAny();
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const run = useCallback(
    async (userId: string) => {
      setBusy(userId);
      setError(null);
      try {
        const group = await startDirect(session.api, userId);
        groups?.upsertGroup(group);
        void groups?.refresh();
        return group;
      } catch (err) {
        setError(startDirectError(err));
        return null;
      } finally {
        setBusy(null);
      }
    },
    [session, groups],
  );
  return { run, busy, error };
}
