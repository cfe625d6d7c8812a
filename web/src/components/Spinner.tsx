import './Spinner.css';

/** A small spinning ring in the current text colour. Decorative: say what is busy elsewhere. */
export function Spinner({ size = 16, className }: { size?: number; className?: string }) {
  const classes = ['spinner', className].filter(Boolean).join(' ');
  return (
    <svg className={classes} width={size} height={size} viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <circle cx="12" cy="12" r="9" fill="none" stroke="currentColor" strokeWidth="3" opacity="0.25" />
      <path d="M21 12a9 9 0 0 0-9-9" fill="none" stroke="currentColor" strokeWidth="3" strokeLinecap="round" />
    </svg>
  );
}
