import { useState, type FormEvent } from 'react';
import { isApiError, login } from '../../api';
import { Link } from '../../app/router';
import { Alert } from '../../components/Alert';
import { Button } from '../../components/Button';
import { Field } from '../../components/Field';
import { useSession, useSessionState } from '../../session/SessionContext';
import { AuthLayout } from './AuthLayout';
import { ResendVerification } from './ResendVerification';
import { useFormErrors } from './useFormErrors';
import { useWait } from './useWait';
import { fieldErrorsFrom, formatWait, hasErrors, validateLogin } from './validation';

type Problem =
  | { kind: 'wrong' }
  | { kind: 'unverified'; email: string }
  | { kind: 'error'; message: string };

const fields = ['email', 'password'] as const;

/**
 * Sign in with email and password. On success the session takes over and
 * the router moves on (to `?next=` or home); this page never navigates.
 */
export function LoginPage() {
  const session = useSession();
  const state = useSessionState();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const { errors, show, clear, formRef } = useFormErrors<(typeof fields)[number]>();
  const wait = useWait();

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (busy || wait.remaining > 0) return;
    const found = validateLogin({ email, password });
    show(found);
    if (hasErrors(found)) return;
    setBusy(true);
    setProblem(null);
    const address = email.trim();
    try {
      const result = await login(session.publicApi, { email: address, password });
      session.signIn(result);
    } catch (err) {
      setBusy(false);
      if (!isApiError(err)) {
        setProblem({ kind: 'error', message: 'Something went wrong. Please try again.' });
      } else if (err.status === 401) {
        setProblem({ kind: 'wrong' });
      } else if (err.status === 403) {
        // The only 403 of login: detail email_not_verified (API.md).
        setProblem({ kind: 'unverified', email: address });
      } else if (err.status === 429) {
        wait.start(err.retryAfterSeconds);
      } else if (err.status === 400 && Object.keys(err.fields).length > 0) {
        show(fieldErrorsFrom(err, fields));
      } else {
        setProblem({ kind: 'error', message: err.message });
      }
    }
  }

  const reason = state.status === 'signedOut' ? state.reason : null;

  return (
    <AuthLayout
      title="Sign in to Parley"
      subtitle="Welcome back. Enter your email and password."
      footer={
        <>
          New to Parley? <Link to="/register">Create an account</Link>
        </>
      }
    >
      {reason === 'expired' && problem === null && (
        <Alert tone="info">Your session has ended. Please sign in again.</Alert>
      )}
      {reason === 'passwordReset' && problem === null && (
        <Alert tone="success">Your password was changed. Sign in with the new one.</Alert>
      )}
      {problem?.kind === 'wrong' && <Alert tone="error">Wrong email or password.</Alert>}
      {problem?.kind === 'unverified' && (
        <Alert tone="warning" title="Verify your email first">
          <span>
            Open the link we sent to {problem.email} when you registered, then sign in.
          </span>
          <ResendVerification email={problem.email} label="Resend the link" />
        </Alert>
      )}
      {problem?.kind === 'error' && <Alert tone="error">{problem.message}</Alert>}
      {wait.remaining > 0 && (
        <Alert tone="warning" title="Too many sign-in attempts">
          {formatWait(wait.remaining)}
        </Alert>
      )}
      <form ref={formRef} className="auth-form" onSubmit={(e) => void submit(e)} noValidate>
        <Field
          label="Email"
          name="email"
          autoFocus
          type="email"
          autoComplete="email"
          inputMode="email"
          autoCapitalize="none"
          spellCheck={false}
          required
          value={email}
          error={errors.email}
          onChange={(e) => {
            setEmail(e.target.value);
            clear('email');
          }}
        />
        <Field
          label="Password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          error={errors.password}
          labelAside={<Link to="/forgot-password">Forgot password?</Link>}
          onChange={(e) => {
            setPassword(e.target.value);
            clear('password');
          }}
        />
        <Button type="submit" variant="primary" size="lg" block busy={busy} disabled={wait.remaining > 0}>
          Sign in
        </Button>
      </form>
    </AuthLayout>
  );
}
