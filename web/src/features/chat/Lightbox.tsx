import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { createPortal } from 'react-dom';
import { trapTab, useModalLayer } from '../../components/layer';
import { useAttachmentUrl } from './attachmentUrls';
import { rememberImageSize } from './imageSize';
import { ChevronIcon, CloseIcon, DownloadIcon, ZoomInIcon, ZoomOutIcon } from './icons';
import './Lightbox.css';

/** An image of the conversation, in conversation order. */
export interface ViewerImage {
  key: string;
  name: string;
}

/**
 * The image viewer: one image of the conversation at a time, fitted to the
 * screen or at full size (Zoom, a click on the image, + and −), the
 * previous and next images of the conversation (buttons, ← and →), a
 * download button, and Esc, the close button or a click beside the image
 * to close. Modal like a dialog (components/layer.ts).
 */
export function Lightbox({
  groupId,
  images,
  startKey,
  onClose,
}: {
  groupId: string;
  images: readonly ViewerImage[];
  startKey: string;
  onClose: () => void;
}) {
  const titleId = useId();
  const dialogRef = useRef<HTMLDivElement>(null);
  const [host] = useState(() => {
    const el = document.createElement('div');
    el.className = 'lightbox-host';
    return el;
  });
  useModalLayer(host, dialogRef, onClose);
  const [key, setKey] = useState(startKey);
  // Zoomed: the width to show the image at (its full size, at least twice the fitted size).
  const [zoom, setZoom] = useState<number | null>(null);
  const imgRef = useRef<HTMLImageElement>(null);
  const zoomed = zoom !== null;
  const found = images.findIndex((i) => i.key === key);
  const at = found < 0 ? 0 : found;
  const image = images[at] ?? { key: startKey, name: '' };
  const url = useAttachmentUrl(groupId, image.key);
  const hasPrev = at > 0;
  const hasNext = at < images.length - 1;

  // A new image starts fitted.
  useEffect(() => setZoom(null), [image.key]);

  function setZoomed(on: boolean | ((was: boolean) => boolean)) {
    const want = typeof on === 'function' ? on(zoomed) : on;
    const img = imgRef.current;
    if (!want || !img) {
      setZoom(null);
      return;
    }
    if (!zoomed) setZoom(Math.max(img.naturalWidth, img.clientWidth * 2));
  }

  function go(delta: number) {
    const next = images[at + delta];
    if (next) setKey(next.key);
  }

  function onKeyDown(e: KeyboardEvent<HTMLDivElement>) {
    if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') {
      e.preventDefault();
      go(e.key === 'ArrowLeft' ? -1 : 1);
    } else if (e.key === '+' || e.key === '=') {
      setZoomed(true);
    } else if (e.key === '-') {
      setZoomed(false);
    } else {
      trapTab(e, dialogRef.current);
    }
  }

  return createPortal(
    <div
      ref={dialogRef}
      className={`lightbox${zoomed ? ' lightbox-zoomed' : ''}`}
      role="dialog"
      aria-modal="true"
      aria-labelledby={titleId}
      tabIndex={-1}
      onKeyDown={onKeyDown}
    >
      <header className="lightbox-bar">
        <div className="lightbox-heading">
          <h2 id={titleId} className="lightbox-title">
            {image.name}
          </h2>
          {images.length > 1 && (
            <span className="lightbox-count" aria-live="polite">
              {at + 1} of {images.length}
            </span>
          )}
        </div>
        <button
          type="button"
          className="lightbox-button"
          aria-pressed={zoomed}
          aria-label={zoomed ? 'Fit to screen' : 'Zoom in'}
          title={zoomed ? 'Fit to screen (−)' : 'Zoom in (+)'}
          onClick={() => setZoomed((z) => !z)}
        >
          {zoomed ? <ZoomOutIcon /> : <ZoomInIcon />}
        </button>
        <a
          className="lightbox-button"
          href={url ?? undefined}
          download={image.name}
          aria-label={`Download ${image.name}`}
          title="Download"
          aria-disabled={url ? undefined : true}
        >
          <DownloadIcon />
        </a>
        <button type="button" className="lightbox-button" aria-label="Close" title="Close (Esc)" data-autofocus onClick={onClose}>
          <CloseIcon />
        </button>
      </header>
      <div
        className="lightbox-stage"
        onClick={(e) => {
          if (e.target === e.currentTarget) onClose();
        }}
      >
        {url && (
          <img
            key={image.key}
            ref={imgRef}
            className="lightbox-image"
            style={zoom !== null ? { width: `${zoom}px` } : undefined}
            src={url}
            alt={image.name}
            onClick={() => setZoomed((z) => !z)}
            onLoad={(e) => rememberImageSize(image.key, e.currentTarget.naturalWidth, e.currentTarget.naturalHeight)}
          />
        )}
      </div>
      {hasPrev && (
        <button type="button" className="lightbox-nav lightbox-prev" aria-label="Previous image" title="Previous (←)" onClick={() => go(-1)}>
          <ChevronIcon dir="left" />
        </button>
      )}
      {hasNext && (
        <button type="button" className="lightbox-nav lightbox-next" aria-label="Next image" title="Next (→)" onClick={() => go(1)}>
          <ChevronIcon dir="right" />
        </button>
      )}
    </div>,
    host,
  );
}
