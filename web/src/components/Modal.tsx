import { useId, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { createPortal } from 'react-dom';
import { trapTab, useModalLayer } from './layer';
import './Modal.css';

export { focusables } from './layer';

export interface ModalProps {
  title: string;
  /** Called on Esc, the close button, or a click on the backdrop. */
  onClose: () => void;
  children: ReactNode;
  /** A line under the title. */
  description?: ReactNode;
  /** Buttons at the bottom of the dialog. */
  footer?: ReactNode;
  className?: string;
}

/**
 * A modal dialog. While open: the rest of the page is inert (not clickable,
 * not focusable, hidden from assistive technology); Tab and Shift+Tab cycle
 * inside the dialog; Esc closes it (the topmost dialog, wherever focus is;
 * if the focused control disappears, focus goes back into the dialog). Focus moves to the first control marked
 * data-autofocus, else the first focusable one, and returns on close to
 * whatever had it before.
 */
export function Modal({ title, onClose, children, description, footer, className }: ModalProps) {
  const titleId = useId();
  const descId = useId();
  const dialogRef = useRef<HTMLDivElement>(null);
  const [host] = useState(() => {
    const el = document.createElement('div');
    el.className = 'modal-host';
    return el;
  });
  useModalLayer(host, dialogRef, onClose);

  function onKeyDown(e: KeyboardEvent<HTMLDivElement>) {
    trapTab(e, dialogRef.current);
  }

  return createPortal(
    <div
      className="modal-backdrop"
      onMouseDown={(e) => {
        if (e.target === e.currentTarget) onClose();
      }}
    >
      <div
        ref={dialogRef}
        className={['modal', className].filter(Boolean).join(' ')}
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        aria-describedby={description ? descId : undefined}
        tabIndex={-1}
        onKeyDown={onKeyDown}
      >
        <header className="modal-header">
          <div className="modal-heading">
            <h2 id={titleId} className="modal-title">
              {title}
            </h2>
            {description && (
              <p id={descId} className="modal-description">
                {description}
              </p>
            )}
          </div>
          <button type="button" className="modal-close" aria-label="Close" onClick={() => onClose()}>
            <svg width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor"
              strokeWidth="2" strokeLinecap="round" aria-hidden="true" focusable="false">
              <path d="M6 6l12 12M18 6 6 18" />
            </svg>
          </button>
        </header>
        <div className="modal-body">{children}</div>
        {footer && <footer className="modal-footer">{footer}</footer>}
      </div>
    </div>,
    host,
  );
}
