import { useCallback, useEffect, useRef, useState } from 'react';
import type { FieldErrors } from './validation';

/**
 * Field errors for one form. `show` replaces them and moves focus to the
 * first invalid input, so keyboard and screen-reader users land on what
 * needs fixing; `clear` drops one field's error as soon as it is edited.
 */
export function useFormErrors<K extends string>() {
  const [errors, setErrors] = useState<FieldErrors<K>>({});
  const formRef = useRef<HTMLFormElement>(null);
  const focusNext = useRef(false);

  useEffect(() => {
    if (!focusNext.current) return;
    focusNext.current = false;
    formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [errors]);

  const show = useCallback((next: FieldErrors<K>) => {
    focusNext.current = true;
    setErrors(next);
  }, []);

  const clear = useCallback((field: K) => {
    setErrors((prev) => {
      if (prev[field] === undefined) return prev;
      const next = { ...prev };
      delete next[field];
      return next;
    });
  }, []);

  return { errors, show, clear, formRef };
}
