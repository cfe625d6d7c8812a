import { Button } from '../../components/Button';
import { useMe } from '../../session/SessionContext';
import { useOpenProfile } from './AppShell';
import './AppHome.css';

/** The signed-in home until groups exist: a welcome and a way to the profile. */
export function AppHome() {
  const me = useMe();
  const openProfile = useOpenProfile();
  if (!me) return null;
  return (
    <section className="app-home" aria-labelledby="app-home-title">
      <div className="app-home-art" aria-hidden="true">
        <span className="app-home-bubble app-home-bubble-a" />
        <span className="app-home-bubble app-home-bubble-b" />
      </div>
      <h1 id="app-home-title" className="app-home-title">
        Welcome, {me.username}
      </h1>
      <p className="app-home-text">
        Your account is ready. Groups, messages and calls are coming to this server soon; until
        then, make your profile yours.
      </p>
      <Button variant="primary" onClick={openProfile}>
        Edit profile
      </Button>
    </section>
  );
}
