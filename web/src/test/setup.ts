import { cleanup } from '@testing-library/react';
import { afterEach } from 'vitest';

// Vitest runs without globals, so Testing Library cannot register its own
// cleanup; unmount what each test rendered here.
afterEach(() => {
  cleanup();
});

// jsdom's WebSocket would really dial the test origin; views under test get
// a socket that never opens (connection logic has its own fake in its tests).
class IdleWebSocket extends EventTarget {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  readyState = 0;
  onopen: ((ev: Event) => void) | null = null;
  onmessage: ((ev: MessageEvent) => void) | null = null;
  onclose: ((ev: CloseEvent) => void) | null = null;
  onerror: ((ev: Event) => void) | null = null;
  send(): void {}
  close(): void {
    this.readyState = 3;
  }
}
Object.defineProperty(globalThis, 'WebSocket', { value: IdleWebSocket, writable: true, configurable: true });
