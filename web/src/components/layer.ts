/**
 * What every modal layer (dialogs, the image viewer) shares: the rest of the
 * page inert while it is open, focus moved in and given back on close, Esc
 * closing the topmost layer wherever focus is, and focus put back into the
 * layer when the element that had it disappears.
 */
import { useEffect, useLayoutEffect, useRef, type RefObject } from 'react';

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

/** The open layers, oldest first: only the last one answers Esc. */
const stack: HTMLElement[] = [];

/** Whether el is the topmost open layer. */
export function isTopLayer(el: HTMLElement): boolean {
  return stack[stack.length - 1] === el;
}

/** Focus is nowhere useful: on body, on a removed element, or on one just disabled. */
function lostFocus(): boolean {
  const active = document.activeElement;
  return active === null || active === document.body || !active.isConnected || active.matches(':disabled');
}

/**
 * Makes host (already in the document, or appended here) a modal layer
 * whose focus lives in dialogRef. onClose runs on Esc.
 */
export function useModalLayer(host: HTMLElement, dialogRef: RefObject<HTMLElement | null>, onClose: () => void): void {
  const onCloseRef = useRef(onClose);
  useEffect(() => {
    onCloseRef.current = onClose;
  }, [onClose]);

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
    stack.push(host);

    const dialog = dialogRef.current;
    if (dialog) {
      const first = dialog.querySelector<HTMLElement>('[data-autofocus]') ?? focusables(dialog)[0] ?? dialog;
      first.focus();
    }

    // Esc closes the top layer even when focus fell out of it (onto body):
    // a listener on the document, not on the dialog.
    const onKey = (e: KeyboardEvent) => {
      if (!isTopLayer(host)) return;
      if (e.key === 'Tab' && lostFocus() && dialogRef.current) {
        e.preventDefault();
        (focusables(dialogRef.current)[0] ?? dialogRef.current).focus();
        return;
      }
      if (e.key !== 'Escape') return;
      e.preventDefault();
      e.stopImmediatePropagation();
      onCloseRef.current();
    };
    document.addEventListener('keydown', onKey);

    // The focused control was removed or disabled: focus goes back into the layer.
    const refocus = () => {
      const d = dialogRef.current;
      if (d && isTopLayer(host) && lostFocus()) d.focus({ preventScroll: true });
    };
    // Checked at once and again after the browser's own focus fixup.
    const observer = new MutationObserver(() => {
      refocus();
      requestAnimationFrame(refocus);
    });
    observer.observe(host, { childList: true, subtree: true, attributes: true, attributeFilter: ['disabled', 'hidden', 'inert'] });
    const onFocusOut = () => requestAnimationFrame(refocus);
    host.addEventListener('focusout', onFocusOut);

    return () => {
      document.removeEventListener('keydown', onKey);
      observer.disconnect();
      host.removeEventListener('focusout', onFocusOut);
      const at = stack.lastIndexOf(host);
      if (at >= 0) stack.splice(at, 1);
      for (const el of madeInert) el.inert = false;
      if (stack.length === 0) document.body.classList.remove('modal-open');
      host.remove();
      if (previous?.isConnected) previous.focus();
    };
  }, [host, dialogRef]);
}

/** Keeps Tab and Shift+Tab inside root (a keydown handler for the dialog). */
export function trapTab(e: { key: string; shiftKey: boolean; preventDefault: () => void }, root: HTMLElement | null): void {
  if (e.key !== 'Tab' || !root) return;
  const items = focusables(root);
  const first = items[0];
  const last = items[items.length - 1];
  if (!first || !last) {
    e.preventDefault();
    return;
  }
  const active = document.activeElement;
  const inside = active instanceof Node && root.contains(active);
  if (e.shiftKey && (active === first || !inside || active === root)) {
    e.preventDefault();
    last.focus();
  } else if (!e.shiftKey && (active === last || !inside)) {
    e.preventDefault();
    first.focus();
  }
}
