import { Link } from '../../app/router';
import { AuthLayout } from './AuthLayout';
import { pendingEmail } from './pendingEmail';
import { ResendVerification } from './ResendVerification';

/** After registering: where the verification link went, and a way to resend it. */
export function CheckEmailPage() {
  const email = pendingEmail();
  return (
    <AuthLayout
      icon="mail"
      title="Check your email"
      subtitle={
        email ? (
          <p>
            We sent a verification link to <strong>{email}</strong>. Open it to activate your
            account. The link works for 24 hours.
          </p>
        ) : (
          <p>
            We sent you a verification link. Open it to activate your account. The link works
            for 24 hours. Need a new one? Enter your email below.
          </p>
        )
      }
      footer={
        <>
          Verified already? <Link to="/login">Sign in</Link>
        </>
      }
    >
      <ResendVerification email={email} label={email ? 'Resend email' : 'Send a new link'} />
    </AuthLayout>
  );
}
