import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { createPortal } from 'react-dom';
import './Toast.css';

export type ToastTone = 'error' | 'info';

interface Toast {
  id: number;
  text: string;
  tone: ToastTone;
}

type Show = (text: string, tone?: ToastTone) => void;

const ToastContext = createContext<Show>(() => {});

/** Shows a short message at the bottom of the screen (errors are announced at once). */
export function useToast(): Show {
  return useContext(ToastContext);
}

/**
 * Toasts for the app below it: at most three at a time, each gone after a
 * few seconds (errors stay longer) or when closed.
 */
export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const seq = useRef(0);
  const timers = useRef(new Map<number, ReturnType<typeof setTimeout>>());

  const dismiss = useCallback((id: number) => {
    clearTimeout(timers.current.get(id));
    timers.current.delete(id);
    setToasts((ts) => ts.filter((t) => t.id !== id));
  }, []);

  const show = useCallback<Show>(
    (text, tone = 'error') => {
      const id = ++seq.current;
      setToasts((ts) => [...ts.filter((t) => t.text !== text), { id, text, tone }].slice(-3));
      timers.current.set(id, setTimeout(() => dismiss(id), tone === 'error' ? 8_000 : 4_000));
    },
    [dismiss],
  );

  useEffect(() => {
    const all = timers.current;
    return () => {
      for (const t of all.values()) clearTimeout(t);
      all.clear();
    };
  }, []);

  const value = useMemo(() => show, [show]);
  return (
    <ToastContext.Provider value={value}>
      {children}
      {createPortal(
        <div className="toasts">
          {toasts.map((t) => (
            <div key={t.id} className={`toast toast-${t.tone}`} role={t.tone === 'error' ? 'alert' : 'status'}>
              <span className="toast-text">{t.text}</span>
              <button type="button" className="toast-close" aria-label="Dismiss" onClick={() => dismiss(t.id)}>
                <svg width="14" height="14" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2.2"
                  strokeLinecap="round" aria-hidden="true" focusable="false">
                  <path d="M6 6l12 12M18 6 6 18" />
                </svg>
              </button>
            </div>
          ))}
        </div>,
        document.body,
      )}
    </ToastContext.Provider>
  );
}
