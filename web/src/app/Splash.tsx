import { Logo } from '../components/Logo';
import { Spinner } from '../components/Spinner';
import './Splash.css';

/** Shown while the app finds out whether a session can be restored. */
export function Splash() {
  return (
    <div className="splash" role="status" aria-live="polite">
      <Logo size={56} />
      <Spinner size={22} className="splash-spinner" />
      <span className="visually-hidden">Loading Parley…</span>
    </div>
  );
}
