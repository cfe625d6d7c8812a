import { act, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Link, matchPath, navigate, resolve, usePathname } from './router';

describe('matchPath', () => {
  const cases: { name: string; pattern: string; path: string; want: Record<string, string> | null }[] =
    [
      { name: 'root matches root', pattern: '/', path: '/', want: {} },
      { name: 'static segments match exactly', pattern: '/groups', path: '/groups', want: {} },
      { name: 'a trailing slash is ignored', pattern: '/groups', path: '/groups/', want: {} },
      { name: 'root does not match a longer path', pattern: '/', path: '/groups', want: null },
      { name: 'segments are case-sensitive', pattern: '/groups', path: '/Groups', want: null },
      { name: 'a longer path does not match', pattern: '/groups', path: '/groups/1', want: null },
      {
        name: 'params capture one decoded segment',
        pattern: '/groups/:id/calls/:call',
        path: '/groups/a%20b/calls/7',
        want: { id: 'a b', call: '7' },
      },
      { name: 'a param needs a segment', pattern: '/groups/:id', path: '/groups', want: null },
      { name: 'a malformed escape does not match', pattern: '/u/:id', path: '/u/%E0%A4%A', want: null },
    ];
  for (const c of cases) {
    it(c.name, () => {
      expect(matchPath(c.pattern, c.path)).toEqual(c.want);
    });
  }

  it('resolve picks the first matching route', () => {
    const routes = [
      { path: '/groups/new', view: 'new' },
      { path: '/groups/:id', view: 'group' },
    ];
    expect(resolve(routes, '/groups/new')?.route.view).toBe('new');
    expect(resolve(routes, '/groups/42')).toEqual({ route: routes[1], params: { id: '42' } });
    expect(resolve(routes, '/nope')).toBeNull();
  });
});

function Where() {
  return <p data-testid="where">{usePathname()}</p>;
}

describe('navigation', () => {
  beforeEach(() => {
    window.history.replaceState(null, '', '/');
  });
  afterEach(() => {
    window.history.replaceState(null, '', '/');
  });

  it('navigate pushes a history entry and re-renders subscribers', () => {
    render(<Where />);
    const before = window.history.length;

    act(() => navigate('/groups/1?tab=files#top'));

    expect(screen.getByTestId('where').textContent).toBe('/groups/1');
    expect(window.location.search).toBe('?tab=files');
    expect(window.history.length).toBe(before + 1);
  });

  it('navigate with replace does not add a history entry', () => {
    render(<Where />);
    const before = window.history.length;
    act(() => navigate('/elsewhere', { replace: true }));
    expect(screen.getByTestId('where').textContent).toBe('/elsewhere');
    expect(window.history.length).toBe(before);
  });

  it('follows the browser back button (popstate)', () => {
    render(<Where />);
    act(() => {
      window.history.pushState(null, '', '/somewhere');
      window.dispatchEvent(new PopStateEvent('popstate'));
    });
    expect(screen.getByTestId('where').textContent).toBe('/somewhere');
  });

  it('a plain click on a Link navigates in place', () => {
    render(
      <>
        <Link to="/groups">Groups</Link>
        <Where />
      </>,
    );
    const link = screen.getByRole('link', { name: 'Groups' });
    expect(link.getAttribute('href')).toBe('/groups');

    const notPrevented = fireEvent.click(link, { button: 0 });

    expect(notPrevented).toBe(false);
    expect(screen.getByTestId('where').textContent).toBe('/groups');
  });

  it('a modified click on a Link is left to the browser', () => {
    render(
      <>
        <Link to="/groups">Groups</Link>
        <Where />
      </>,
    );
    // Record whether the Link cancelled the click, then cancel it ourselves:
    // jsdom cannot open the new tab the browser would.
    let preventedByLink: boolean | undefined;
    const observe = (e: MouseEvent) => {
      preventedByLink = e.defaultPrevented;
      e.preventDefault();
    };
    window.addEventListener('click', observe);
    try {
      fireEvent.click(screen.getByRole('link', { name: 'Groups' }), { button: 0, ctrlKey: true });
    } finally {
      window.removeEventListener('click', observe);
    }
    expect(preventedByLink).toBe(false);
    expect(screen.getByTestId('where').textContent).toBe('/');
  });
});
