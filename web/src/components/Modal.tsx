import {
  useEffect,
  useId,
  useLayoutEffect,
  useRef,
  useState,
  type KeyboardEvent,
  type ReactNode,
} from 'react';
import { createPortal } from 'react-dom';
import './Modal.css';

const focusableSelector = [
  'a[href]',
  'button:not([disabled])',
  'input:not([disabled]):not([type="hidden"])',
  'select:not([disabled])',
  'textarea:not([disabled])',
  '[tabindex]:not([tabindex="-1"])',
].join(',');

/** The elements Tab can reach inside root, in document order. */
export function focusables(root: HTMLElement): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(focusableSelector)].filter(
    (el) => !el.closest('[inert]') && el.getAttribute('aria-hidden') !== 'true',
  );
}

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
 * inside the dialog; Esc closes it. Focus moves to the first control marked
 * data-autofocus, else the first focusable one, and returns on close to
 * whatever had it before.
 */
export function Modal({ title, onClose, children, description, footer, className }: ModalProps) {
  const titleId = useId();
  const descId = useId();
  const dialogRef = useRef<HTMLDivElement>(null);
  const onCloseRef = useRef(onClose);
  useEffect(() => {
    onCloseRef.current = onClose;
  }, [onClose]);
  const [host] = useState(() => {
    const el = document.createElement('div');
    el.className = 'modal-host';
    return el;
  });

  useLayoutEffect(() => {
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    document.body.appendChild(host);
    const madeInert: HTMLElement[] = [];
    for (const el of document.body.children) {
      if (el !== host && el instanceof HTMLElement && !el.inert) {
        el.inert = true;
        madeInert.push(el);
      }
    }
    document.body.classList.add('modal-open');

    const dialog = dialogRef.current;
    if (dialog) {
      const first =
        dialog.querySelector<HTMLElement>('[data-autofocus]') ?? focusables(dialog)[0] ?? dialog;
      first.focus();
    }

    return () => {
      for (const el of madeInert) el.inert = false;
      document.body.classList.remove('modal-open');
      host.remove();
      if (previous?.isConnected) previous.focus();
    };
  }, [host]);

  function onKeyDown(e: KeyboardEvent<HTMLDivElement>) {
    if (e.key === 'Escape') {
      e.stopPropagation();
      e.preventDefault();
      onCloseRef.current();
      return;
    }
    if (e.key !== 'Tab' || !dialogRef.current) return;
    const items = focusables(dialogRef.current);
    const first = items[0];
    const last = items[items.length - 1];
    if (!first || !last) {
      e.preventDefault();
      return;
    }
    const active = document.activeElement;
    const inside = active instanceof Node && dialogRef.current.contains(active);
    if (e.shiftKey && (active === first || !inside || active === dialogRef.current)) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && (active === last || !inside)) {
      e.preventDefault();
      first.focus();
    }
  }

  return createPortal(
    <div
      className="modal-backdrop"
      onMouseDown={(e) => {
        if (e.target === e.currentTarget) onCloseRef.current();
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
          <button type="button" className="modal-close" aria-label="Close" onClick={() => onCloseRef.current()}>
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
