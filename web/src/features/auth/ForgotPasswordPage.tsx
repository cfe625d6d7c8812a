import { useState, type FormEvent } from 'react';
import { forgotPassword, isApiError } from '../../api';
import { Link } from '../../app/router';
import { Alert } from '../../components/Alert';
import { Button } from '../../components/Button';
import { Field } from '../../components/Field';
import { useSession } from '../../session/SessionContext';
import { AuthLayout } from './AuthLayout';
import { useFormErrors } from './useFormErrors';
import { useWait } from './useWait';
import { fieldErrorsFrom, formatWait, hasErrors, validateEmail } from './validation';

/**
 * Asks for a password-reset link. The answer never says whether the address
 * has an account, and neither does this page.
 */
export function ForgotPasswordPage() {
  const session = useSession();
  const [email, setEmail] = useState('');
  const [busy, setBusy] = useState(false);
  const [sentTo, setSentTo] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const { errors, show, clear, formRef } = useFormErrors<'email'>();
  const wait = useWait();

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (busy || wait.remaining > 0) return;
    const found = validateEmail({ email });
    show(found);
    if (hasErrors(found)) return;
    setBusy(true);
    setProblem(null);
    const address = email.trim();
    try {
      await forgotPassword(session.publicApi, address);
      setSentTo(address);
    } catch (err) {
      if (isApiError(err, 'rate_limited')) wait.start(err.retryAfterSeconds);
      else if (isApiError(err) && hasErrors(fieldErrorsFrom(err, ['email']))) show(fieldErrorsFrom(err, ['email']));
      else setProblem(isApiError(err) ? err.message : 'Something went wrong. Please try again.');
    } finally {
      setBusy(false);
    }
  }

  const footer = (
    <>
      Remembered it? <Link to="/login">Sign in</Link>
    </>
  );

  if (sentTo !== null) {
    return (
      <AuthLayout
        icon="mail"
        title="Check your email"
        subtitle={
          <p>
            If an account exists for <strong>{sentTo}</strong>, we sent a link to reset its
            password. The link works for one hour.
          </p>
        }
        footer={footer}
      >
        <Button variant="secondary" size="lg" block onClick={() => setSentTo(null)}>
          Use another email
        </Button>
      </AuthLayout>
    );
  }

  return (
    <AuthLayout
      title="Reset your password"
      subtitle="Enter the email you signed up with and we will send you a link to choose a new password."
      footer={footer}
    >
      {problem && <Alert tone="error">{problem}</Alert>}
      {wait.remaining > 0 && (
        <Alert tone="warning" title="Too many requests">
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
        <Button type="submit" variant="primary" size="lg" block busy={busy} disabled={wait.remaining > 0}>
          Send reset link
        </Button>
      </form>
    </AuthLayout>
  );
}
