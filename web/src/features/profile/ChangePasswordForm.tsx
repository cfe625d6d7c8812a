import { useState, type FormEvent } from 'react';
import { changePassword, isApiError, type Me } from '../../api';
import { Alert } from '../../components/Alert';
import { Button } from '../../components/Button';
import { Field } from '../../components/Field';
import { useSession } from '../../session/SessionContext';
import { useFormErrors } from '../auth/useFormErrors';
import { fieldErrorsFrom, formatWait, hasErrors, limits, validatePasswordChange } from '../auth/validation';

type FieldName = 'currentPassword' | 'newPassword';

/** PUT /users/me/password. This session stays; the server signs out the others. */
export function ChangePasswordForm({ me }: { me: Me }) {
  const session = useSession();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const { errors, show, clear, formRef } = useFormErrors<FieldName>();

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    const found = validatePasswordChange({ currentPassword: current, newPassword: next });
    show(found);
    if (hasErrors(found)) return;
    setBusy(true);
    setResult(null);
    try {
      await changePassword(session.api, { currentPassword: current, newPassword: next });
      setCurrent('');
      setNext('');
      setResult({ ok: true, text: 'Password changed. Your other devices were signed out.' });
    } catch (err) {
      if (isApiError(err) && err.status === 403) {
        show({ currentPassword: 'Current password is wrong.' });
      } else if (isApiError(err) && err.status === 400 && Object.keys(err.fields).length > 0) {
        show(fieldErrorsFrom(err, ['currentPassword', 'newPassword'], { password: 'newPassword' }));
      } else if (isApiError(err, 'rate_limited')) {
        setResult({ ok: false, text: `Too many attempts. ${formatWait(err.retryAfterSeconds)}` });
      } else {
        setResult({ ok: false, text: isApiError(err) ? err.message : 'Could not change the password.' });
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="password" aria-labelledby="password-title">
      <h3 id="password-title" className="profile-section-title">
        Change password
      </h3>
      <form ref={formRef} className="password-form" onSubmit={(e) => void submit(e)} noValidate>
        {/* Tells password managers whose password this is. */}
        <input type="email" name="username" autoComplete="username" value={me.email} readOnly hidden />
        <Field
          label="Current password"
          name="currentPassword"
          type="password"
          autoComplete="current-password"
          required
          value={current}
          error={errors.currentPassword}
          onChange={(e) => {
            setCurrent(e.target.value);
            clear('currentPassword');
          }}
        />
        <Field
          label="New password"
          name="newPassword"
          type="password"
          autoComplete="new-password"
          required
          minLength={limits.passwordMin}
          maxLength={limits.passwordMax}
          value={next}
          error={errors.newPassword}
          hint={`At least ${limits.passwordMin} characters.`}
          onChange={(e) => {
            setNext(e.target.value);
            clear('newPassword');
          }}
        />
        {result && <Alert tone={result.ok ? 'success' : 'error'}>{result.text}</Alert>}
        <div>
          <Button type="submit" variant="secondary" busy={busy}>
            Change password
          </Button>
        </div>
      </form>
    </section>
  );
}
