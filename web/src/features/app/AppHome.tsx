import { displayName } from '../../api';
import { Button } from '../../components/Button';
import { useMe } from '../../session/SessionContext';
import { useGroups } from '../groups/GroupsContext';
import { PlusIcon } from '../groups/icons';
import { useOpenCreateGroup, useOpenProfile } from './AppShell';
import './AppHome.css';

/**
 * The signed-in home when no group is open: a welcome that invites the user
 * to start a group (or to pick one when they have some).
 */
export function AppHome() {
  const me = useMe();
  const openProfile = useOpenProfile();
  const openCreate = useOpenCreateGroup();
  const { groups, received } = useGroups();
  if (!me) return null;
  const none = groups !== null && groups.length === 0;
  return (
    <section className="app-home" aria-labelledby="app-home-title">
      <div className="app-home-art" aria-hidden="true">
        <span className="app-home-bubble app-home-bubble-a" />
        <span className="app-home-bubble app-home-bubble-b" />
      </div>
      <h1 id="app-home-title" className="app-home-title">
        Welcome, {displayName(me)}
      </h1>
      <p className="app-home-text">
        {none
          ? 'Parley is better together. Start a group for your team, family or friends and invite them by name.'
          : 'Pick a group on the left, or start a new one and invite people by name.'}
        {received.length > 0 &&
          ` You have ${received.length} pending ${received.length === 1 ? 'invite' : 'invites'}: open the bell at the top.`}
      </p>
      <div className="app-home-actions">
        <Button variant="primary" onClick={openCreate}>
          <PlusIcon />
          Create a group
        </Button>
        <Button variant="secondary" onClick={openProfile}>
          Edit profile
        </Button>
      </div>
    </section>
  );
}
