import { useEffect, useState } from 'react';
import { displayName, isApiError, verifyEmail, type ApiClient, type Me } from '../../api';
import { Link } from '../../app/router';
import { Button } from '../../components/Button';
import { Spinner } from '../../components/Spinner';
import { useSession, useSessionState } from '../../session/SessionContext';
import { AuthLayout } from './AuthLayout';
import { ResendVerification } from './ResendVerification';

/**
 * One verification request per code for the life of the page. A code works
 * once, so a second request (React's development double mount, a re-render)
 * would fail and could hide the first one's success.
 */
const attempts = new Map<string, Promise<Me>>();

function verifyOnce(api: ApiClient, code: string): Promise<Me> {
  let p = attempts.get(code);
  if (!p) {
    p = verifyEmail(api, code);
    attempts.set(code, p);
    // A failure that may pass (offline, 5xx) must not stick.
    p.catch((err: unknown) => {
      if (!isApiError(err) || err.status !== 400) attempts.delete(code);
    });
  }
  return p;
}

type Result =
  | { kind: 'verifying' }
  | { kind: 'verified'; me: Me }
  | { kind: 'invalid' }
  | { kind: 'failed'; message: string };

/** Opened from the verification mail: /verify/:code. */
export function VerifyPage({ code }: { code: string }) {
  const session = useSession();
  const signedIn = useSessionState().status === 'signedIn';
  const [result, setResult] = useState<Result>({ kind: 'verifying' });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let live = true;
    verifyOnce(session.publicApi, code).then(
      (me) => {
        if (live) setResult({ kind: 'verified', me });
      },
      (err: unknown) => {
        if (!live) return;
        if (isApiError(err) && err.status === 400) setResult({ kind: 'invalid' });
        else setResult({ kind: 'failed', message: isApiError(err) ? err.message : 'Something went wrong.' });
      },
    );
    return () => {
      live = false;
    };
  }, [session, code, attempt]);

  switch (result.kind) {
    case 'verifying':
      return (
        <AuthLayout title="Verifying your email…">
          <p className="auth-text" role="status">
            <Spinner /> One moment.
          </p>
        </AuthLayout>
      );
    case 'verified':
      return (
        <AuthLayout
          icon="check"
          tone="ok"
          title="Your email is verified"
          subtitle={<p>Welcome to Parley, {displayName(result.me)}. Your account is ready.</p>}
        >
          <Link to={signedIn ? '/' : '/login'} className="btn btn-primary btn-lg btn-block">
            {signedIn ? 'Continue to Parley' : 'Sign in'}
          </Link>
        </AuthLayout>
      );
    case 'invalid':
      return (
        <AuthLayout
          icon="error"
          tone="error"
          title="This link is invalid or has expired"
          subtitle={
            <p>
              A verification link works once and for 24 hours. Enter your email and we will send
              you a new one.
            </p>
          }
          footer={
            <>
              Verified already? <Link to="/login">Sign in</Link>
            </>
          }
        >
          <ResendVerification label="Send a new link" />
        </AuthLayout>
      );
    case 'failed':
      return (
        <AuthLayout icon="error" tone="error" title="We could not verify your email" subtitle={<p>{result.message}</p>}>
          <Button
            variant="primary"
            size="lg"
            block
            onClick={() => {
              setResult({ kind: 'verifying' });
              setAttempt((n) => n + 1);
            }}
          >
            Try again
          </Button>
        </AuthLayout>
      );
  }
}
