import { useEffect, useState } from 'react';
import { getReceiptSharing, isApiError, setReceiptSharing } from '../../api';
import { Alert } from '../../components/Alert';
import { useSession } from '../../session/SessionContext';

/**
 * Read receipts: whether the other members see how far I have read
 * ("Seen by" under messages). Off, I see no one else's either.
 */
export function ReceiptsForm() {
  const session = useSession();
  const [share, setShare] = useState<boolean | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let alive = true;
    getReceiptSharing(session.api).then(
      (v) => alive && setShare(v),
      () => alive && setError('Could not load this setting.'),
    );
    return () => {
      alive = false;
    };
  }, [session]);

  async function toggle(next: boolean) {
    if (busy) return;
    setBusy(true);
    setError(null);
    setShare(next); // at once; put back if the server refuses
    try {
      setShare(await setReceiptSharing(session.api, next));
      window.dispatchEvent(new Event('parley:receipts'));
    } catch (err) {
      setShare(!next);
      setError(isApiError(err) ? err.message : 'Could not save this setting.');
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="receipts-title">
      <h3 id="receipts-title" className="profile-section-title">
        Read receipts
      </h3>
      <label className="receipts-toggle">
        <input type="checkbox" checked={share ?? true} disabled={share === null} onChange={(e) => void toggle(e.target.checked)} />
        <span>Let others see when I have read their messages (you then see theirs too)</span>
      </label>
      {error && <Alert tone="error">{error}</Alert>}
    </section>
  );
}
