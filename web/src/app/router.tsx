/**
 * A small client-side router on the History API: enough for a handful of
 * routes with `:param` segments, without a dependency. The Go server answers
 * every unknown non-API path with index.html, so deep links land here.
 */
import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';

/** Fired on window after pushState/replaceState, which emit no event. */
const changeEvent = 'parley:navigate';

function subscribe(onChange: () => void): () => void {
  window.addEventListener('popstate', onChange);
  window.addEventListener(changeEvent, onChange);
  return () => {
    window.removeEventListener('popstate', onChange);
    window.removeEventListener(changeEvent, onChange);
  };
}

function currentPathname(): string {
  return window.location.pathname;
}

/** The current location's pathname; re-renders when it changes. */
export function usePathname(): string {
  return useSyncExternalStore(subscribe, currentPathname, () => '/');
}

export interface NavigateOptions {
  /** Replace the current history entry instead of adding one. */
  replace?: boolean;
}

/** Moves to a same-origin path (with optional query and hash). */
export function navigate(to: string, options: NavigateOptions = {}): void {
  const url = new URL(to, window.location.href);
  if (url.origin !== window.location.origin) {
    window.location.assign(url.href);
    return;
  }
  const target = url.pathname + url.search + url.hash;
  const here = window.location.pathname + window.location.search + window.location.hash;
  if (target === here) return;
  if (options.replace) window.history.replaceState(null, '', target);
  else window.history.pushState(null, '', target);
  window.dispatchEvent(new Event(changeEvent));
}

export type Params = Readonly<Record<string, string>>;

function splitPath(p: string): string[] {
  return p.split('/').filter((s) => s !== '');
}

/**
 * Matches a pathname against a pattern such as `/groups/:id`. Segments
 * compare exactly (case-sensitive); a trailing slash is ignored; `:name`
 * captures one non-empty, URI-decoded segment. Returns null on no match.
 */
export function matchPath(pattern: string, pathname: string): Params | null {
  const want = splitPath(pattern);
  const got = splitPath(pathname);
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i] ?? '';
    const g = got[i] ?? '';
    if (w.startsWith(':')) {
      try {
        params[w.slice(1)] = decodeURIComponent(g);
      } catch {
        return null;
      }
    } else if (w !== g) {
      return null;
    }
  }
  return params;
}

export interface RouteDef<V> {
  path: string;
  view: V;
}

/** The first route whose pattern matches, with its params, or null. */
export function resolve<V>(
  routes: readonly RouteDef<V>[],
  pathname: string,
): { route: RouteDef<V>; params: Params } | null {
  for (const route of routes) {
    const params = matchPath(route.path, pathname);
    if (params) return { route, params };
  }
  return null;
}

export interface LinkProps extends Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'> {
  to: string;
  replace?: boolean;
}

function isPlainLeftClick(e: MouseEvent<HTMLAnchorElement>): boolean {
  return e.button === 0 && !e.metaKey && !e.ctrlKey && !e.shiftKey && !e.altKey;
}

/**
 * An anchor that navigates in place. Modified clicks (new tab, new window,
 * download) and `target` other than `_self` keep the browser's behaviour.
 */
export function Link({ to, replace, onClick, target, ...rest }: LinkProps) {
  function handleClick(e: MouseEvent<HTMLAnchorElement>) {
    onClick?.(e);
    if (e.defaultPrevented || !isPlainLeftClick(e)) return;
    if (target !== undefined && target !== '_self') return;
    e.preventDefault();
    navigate(to, replace ? { replace } : {});
  }
  return <a href={to} target={target} onClick={handleClick} {...rest} />;
}
