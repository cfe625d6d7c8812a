import { useEffect, useId, useRef, useState, type ChangeEvent } from 'react';
import { isApiError, progressPercent, type UploadProgress } from '../api';
import { Alert, type AlertTone } from './Alert';
import { Avatar } from './Avatar';
import { Button } from './Button';
import { useSession } from '../session/SessionContext';
import './PictureEditor.css';

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

/** What one upload is given: the file, the access token, and how to report progress or be cancelled. */
export interface PictureUploadRequest {
  file: File;
  token: string | null;
  signal: AbortSignal;
  onProgress: (p: UploadProgress) => void;
}

/** The words an editor shows; everything else is the same for every picture. */
export interface PictureEditorTexts {
  /** The heading, e.g. "Profile picture". */
  title: string;
  /** The line under the heading. */
  hint: string;
  /** Alt text of the preview of a chosen file. */
  previewAlt: string;
  /** Alt text of the current picture. */
  currentAlt: string;
  /** The notice after a successful upload. */
  saved: string;
  /** The notice after a successful removal. */
  removed: string;
}

export interface PictureEditorProps<T> {
  /** The name the initials are drawn from when there is no picture. */
  name: string;
  /** What picks the initials' colour when not the name (a user's username: see Avatar). */
  colorKey?: string | undefined;
  /** The current picture, or null. */
  pictureUrl: string | null;
  texts: PictureEditorTexts;
  /** Sends the file (called through session.authorized); resolves with what the server answered. */
  upload: (req: PictureUploadRequest) => Promise<T>;
  /** Called with the server's answer once an upload succeeded, before the notice is shown. */
  onUploaded: (result: T) => void;
  /** Removes the current picture; a not_found error counts as removed. */
  remove: () => Promise<void>;
  /** Called once the picture is gone, before the notice is shown. */
  onRemoved: () => void;
  /** Whether the file buttons carry the upload icon. */
  fileIcon?: boolean;
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
 * A picture editor: shows the current picture (or initials), previews a
 * chosen file before anything is sent, uploads it with a progress bar, and
 * removes it. The upload is aborted when the editor closes; each preview URL
 * is released when it is replaced or the editor closes.
 */
export function PictureEditor<T>({
  name,
  colorKey,
  pictureUrl,
  texts,
  upload: send,
  onUploaded,
  remove: drop,
  onRemoved,
  fileIcon = false,
}: PictureEditorProps<T>) {
  const session = useSession();
  const titleId = useId();
  const uploadLabelId = useId();
  const [phase, setPhase] = useState<Phase>({ kind: 'idle' });
  const [notice, setNotice] = useState<{ tone: AlertTone; text: string } | null>(null);
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
      const result = await session.authorized((token) =>
        send({
          file: chosen.file,
          token,
          signal: ctrl.signal,
          onProgress: (p) => {
            if (!ctrl.signal.aborted) setPhase({ kind: 'uploading', chosen, fraction: p.fraction });
          },
        }),
      );
      onUploaded(result);
      setPhase({ kind: 'idle' });
      setNotice({ tone: 'success', text: texts.saved });
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
      await drop();
    } catch (err) {
      if (!isApiError(err, 'not_found')) {
        setPhase({ kind: 'idle' });
        setNotice({ tone: 'error', text: isApiError(err) ? err.message : 'Could not remove the picture.' });
        return;
      }
    }
    onRemoved();
    setPhase({ kind: 'idle' });
    setNotice({ tone: 'success', text: texts.removed });
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
      {fileIcon && (
        <svg width="16" height="16" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2"
          strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
          <path d="M12 16V4M7 9l5-5 5 5M5 20h14" />
        </svg>
      )}
      {label}
    </label>
  );

  return (
    <section className="picture" aria-labelledby={titleId}>
      <div className="picture-row">
        <div className="picture-frame" data-preview={preview ? true : undefined}>
          <Avatar
            name={name}
            colorKey={colorKey}
            src={preview ?? pictureUrl}
            size="xl"
            alt={preview ? texts.previewAlt : pictureUrl ? texts.currentAlt : ''}
          />
          {preview && <span className="picture-badge">Preview</span>}
        </div>
        <div className="picture-side">
          <h3 id={titleId} className="profile-section-title">
            {texts.title}
          </h3>
          <p className="profile-muted">{texts.hint}</p>
          <div className="picture-actions">
            {phase.kind === 'idle' || phase.kind === 'removing' ? (
              <>
                {fileButton('Upload picture')}
                {pictureUrl && (
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
            <span id={uploadLabelId}>{phase.fraction >= 1 ? 'Processing picture…' : 'Uploading picture'}</span>
            <span className="upload-percent" aria-hidden="true">
              {percent}%
            </span>
          </div>
          <progress className="upload-bar" max={100} value={percent} aria-labelledby={uploadLabelId} />
        </div>
      )}
      {notice && <Alert tone={notice.tone}>{notice.text}</Alert>}
    </section>
  );
}
