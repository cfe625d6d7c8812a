import type { ReactNode } from 'react';
import { Shell } from '../components/Shell';
import { AppHome } from '../features/app/AppHome';
import { AppShell } from '../features/app/AppShell';
import { CheckEmailPage } from '../features/auth/CheckEmailPage';
import { ForgotPasswordPage } from '../features/auth/ForgotPasswordPage';
import { LoginPage } from '../features/auth/LoginPage';
import { RegisterPage } from '../features/auth/RegisterPage';
import { ResetPasswordPage } from '../features/auth/ResetPasswordPage';
import { VerifyPage } from '../features/auth/VerifyPage';
import { GroupView } from '../features/groups/GroupView';
import { HomePage } from '../features/home/HomePage';
import type { Params, RouteDef } from './router';

/**
 * Who may see a page: `member` pages need a session (others are sent to
 * /login), `guest` pages are for signed-out users (others are sent home),
 * `any` pages show in both states.
 */
export type Access = 'any' | 'guest' | 'member';

export interface Page {
  /** The document title while this page shows. */
  title: string;
  access: Access;
  render: (params: Params) => ReactNode;
}

/** Every page of the app, first match wins. Unknown paths show NotFound. */
export const routes: readonly RouteDef<Page>[] = [
  {
    path: '/',
    view: {
      title: 'Parley',
      access: 'member',
      render: () => (
        <AppShell>
          <AppHome />
        </AppShell>
      ),
    },
  },
  {
    path: '/g/:groupId',
    view: {
      title: 'Parley',
      access: 'member',
      render: (p) => (
        <AppShell>
          <GroupView key={p['groupId']} groupId={p['groupId'] ?? ''} />
        </AppShell>
      ),
    },
  },
  {
    path: '/welcome',
    view: {
      title: 'Parley · Group chat and video calls you can host yourself',
      access: 'any',
      render: () => (
        <Shell>
          <HomePage />
        </Shell>
      ),
    },
  },
  { path: '/login', view: { title: 'Sign in · Parley', access: 'guest', render: () => <LoginPage /> } },
  {
    path: '/register',
    view: { title: 'Create your account · Parley', access: 'guest', render: () => <RegisterPage /> },
  },
  {
    path: '/check-email',
    view: { title: 'Check your email · Parley', access: 'any', render: () => <CheckEmailPage /> },
  },
  {
    path: '/verify/:code',
    view: {
      title: 'Verify your email · Parley',
      access: 'any',
      render: (p) => <VerifyPage key={p['code']} code={p['code'] ?? ''} />,
    },
  },
  {
    path: '/forgot-password',
    view: { title: 'Reset your password · Parley', access: 'guest', render: () => <ForgotPasswordPage /> },
  },
  {
    path: '/reset-password/:code',
    view: {
      title: 'Choose a new password · Parley',
      access: 'any',
      render: (p) => <ResetPasswordPage key={p['code']} code={p['code'] ?? ''} />,
    },
  },
];
