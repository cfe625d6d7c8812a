/**
 * The SharedWorker that arbitrates the cross-tab refresh lock on origins
 * without navigator.locks (lockCoordinator.ts). One instance serves every
 * tab of the origin that loads the same build.
 */
import { lockCoordinator, type PortLike } from './lockCoordinator';

const coordinator = lockCoordinator();

(self as unknown as { onconnect: ((e: MessageEvent) => void) | null }).onconnect = (e) => {
  const port = e.ports[0];
  if (port) coordinator.connect(port as unknown as PortLike);
};
