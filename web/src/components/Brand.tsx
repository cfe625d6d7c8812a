import { Link } from '../app/router';
import { Logo } from './Logo';
import './Brand.css';

/** The Parley mark and name, linking to `to`. */
export function Brand({ to = '/', size = 30 }: { to?: string; size?: number }) {
  return (
    <Link to={to} className="brand" aria-label="Parley home">
      <Logo size={size} />
      <span className="brand-name">Parley</span>
    </Link>
  );
}
