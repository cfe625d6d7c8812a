import { useState, type FormEvent } from 'react';
import { isApiError, resetPassword } from '../../api';
import { Link } from '../../app/router';
import { Alert } from '../../components/Alert';
import { Button } from '../../components/Button';
import { Field } from '../../components/Field';
import { useSession } from '../../session/SessionContext';
import { AuthLayout } from './AuthLayout';
import { useFormErrors } from './useFormErrors';
import { useWait } from './useWait';
import { fieldErrorsFrom, formatWait, hasErrors, limits, validateReset } from './validation';

type Outcome = 'form' | 'done' | 'invalid';

/** Opened from the reset mail: /reset-password/:code. Sets a new password. */
export function ResetPasswordPage({ code }: { code: string }) {
  const session = useSession();
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>('form');
  const [problem, setProblem] = useState<string | null>(null);
  const { errors, show, clear, formRef } = useFormErrors<'password' | 'confirm'>();
  const wait = useWait();

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (busy || wait.remaining > 0) return;
    const found = validateReset({ password, confirm });
    show(found);
    if (hasErrors(found)) return;
    setBusy(true);
    setProblem(null);
    try {
      await resetPassword(session.publicApi, { code, password });
      // The server ended every session of this user, this tab's included.
      if (session.getState().status === 'signedIn') session.end('passwordReset');
      setOutcome('done');
    } catch (err) {
      if (!isApiError(err)) {
        setProblem('Something went wrong. Please try again.');
      } else if (err.status === 429) {
        wait.start(err.retryAfterSeconds);
      } else if (err.status === 400) {
        const inline = fieldErrorsFrom(err, ['password'], { newPassword: 'password' });
        if (hasErrors(inline)) show(inline);
        else setOutcome('invalid');
      } else {
        setProblem(err.message);
      }
    } finally {
      setBusy(false);
    }
  }

  if (outcome === 'done') {
    return (
      <AuthLayout
        icon="check"
        tone="ok"
        title="Password changed"
        subtitle={<p>Your new password is set, and every device signed in to your account was signed out. Sign in with the new password.</p>}
      >
        <Link to="/login" className="btn btn-primary btn-lg btn-block">
          Sign in
        </Link>
      </AuthLayout>
    );
  }

  if (outcome === 'invalid') {
    return (
      <AuthLayout
        icon="error"
        tone="error"
        title="This reset link is invalid or has expired"
        subtitle={<p>A reset link works once and for one hour. Ask for a new one and use the latest mail.</p>}
        footer={
          <>
            Remembered it? <Link to="/login">Sign in</Link>
          </>
        }
      >
        <Link to="/forgot-password" className="btn btn-primary btn-lg btn-block">
          Request a new link
        </Link>
      </AuthLayout>
    );
  }

  return (
    <AuthLayout
      icon="key"
      title="Choose a new password"
      subtitle="After this, every device signed in to your account is signed out."
    >
      {problem && <Alert tone="error">{problem}</Alert>}
      {wait.remaining > 0 && (
        <Alert tone="warning" title="Too many attempts">
          {formatWait(wait.remaining)}
        </Alert>
      )}
      <form ref={formRef} className="auth-form" onSubmit={(e) => void submit(e)} noValidate>
        <Field
          label="New password"
          name="password"
          autoFocus
          type="password"
          autoComplete="new-password"
          required
          minLength={limits.passwordMin}
          maxLength={limits.passwordMax}
          value={password}
          error={errors.password}
          hint={`At least ${limits.passwordMin} characters.`}
          onChange={(e) => {
            setPassword(e.target.value);
            clear('password');
          }}
        />
        <Field
          label="Confirm new password"
          name="confirm"
          type="password"
          autoComplete="new-password"
          required
          value={confirm}
          error={errors.confirm}
          onChange={(e) => {
            setConfirm(e.target.value);
            clear('confirm');
          }}
        />
        <Button type="submit" variant="primary" size="lg" block busy={busy} disabled={wait.remaining > 0}>
          Change password
        </Button>
      </form>
    </AuthLayout>
  );
}
