import { useState, type FormEvent } from 'react';
import { isApiError, resendVerification } from '../../api';
import { Alert } from '../../components/Alert';
import { Button } from '../../components/Button';
import { Field } from '../../components/Field';
import { useSession } from '../../session/SessionContext';
import { useWait } from './useWait';
import { checkEmail, formatWait } from './validation';

type Status = { kind: 'idle' } | { kind: 'sending' } | { kind: 'sent'; to: string } | { kind: 'error'; message: string };

export interface ResendVerificationProps {
  /** The address to resend to; when absent the user types it. */
  email?: string | null;
  /** The button's text. */
  label?: string;
}

/**
 * Asks for a new verification mail (POST /users/verify/resend). The answer
 * is the same whether or not the address has an account, so the
 * confirmation is neutral; a 429 shows how long to wait and holds the
 * button until then.
 */
export function ResendVerification({ email, label = 'Resend verification email' }: ResendVerificationProps) {
  const session = useSession();
  const [typed, setTyped] = useState('');
  const [fieldError, setFieldError] = useState<string | undefined>();
  const [status, setStatus] = useState<Status>({ kind: 'idle' });
  const wait = useWait();
  const fixed = email ?? null;

  async function send(e?: FormEvent) {
    e?.preventDefault();
    if (status.kind === 'sending' || wait.remaining > 0) return;
    const to = (fixed ?? typed).trim();
    if (fixed === null) {
      const problem = checkEmail(to);
      setFieldError(problem);
      if (problem) return;
    }
    setStatus({ kind: 'sending' });
    try {
      await resendVerification(session.publicApi, to);
      setStatus({ kind: 'sent', to });
    } catch (err) {
      if (isApiError(err, 'rate_limited')) {
        wait.start(err.retryAfterSeconds);
        setStatus({ kind: 'idle' });
      } else if (isApiError(err) && err.fields['email']) {
        setFieldError(err.fields['email']);
        setStatus({ kind: 'idle' });
      } else {
        setStatus({ kind: 'error', message: isApiError(err) ? err.message : 'Could not send the email.' });
      }
    }
  }

  const feedback = (
    <>
      {wait.remaining > 0 && (
        <Alert tone="warning" title="Too many requests">
          {formatWait(wait.remaining)}
        </Alert>
      )}
      {status.kind === 'sent' && wait.remaining === 0 && (
        <Alert tone="success" title="Check your inbox">
          If {status.to} is waiting for verification, a new link is on its way.
        </Alert>
      )}
      {status.kind === 'error' && <Alert tone="error">{status.message}</Alert>}
    </>
  );

  if (fixed !== null) {
    return (
      <div className="resend">
        <div className="resend-row">
          <span>Didn’t get it?</span>
          <Button
            variant="secondary"
            size="sm"
            busy={status.kind === 'sending'}
            disabled={wait.remaining > 0}
            onClick={() => void send()}
          >
            {label}
          </Button>
        </div>
        {feedback}
      </div>
    );
  }

  return (
    <form className="resend auth-form" onSubmit={(e) => void send(e)} noValidate>
      <Field
        label="Email"
        name="email"
        type="email"
        autoComplete="email"
        inputMode="email"
        value={typed}
        error={fieldError}
        onChange={(e) => {
          setTyped(e.target.value);
          setFieldError(undefined);
        }}
      />
      <Button type="submit" variant="secondary" size="lg" block busy={status.kind === 'sending'} disabled={wait.remaining > 0}>
        {label}
      </Button>
      {feedback}
    </form>
  );
}
