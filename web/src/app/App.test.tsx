import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../api';
import { Shell } from '../components/Shell';
import { HomePage } from '../features/home/HomePage';
import { Session } from '../session/session';
import { SessionProvider } from '../session/SessionContext';
import {
  apiError,
  fakeServer,
  inAnHour,
  json,
  maya,
  noContent,
  unauthenticated,
  type Handler,
} from '../test/fakeServer';
import { App, safeNext } from './App';
import type { RouteDef } from './router';
import { routes, type Page } from './routes';

const sessions: Session[] = [];

/** Renders the app at path with a fake API; signed in as maya when asked. */
async function renderApp(
  path: string,
  handlers: Record<string, Handler> = {},
  options: { signedIn?: boolean; routes?: readonly RouteDef<Page>[] } = {},
) {
  window.history.replaceState(null, '', path);
  const server = fakeServer({
    'POST /auth/refresh': options.signedIn
      ? () => json(200, { accessToken: 'tok', expiresAt: inAnHour() })
      : unauthenticated,
    'GET /users/me': () => json(200, maya),
    'GET /groups': () => json(200, { items: [] }),
    'GET /invites?direction=received&status=pending&limit=100': () => json(200, { items: [], nextCursor: null }),
    'GET /invites?direction=sent&status=pending&limit=100': () => json(200, { items: [], nextCursor: null }),
    ...handlers,
  });
  const session = new Session({ fetch: server.fetch, withLock: (fn) => fn() });
  sessions.push(session);
  const view = render(
    <SessionProvider session={session}>
      <App {...(options.routes ? { routes: options.routes } : {})} />
    </SessionProvider>,
  );
  await act(() => session.start());
  return { server, session, ...view };
}

function welcomeWith(check: (signal: AbortSignal) => Promise<{ latencyMs: number }>): RouteDef<Page>[] {
  return [
    ...routes.filter((r) => r.path !== '/welcome'),
    {
      path: '/welcome',
      view: {
        title: 'Parley',
        access: 'any',
        render: () => (
          <Shell>
            <HomePage statusOptions={{ check, intervalMs: 0 }} />
          </Shell>
        ),
      },
    },
  ];
}

afterEach(() => {
  for (const s of sessions.splice(0)) s.dispose();
  window.history.replaceState(null, '', '/');
});

describe('landing and not found', () => {
  it('shows the product and the server status at /welcome, with sign-in links', async () => {
    await renderApp('/welcome', {}, { routes: welcomeWith(async () => ({ latencyMs: 4 })) });

    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe(
      'Group chat and video calls you can host yourself',
    );
    expect((await screen.findByText('Server is reachable')).closest('[role=status]')).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Sign in' }).getAttribute('href')).toBe('/login');
    expect(screen.getByRole('link', { name: 'Create account' }).getAttribute('href')).toBe('/register');
  });

  it('says when the server cannot be reached and checks again on request', async () => {
    let calls = 0;
    const check = async () => {
      calls++;
      if (calls === 1) throw new ApiError({ status: 0, code: 'network_error', message: 'down' });
      return { latencyMs: 1 };
    };
    await renderApp('/welcome', {}, { routes: welcomeWith(check) });

    expect(await screen.findByText('Can’t reach the server')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByText('Server is reachable')).toBeTruthy();
    expect(calls).toBe(2);
  });

  it('shows NotFound for an unknown path', async () => {
    await renderApp('/no/such/page');
    expect(screen.getByRole('heading', { name: 'Page not found' })).toBeTruthy();
    expect(screen.getByText('/no/such/page')).toBeTruthy();
    expect(document.title).toBe('Page not found · Parley');
  });
});

describe('session guard', () => {
  it('sends a signed-out visitor of the app to /login', async () => {
    await renderApp('/');
    await waitFor(() => expect(window.location.pathname).toBe('/login'));
    expect(window.location.search).toBe('');
    expect(await screen.findByRole('heading', { name: 'Sign in to Parley' })).toBeTruthy();
    expect(document.title).toBe('Sign in · Parley');
  });

  it('restores the session silently and shows the app', async () => {
    await renderApp('/', {}, { signedIn: true });
    expect(await screen.findByRole('heading', { name: 'Welcome, maya' })).toBeTruthy();
    expect(await screen.findByText('No groups yet')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Invites' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'maya' }).getAttribute('aria-haspopup')).toBe('menu');
  });

  it('sends a signed-in visitor of /login home', async () => {
    await renderApp('/login', {}, { signedIn: true });
    await waitFor(() => expect(window.location.pathname).toBe('/'));
  });

  it('safeNext allows same-origin paths only', () => {
    expect(safeNext('?next=%2Fgroups%2F1%3Ftab%3Dfiles')).toBe('/groups/1?tab=files');
    expect(safeNext('?next=//evil.example/x')).toBe('/');
    expect(safeNext('?next=/%5Cevil.example')).toBe('/');
    expect(safeNext('?next=https://evil.example/')).toBe('/');
    expect(safeNext('?next=/login')).toBe('/');
    expect(safeNext('')).toBe('/');
  });
});

function type(label: string | RegExp, value: string) {
  fireEvent.change(screen.getByLabelText(label), { target: { value } });
}

describe('login', () => {
  it('says "Wrong email or password" on a 401, without refreshing', async () => {
    const { server } = await renderApp('/login', { 'POST /auth/login': unauthenticated });
    type('Email', 'maya@example.com');
    type('Password', 'not-it-at-all');
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));

    expect((await screen.findByRole('alert')).textContent).toBe('Wrong email or password.');
    expect(server.count('POST', '/auth/refresh')).toBe(1); // only the start-up attempt
  });

  it('validates before sending and focuses the first bad field', async () => {
    const { server } = await renderApp('/login');
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    const email = screen.getByLabelText('Email');
    await waitFor(() => expect(document.activeElement).toBe(email));
    expect(email.getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText('Enter your email address.')).toBeTruthy();
    expect(server.count('POST', '/auth/login')).toBe(0);
  });

  it('signs in, trims the email, and goes to ?next=', async () => {
    const { server } = await renderApp('/login?next=%2Fwelcome', {
      'POST /auth/login': () => json(200, { accessToken: 'tok', expiresAt: inAnHour(), user: maya }),
    });
    type('Email', '  maya@example.com ');
    type('Password', 'correct horse');
    fireEvent.submit(screen.getByLabelText('Password').closest('form') as HTMLFormElement);

    await waitFor(() => expect(window.location.pathname).toBe('/welcome'));
    expect(server.calls.find((c) => c.path === '/auth/login')?.body).toEqual({
      email: 'maya@example.com',
      password: 'correct horse',
    });
  });

  it('explains an unverified address and resends the link neutrally', async () => {
    const { server } = await renderApp('/login', {
      'POST /auth/login': () =>
        json(403, {
          error: { code: 'forbidden', message: 'Verify first.', detail: 'email_not_verified' },
        }),
      'POST /users/verify/resend': () => noContent(202),
    });
    type('Email', 'new@example.com');
    type('Password', 'whatever1');
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));

    expect(await screen.findByText('Verify your email first')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Resend the link' }));
    expect(await screen.findByText(/If new@example.com is waiting for verification/)).toBeTruthy();
    expect(server.calls.find((c) => c.path === '/users/verify/resend')?.body).toEqual({
      email: 'new@example.com',
    });
  });

  it('shows how long to wait after a 429', async () => {
    await renderApp('/login', {
      'POST /auth/login': () =>
        apiError(429, 'rate_limited', 'Too many attempts.', { headers: { 'Retry-After': '42' } }),
    });
    type('Email', 'maya@example.com');
    type('Password', 'whatever1');
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText('Please try again in 42 seconds.')).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Sign in' }) as HTMLButtonElement).disabled).toBe(true);
  });
});

describe('register', () => {
  it('shows the server’s field errors inline', async () => {
    await renderApp('/register', {
      'POST /users': () =>
        apiError(409, 'conflict', 'Already taken.', { fields: { username: 'is already taken' } }),
    });
    type('Username', 'maya');
    type('Email', 'maya@example.com');
    type('Password', 'long enough');
    fireEvent.click(screen.getByRole('button', { name: 'Create account' }));

    expect(await screen.findByText('Is already taken.')).toBeTruthy();
    const username = screen.getByLabelText('Username');
    expect(username.getAttribute('aria-invalid')).toBe('true');
    await waitFor(() => expect(document.activeElement).toBe(username));
  });

  it('goes to "check your email", which names the address and resends', async () => {
    const { server } = await renderApp('/register', {
      'POST /users': () => json(201, { ...maya, emailVerified: false }),
      'POST /users/verify/resend': () =>
        apiError(429, 'rate_limited', 'Slow down.', { headers: { 'Retry-After': '90' } }),
    });
    type('Username', 'maya');
    type('Email', 'maya@example.com');
    type('Password', 'long enough');
    fireEvent.click(screen.getByRole('button', { name: 'Create account' }));

    expect(await screen.findByRole('heading', { name: 'Check your email' })).toBeTruthy();
    expect(window.location.pathname).toBe('/check-email');
    expect(screen.getByText('maya@example.com')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Resend email' }));
    expect(await screen.findByText('Please try again in 2 minutes.')).toBeTruthy();
    expect(server.calls.find((c) => c.path === '/users')?.body).toEqual({
      username: 'maya',
      email: 'maya@example.com',
      password: 'long enough',
    });
  });
});

describe('verify and reset links', () => {
  it('verifies once and offers to sign in', async () => {
    const { server } = await renderApp('/verify/code-1', {
      'POST /users/verify': () => json(200, maya),
    });
    expect(await screen.findByRole('heading', { name: 'Your email is verified' })).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Sign in' }).getAttribute('href')).toBe('/login');
    expect(server.calls.find((c) => c.path === '/users/verify')?.body).toEqual({ code: 'code-1' });
    expect(server.count('POST', '/users/verify')).toBe(1);
  });

  it('explains an invalid or expired verification link and offers a new one', async () => {
    await renderApp('/verify/stale', {
      'POST /users/verify': () => apiError(400, 'invalid', 'Unknown or expired code.'),
    });
    expect(
      await screen.findByRole('heading', { name: 'This link is invalid or has expired' }),
    ).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Send a new link' })).toBeTruthy();
  });

  it('checks that the new passwords match, then resets', async () => {
    const { server } = await renderApp('/reset-password/r1', {
      'POST /auth/password/reset': () => noContent(),
    });
    type('New password', 'brand new pass');
    type('Confirm new password', 'brand new pas');
    fireEvent.click(screen.getByRole('button', { name: 'Change password' }));
    expect(await screen.findByText('The passwords do not match.')).toBeTruthy();
    expect(server.count('POST', '/auth/password/reset')).toBe(0);

    type('Confirm new password', 'brand new pass');
    fireEvent.click(screen.getByRole('button', { name: 'Change password' }));
    expect(await screen.findByRole('heading', { name: 'Password changed' })).toBeTruthy();
    expect(server.calls.find((c) => c.path === '/auth/password/reset')?.body).toEqual({
      code: 'r1',
      password: 'brand new pass',
    });
  });

  it('explains an invalid reset link', async () => {
    await renderApp('/reset-password/old', {
      'POST /auth/password/reset': () => apiError(400, 'invalid', 'Unknown or expired code.'),
    });
    type('New password', 'brand new pass');
    type('Confirm new password', 'brand new pass');
    fireEvent.click(screen.getByRole('button', { name: 'Change password' }));
    expect(
      await screen.findByRole('heading', { name: 'This reset link is invalid or has expired' }),
    ).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Request a new link' }).getAttribute('href')).toBe(
      '/forgot-password',
    );
  });

  it('answers "forgot password" neutrally', async () => {
    await renderApp('/forgot-password', { 'POST /auth/password/forgot': () => noContent(202) });
    type('Email', 'who@example.com');
    fireEvent.click(screen.getByRole('button', { name: 'Send reset link' }));
    expect(await screen.findByText(/If an account exists for/)).toBeTruthy();
  });
});

describe('signed-in app', () => {
  async function openProfile(handlers: Record<string, Handler> = {}, me = maya) {
    const view = await renderApp('/', { 'GET /users/me': () => json(200, me), ...handlers }, { signedIn: true });
    const menuButton = await screen.findByRole('button', { name: 'maya' });
    fireEvent.click(menuButton);
    const profileItem = screen.getByRole('menuitem', { name: 'Profile' });
    await waitFor(() => expect(document.activeElement).toBe(profileItem));
    fireEvent.click(profileItem);
    const dialog = await screen.findByRole('dialog', { name: 'Profile' });
    return { ...view, menuButton, dialog };
  }

  it('opens the profile dialog from the menu, traps focus, and closes on Esc', async () => {
    const { menuButton, dialog } = await openProfile();
    expect(dialog.getAttribute('aria-modal')).toBe('true');
    expect(dialog.contains(document.activeElement)).toBe(true);

    const close = screen.getByRole('button', { name: 'Close' });
    const done = screen.getByRole('button', { name: 'Done' });
    done.focus();
    fireEvent.keyDown(done, { key: 'Tab' });
    expect(document.activeElement).toBe(close);
    fireEvent.keyDown(close, { key: 'Tab', shiftKey: true });
    expect(document.activeElement).toBe(done);

    fireEvent.keyDown(done, { key: 'Escape' });
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(document.activeElement).toBe(menuButton);
  });

  it('says when the current password is wrong', async () => {
    const { server } = await openProfile({
      'PUT /users/me/password': () => apiError(403, 'forbidden', 'Wrong password.'),
    });
    type('Current password', 'not my password');
    type('New password', 'a new password');
    fireEvent.click(screen.getByRole('button', { name: 'Change password' }));

    expect(await screen.findByText('Current password is wrong.')).toBeTruthy();
    expect(server.calls.find((c) => c.path === '/users/me/password')?.body).toEqual({
      currentPassword: 'not my password',
      newPassword: 'a new password',
    });
  });

  it('removes the picture', async () => {
    const { server } = await openProfile(
      { 'DELETE /users/me/picture': () => noContent() },
      { ...maya, pictureUrl: '/api/v1/users/u1/picture?v=1' },
    );
    fireEvent.click(screen.getByRole('button', { name: 'Remove picture' }));
    expect(await screen.findByText('Your picture was removed.')).toBeTruthy();
    expect(server.count('DELETE', '/users/me/picture')).toBe(1);
    expect(screen.queryByRole('button', { name: 'Remove picture' })).toBeNull();
  });

  it('signs out through the menu and lands on /login', async () => {
    const { server } = await renderApp('/', { 'POST /auth/logout': () => noContent() }, { signedIn: true });
    fireEvent.click(await screen.findByRole('button', { name: 'maya' }));
    fireEvent.click(screen.getByRole('menuitem', { name: 'Sign out' }));

    await waitFor(() => expect(window.location.pathname).toBe('/login'));
    expect(window.location.search).toBe('');
    expect(server.calls.find((c) => c.path === '/auth/logout')?.headers['Authorization']).toBe('Bearer tok');
  });
});
