import { Link } from './router';
import '../components/Button.css';
import './NotFound.css';

/** Shown for any path no route matches. The server still answered 200. */
export function NotFound({ pathname }: { pathname: string }) {
  return (
    <section className="not-found" aria-labelledby="not-found-title">
      <p className="not-found-code" aria-hidden="true">
        404
      </p>
      <h1 id="not-found-title" className="not-found-title">
        Page not found
      </h1>
      <p className="not-found-text">
        There is nothing at <code className="not-found-path">{pathname}</code>. The link may be
        old, or the address mistyped.
      </p>
      <Link to="/" className="btn btn-primary btn-md">
        Back to home
      </Link>
    </section>
  );
}
