import { useEffect, useRef, useState, type ChangeEvent } from 'react';
import { isApiError, progressPercent, removePicture, uploadPicture, type Me } from '../../api';
import { Alert, type AlertTone } from '../../components/Alert';
import { Avatar } from '../../components/Avatar';
import { Button } from '../../components/Button';
import { useSession } from '../../session/SessionContext';

/** What the server accepts (API.md): PNG, JPEG, GIF or WebP, at most 5 MB. */
export const acceptedTypes = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'] as const;
export const maxPictureBytes = 5 * 1024 * 1024;

/**
 * Why a chosen file cannot be a picture, before sending it; undefined when it
 * may be. The server decodes the image and has the last word (400, 413).
 */
export function checkPictureFile(file: { type: string; size: number }): string | undefined {
  if (file.type !== '' && !(acceptedTypes as readonly string[]).includes(file.type)) {
    return 'Choose a PNG, JPEG, GIF or WebP image.';
  }
  if (file.size > maxPictureBytes) return 'That picture is larger than 5 MB. Choose a smaller one.';
  if (file.size === 0) return 'That file is empty.';
  return undefined;
}

/** The message for a failed upload, by the server's answer. */
export function uploadErrorMessage(err: unknown): string {
  if (!isApiError(err)) return 'The upload failed. Please try again.';
  if (err.status === 413) return 'That picture is too large. The limit is 5 MB.';
  if (err.status === 400) return 'That file is not an image Parley can read. Use PNG, JPEG, GIF or WebP.';
  if (err.status === 0) return 'The upload was interrupted. Check your connection and try again.';
  return err.message;
}

interface Chosen {
  file: File;
  preview: string;
}

type Phase =
  | { kind: 'idle' }
  | { kind: 'chosen'; chosen: Chosen }
  | { kind: 'uploading'; chosen: Chosen; fraction: number }
  | { kind: 'removing' };

/**
 * The profile picture: shows the current one (or initials), previews a
 * chosen file before anything is sent, uploads it with a progress bar, and
 * removes it.
 */
export function PictureEditor({ me }: { me: Me }) {
  const session = useSession();
  const [phase, setPhase] = useState<Phase>({ kind: 'idle' });
  const [notice, setNotice] = useState<{ tone: AlertTone; text: string } | null>(null);
  const uploadCtrl = useRef<AbortController | null>(null);
  const preview = phase.kind === 'chosen' || phase.kind === 'uploading' ? phase.chosen.preview : null;

  // Each preview URL is released when it is replaced or the editor closes.
  useEffect(() => {
    if (preview === null) return undefined;
    return () => URL.revokeObjectURL(preview);
  }, [preview]);
  useEffect(() => () => uploadCtrl.current?.abort(), []);

  function choose(e: ChangeEvent<HTMLInputElement>) {
    const file = e.target.files?.[0];
    e.target.value = '';
    if (!file) return;
    const problem = checkPictureFile(file);
    if (problem) {
      setNotice({ tone: 'error', text: problem });
      return;
    }
    setNotice(null);
    setPhase({ kind: 'chosen', chosen: { file, preview: URL.createObjectURL(file) } });
  }

  async function upload(chosen: Chosen) {
    const ctrl = new AbortController();
    uploadCtrl.current = ctrl;
    setNotice(null);
    setPhase({ kind: 'uploading', chosen, fraction: 0 });
    try {
      const updated = await session.authorized((token) =>
        uploadPicture({
          file: chosen.file,
          token,
          signal: ctrl.signal,
          onProgress: (p) => {
            if (!ctrl.signal.aborted) setPhase({ kind: 'uploading', chosen, fraction: p.fraction });
          },
        }),
      );
      session.updateMe(updated);
      setPhase({ kind: 'idle' });
      setNotice({ tone: 'success', text: 'Your new picture is saved.' });
    } catch (err) {
      if (ctrl.signal.aborted) return;
      setPhase({ kind: 'chosen', chosen });
      setNotice({ tone: 'error', text: uploadErrorMessage(err) });
    } finally {
      if (uploadCtrl.current === ctrl) uploadCtrl.current = null;
    }
  }

  function cancel() {
    uploadCtrl.current?.abort();
    setPhase({ kind: 'idle' });
    setNotice(null);
  }

  async function remove() {
    setPhase({ kind: 'removing' });
    setNotice(null);
    try {
      await removePicture(session.api);
    } catch (err) {
      if (!isApiError(err, 'not_found')) {
        setPhase({ kind: 'idle' });
        setNotice({ tone: 'error', text: isApiError(err) ? err.message : 'Could not remove the picture.' });
        return;
      }
    }
    session.updateMe({ ...me, pictureUrl: null });
    setPhase({ kind: 'idle' });
    setNotice({ tone: 'success', text: 'Your picture was removed.' });
  }

  const percent = phase.kind === 'uploading' ? progressPercent(phase.fraction) : 0;
  const fileButton = (label: string) => (
    <label className="btn btn-secondary btn-sm file-button">
      <input
        type="file"
        className="visually-hidden"
        accept={acceptedTypes.join(',')}
        onChange={choose}
        disabled={phase.kind === 'uploading' || phase.kind === 'removing'}
      />
      <svg width="16" height="16" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2"
        strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
        <path d="M12 16V4M7 9l5-5 5 5M5 20h14" />
      </svg>
      {label}
    </label>
  );

  return (
    <section className="picture" aria-labelledby="picture-title">
      <div className="picture-row">
        <div className="picture-frame" data-preview={preview ? true : undefined}>
          <Avatar
            name={me.username}
            src={preview ?? me.pictureUrl}
            size="xl"
            alt={preview ? 'Preview of your new picture' : me.pictureUrl ? 'Your profile picture' : ''}
          />
          {preview && <span className="picture-badge">Preview</span>}
        </div>
        <div className="picture-side">
          <h3 id="picture-title" className="profile-section-title">
            Profile picture
          </h3>
          <p className="profile-muted">PNG, JPEG, GIF or WebP, up to 5 MB. Everyone in your groups sees it.</p>
          <div className="picture-actions">
            {phase.kind === 'idle' || phase.kind === 'removing' ? (
              <>
                {fileButton('Upload picture')}
                {me.pictureUrl && (
                  <Button variant="danger" size="sm" busy={phase.kind === 'removing'} onClick={() => void remove()}>
                    Remove picture
                  </Button>
                )}
              </>
            ) : phase.kind === 'chosen' ? (
              <>
                <Button variant="primary" size="sm" onClick={() => void upload(phase.chosen)}>
                  Save picture
                </Button>
                {fileButton('Choose another')}
                <Button variant="quiet" size="sm" onClick={cancel}>
                  Cancel
                </Button>
              </>
            ) : (
              <Button variant="quiet" size="sm" onClick={cancel}>
                Cancel upload
              </Button>
            )}
          </div>
        </div>
      </div>
      {phase.kind === 'uploading' && (
        <div className="upload">
          <div className="upload-label">
            <span id="upload-label">{phase.fraction >= 1 ? 'Processing picture…' : 'Uploading picture'}</span>
            <span className="upload-percent" aria-hidden="true">
              {percent}%
            </span>
          </div>
          <progress className="upload-bar" max={100} value={percent} aria-labelledby="upload-label" />
        </div>
      )}
      {notice && <Alert tone={notice.tone}>{notice.text}</Alert>}
    </section>
  );
}
