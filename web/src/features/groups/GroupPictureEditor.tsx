import { useEffect, useRef, useState, type ChangeEvent } from 'react';
import { isApiError, progressPercent, removeGroupPicture, uploadGroupPicture, type Group } from '../../api';
import { Alert, type AlertTone } from '../../components/Alert';
import { Avatar } from '../../components/Avatar';
import { Button } from '../../components/Button';
import { useSession } from '../../session/SessionContext';
import { acceptedTypes, checkPictureFile, uploadErrorMessage } from '../profile/PictureEditor';
import '../profile/ProfileDialog.css';

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
 * The group's picture, as the profile picture works: preview a chosen file,
 * upload it with a progress bar, or remove the current one.
 */
export function GroupPictureEditor({ group, onSaved }: { group: Group; onSaved: (pictureUrl: string | null) => void }) {
  const session = useSession();
  const [phase, setPhase] = useState<Phase>({ kind: 'idle' });
  const [notice, setNotice] = useState<{ tone: AlertTone; text: string } | null>(null);
  const [current, setCurrent] = useState(group.pictureUrl);
  const uploadCtrl = useRef<AbortController | null>(null);
  const preview = phase.kind === 'chosen' || phase.kind === 'uploading' ? phase.chosen.preview : null;

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
        uploadGroupPicture({
          groupId: group.id,
          file: chosen.file,
          token,
          signal: ctrl.signal,
          onProgress: (p) => {
            if (!ctrl.signal.aborted) setPhase({ kind: 'uploading', chosen, fraction: p.fraction });
          },
        }),
      );
      setCurrent(updated.pictureUrl);
      onSaved(updated.pictureUrl);
      setPhase({ kind: 'idle' });
      setNotice({ tone: 'success', text: 'The group picture is saved.' });
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
      await removeGroupPicture(session.api, group.id);
    } catch (err) {
      if (!isApiError(err, 'not_found')) {
        setPhase({ kind: 'idle' });
        setNotice({ tone: 'error', text: isApiError(err) ? err.message : 'Could not remove the picture.' });
        return;
      }
    }
    setCurrent(null);
    onSaved(null);
    setPhase({ kind: 'idle' });
    setNotice({ tone: 'success', text: 'The group picture was removed.' });
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
      {label}
    </label>
  );

  return (
    <section className="picture" aria-labelledby="group-picture-title">
      <div className="picture-row">
        <div className="picture-frame" data-preview={preview ? true : undefined}>
          <Avatar
            name={group.name}
            src={preview ?? current}
            size="xl"
            alt={preview ? 'Preview of the new group picture' : current ? 'The group picture' : ''}
          />
          {preview && <span className="picture-badge">Preview</span>}
        </div>
        <div className="picture-side">
          <h3 id="group-picture-title" className="profile-section-title">
            Group picture
          </h3>
          <p className="profile-muted">PNG, JPEG, GIF or WebP, up to 5 MB. Every member sees it.</p>
          <div className="picture-actions">
            {phase.kind === 'idle' || phase.kind === 'removing' ? (
              <>
                {fileButton('Upload picture')}
                {current && (
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
            <span id="group-upload-label">{phase.fraction >= 1 ? 'Processing picture…' : 'Uploading picture'}</span>
            <span className="upload-percent" aria-hidden="true">
              {percent}%
            </span>
          </div>
          <progress className="upload-bar" max={100} value={percent} aria-labelledby="group-upload-label" />
        </div>
      )}
      {notice && <Alert tone={notice.tone}>{notice.text}</Alert>}
    </section>
  );
}
