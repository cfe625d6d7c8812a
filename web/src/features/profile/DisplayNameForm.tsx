import { useState, type FormEvent } from 'react';
import { checkDisplayName, displayNameMax, isApiError, updateMe, type Me } from '../../api';
import { Alert } from '../../components/Alert';
import { Button } from '../../components/Button';
import { Field } from '../../components/Field';
import { useSession } from '../../session/SessionContext';
import { formatWait } from '../auth/validation';

/**
 * The display name: what others see instead of the username (which stays,
 * as @username, beside it). PATCH /users/me; empty clears it. The
 * session's user is updated with the answer.
 */
export function DisplayNameForm({ me }: { me: Me }) {
  const session = useSession();
  const [value, setValue] = useState(me.displayName ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const [saved, setSaved] = useState(me.displayName ?? '');
  const changed = value.trim() !== saved;

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    const problem = checkDisplayName(value);
    setError(problem ?? undefined);
    setResult(null);
    if (problem) return;
    setBusy(true);
    try {
      const trimmed = value.trim();
      const updated = await updateMe(session.api, { displayName: trimmed === '' ? null : trimmed });
      session.updateMe(updated);
      setValue(updated.displayName ?? '');
      setSaved(updated.displayName ?? '');
      setResult({ ok: true, text: updated.displayName ? `Saved. Your groups see you as ${updated.displayName}.` : `Cleared. Your groups see you as ${updated.username}.` });
    } catch (err) {
      if (isApiError(err) && err.fields['displayName']) setError(err.fields['displayName']);
      else if (isApiError(err, 'rate_limited')) setResult({ ok: false, text: `Too many changes. ${formatWait(err.retryAfterSeconds)}` });
      else setResult({ ok: false, text: isApiError(err) ? err.message : 'Could not save the display name.' });
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="displayname" aria-labelledby="displayname-title">
      <h3 id="displayname-title" className="profile-section-title">
        Name
      </h3>
      <form className="displayname-form" onSubmit={(e) => void submit(e)} noValidate>
        <Field
          label="Display name"
          name="displayName"
          autoComplete="nickname"
          maxLength={displayNameMax * 2}
          placeholder={me.username}
          value={value}
          error={error}
          hint={<>Shown instead of your username in your groups; they still see @{me.username} beside it. Leave empty to go by your username.</>}
          onChange={(e) => {
            setValue(e.target.value);
            setError(undefined);
            setResult(null);
          }}
        />
        {result && <Alert tone={result.ok ? 'success' : 'error'}>{result.text}</Alert>}
        <div>
          <Button type="submit" variant="secondary" busy={busy} disabled={!changed && !busy}>
            Save name
          </Button>
        </div>
      </form>
    </section>
  );
}
