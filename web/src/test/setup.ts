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

// jsdom has no WebRTC or media capture; call views wrap tracks in streams.
if (!('MediaStream' in globalThis)) {
  class StubMediaStream {
    private readonly tracks: unknown[];
    constructor(tracks: unknown[] = []) {
      this.tracks = [...tracks];
    }
    getTracks(): unknown[] {
      return this.tracks;
    }
  }
  Object.defineProperty(globalThis, 'MediaStream', { value: StubMediaStream, writable: true, configurable: true });
}
// jsdom does not play media; the views only start playback.
Object.defineProperty(HTMLMediaElement.prototype, 'play', { value: () => Promise.resolve(), writable: true, configurable: true });
