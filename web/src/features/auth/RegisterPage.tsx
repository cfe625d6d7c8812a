import { useState, type FormEvent } from 'react';
import { isApiError, register } from '../../api';
import { Link, navigate } from '../../app/router';
import { Alert } from '../../components/Alert';
import { Button } from '../../components/Button';
import { Field } from '../../components/Field';
import { useSession } from '../../session/SessionContext';
import { AuthLayout } from './AuthLayout';
import { rememberPendingEmail } from './pendingEmail';
import { useFormErrors } from './useFormErrors';
import { useWait } from './useWait';
import { fieldErrorsFrom, formatWait, hasErrors, limits, validateRegister } from './validation';

const fields = ['username', 'email', 'password'] as const;
type FieldName = (typeof fields)[number];

/** Creates an account (POST /users), then shows "check your email". */
export function RegisterPage() {
  const session = useSession();
  const [values, setValues] = useState<Record<FieldName, string>>({ username: '', email: '', password: '' });
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const { errors, show, clear, formRef } = useFormErrors<FieldName>();
  const wait = useWait();

  function edit(name: FieldName, value: string) {
    setValues((v) => ({ ...v, [name]: value }));
    clear(name);
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (busy || wait.remaining > 0) return;
    const found = validateRegister(values);
    show(found);
    if (hasErrors(found)) return;
    setBusy(true);
    setProblem(null);
    const email = values.email.trim();
    try {
      await register(session.publicApi, { username: values.username, email, password: values.password });
      rememberPendingEmail(email);
      navigate('/check-email');
    } catch (err) {
      setBusy(false);
      if (!isApiError(err)) {
        setProblem('Something went wrong. Please try again.');
        return;
      }
      const inline = fieldErrorsFrom(err, fields);
      if (hasErrors(inline)) {
        show(inline);
      } else if (err.status === 429) {
        wait.start(err.retryAfterSeconds);
      } else if (err.status === 409) {
        setProblem('That username or email is already taken.');
      } else {
        setProblem(err.message);
      }
    }
  }

  return (
    <AuthLayout
      title="Create your account"
      subtitle="Join your team, family or club on this Parley server."
      footer={
        <>
          Already have an account? <Link to="/login">Sign in</Link>
        </>
      }
    >
      {problem && <Alert tone="error">{problem}</Alert>}
      {wait.remaining > 0 && (
        <Alert tone="warning" title="Too many attempts">
          {formatWait(wait.remaining)}
        </Alert>
      )}
      <form ref={formRef} className="auth-form" onSubmit={(e) => void submit(e)} noValidate>
        <Field
          label="Username"
          name="username"
          autoFocus
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          required
          minLength={limits.usernameMin}
          maxLength={limits.usernameMax}
          value={values.username}
          error={errors.username}
          hint="3–32 letters, digits, dots, dashes or underscores. Others see this name."
          onChange={(e) => edit('username', e.target.value)}
        />
        <Field
          label="Email"
          name="email"
          type="email"
          autoComplete="email"
          inputMode="email"
          autoCapitalize="none"
          spellCheck={false}
          required
          value={values.email}
          error={errors.email}
          hint="We send a link to confirm it. Nobody else sees it."
          onChange={(e) => edit('email', e.target.value)}
        />
        <Field
          label="Password"
          name="password"
          type="password"
          autoComplete="new-password"
          required
          minLength={limits.passwordMin}
          maxLength={limits.passwordMax}
          value={values.password}
          error={errors.password}
          hint={`At least ${limits.passwordMin} characters.`}
          onChange={(e) => edit('password', e.target.value)}
        />
        <Button type="submit" variant="primary" size="lg" block busy={busy} disabled={wait.remaining > 0}>
          Create account
        </Button>
      </form>
    </AuthLayout>
  );
}
