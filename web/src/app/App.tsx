import { useEffect, useLayoutEffect } from 'react';
import { Shell } from '../components/Shell';
import { useSessionState } from '../session/SessionContext';
import type { SessionState } from '../session/session';
import { NotFound } from './NotFound';
import { navigate, resolve, usePathname, type RouteDef } from './router';
import { routes as defaultRoutes, type Page } from './routes';
import { Splash } from './Splash';

/**
 * Where `?next=` may send the user after signing in: a same-origin path
 * only (never another site, never a protocol-relative `//host`), and not
 * back to a signed-out page. Anything else means home.
 */
export function safeNext(search: string): string {
  const raw = new URLSearchParams(search).get('next');
  if (!raw || !raw.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\')) return '/';
  try {
    const url = new URL(raw, window.location.origin);
    if (url.origin !== window.location.origin) return '/';
    if (['/login', '/register', '/forgot-password'].includes(url.pathname)) return '/';
    return url.pathname + url.search + url.hash;
  } catch {
    return '/';
  }
}

/** Where a signed-out visitor of a member page goes. */
function loginFor(state: Extract<SessionState, { status: 'signedOut' }>, here: string): string {
  if (state.reason === 'signedOut' || here === '/') return '/login';
  return `/login?next=${encodeURIComponent(here)}`;
}

/** Replaces the current history entry with `to` once rendered. */
function Redirect({ to }: { to: string }) {
  useLayoutEffect(() => {
    navigate(to, { replace: true });
  }, [to]);
  return null;
}

/**
 * The whole client: the page the path selects, behind the session guard.
 * While the session is being restored, pages that depend on it show a
 * splash instead of flashing the wrong screen.
 */
export function App({ routes = defaultRoutes }: { routes?: readonly RouteDef<Page>[] }) {
  const pathname = usePathname();
  const state = useSessionState();
  const match = resolve(routes, pathname);
  const title = match ? match.route.view.title : 'Page not found · Parley';

  useEffect(() => {
    document.title = title;
  }, [title]);

  if (!match) {
    return (
      <Shell>
        <NotFound pathname={pathname} />
      </Shell>
    );
  }
  const page = match.route.view;
  if (page.access !== 'any' && state.status === 'restoring') return <Splash />;
  if (page.access === 'member' && state.status === 'signedOut') {
    return <Redirect to={loginFor(state, pathname + window.location.search)} />;
  }
  if (page.access === 'guest' && state.status === 'signedIn') {
    return <Redirect to={safeNext(window.location.search)} />;
  }
  return <>{page.render(match.params)}</>;
}
