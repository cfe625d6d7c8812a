import { Button } from '../../components/Button';
import type { ServerStatus } from './useServerStatus';
import './ServerStatusLine.css';

function describe(status: ServerStatus): { tone: string; text: string; detail?: string } {
  switch (status.kind) {
    case 'checking':
      return { tone: 'pending', text: 'Checking the server…' };
    case 'online':
      return { tone: 'ok', text: 'Server is reachable' };
    case 'offline':
      return status.error.status === 0
        ? { tone: 'error', text: 'Can’t reach the server', detail: 'Check that Parley is running.' }
        : {
            tone: 'error',
            text: 'The server is having trouble',
            detail: `It answered ${status.error.status}.`,
          };
  }
}

/** One line saying whether the server answers, with a retry when it does not. */
export function ServerStatusLine({
  status,
  onRetry,
}: {
  status: ServerStatus;
  onRetry: () => void;
}) {
  const { tone, text, detail } = describe(status);
  return (
    <div className={`status status-${tone}`}>
      <p className="status-text" role="status" aria-live="polite" data-testid="server-status">
        <span className="status-dot" aria-hidden="true" />
        <span className="status-label">{text}</span>
        {detail && <span className="status-detail">{detail}</span>}
      </p>
      {status.kind === 'offline' && (
        <Button size="sm" variant="ghost" onClick={onRetry}>
          Try again
        </Button>
      )}
    </div>
  );
}
