/**
 * `view {participantId, width, height}` frames (api/websocket.md "Layers
 * and the active speaker"): the size in device pixels at which this client
 * shows each remote camera, so that the SFU forwards the smallest simulcast
 * layer that covers it (0 × 0: not shown, the lowest layer).
 *
 * Tiles report their size as often as the browser lays them out (a
 * window being resized reports every frame); the reporter turns that into
 * few frames:
 * - a new size is only sent when it differs meaningfully from the last one
 *   sent for that participant (more than `threshold` of either side, or
 *   shown ↔ not shown) — small drifts add up until they are worth a frame;
 * - frames go out together at most once per `intervalMs` (the first change
 *   after a quiet period waits only for the current burst of reports);
 * - nothing is sent between connections; a new connection starts from
 *   scratch (the SFU forgot) and gets every known size again.
 */

export interface ViewSize {
  width: number;
  height: number;
}

export interface ViewReporterOptions {
  send(participantId: string, size: ViewSize): void;
  /** The least time between two batches of frames. */
  intervalMs?: number;
  /** The relative change of a side below which a size is not sent again. */
  threshold?: number;
  now?: () => number;
}

/** The largest side a view frame may state. */
export const maxViewSide = 16384;

const hidden: ViewSize = { width: 0, height: 0 };

function normalise(width: number, height: number): ViewSize {
  const w = Math.min(maxViewSide, Math.round(Number.isFinite(width) ? width : 0));
  const h = Math.min(maxViewSide, Math.round(Number.isFinite(height) ? height : 0));
  return w <= 0 || h <= 0 ? hidden : { width: w, height: h };
}

const shown = (s: ViewSize) => s.width > 0;

/** Whether `next` is worth a frame after `last` was sent. */
export function meaningful(next: ViewSize, last: ViewSize | undefined, threshold: number): boolean {
  if (!last) return true;
  if (shown(next) !== shown(last)) return true;
  if (!shown(next)) return false;
  return Math.abs(next.width - last.width) > threshold * last.width || Math.abs(next.height - last.height) > threshold * last.height;
}

export class ViewReporter {
  private readonly opts: Required<Omit<ViewReporterOptions, 'send'>> & Pick<ViewReporterOptions, 'send'>;
  /** The latest size reported per participant. */
  private readonly wanted = new Map<string, ViewSize>();
  /** What the current connection was told. */
  private readonly sent = new Map<string, ViewSize>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastFlush = -Infinity;
  private live = false;

  constructor(options: ViewReporterOptions) {
    this.opts = { intervalMs: 400, threshold: 0.15, now: () => Date.now(), ...options };
  }

  /** A tile of `participantId` is now shown at width × height device pixels (0 × 0: not shown). */
  report(participantId: string, width: number, height: number): void {
    const size = normalise(width, height);
    this.wanted.set(participantId, size);
    if (meaningful(size, this.sent.get(participantId), this.opts.threshold)) this.schedule();
  }

  /** The participants a size was reported for. */
  known(): string[] {
    return [...this.wanted.keys()];
  }

  /** The participant left: nothing more is said about them. */
  forget(participantId: string): void {
    this.wanted.delete(participantId);
    this.sent.delete(participantId);
  }

  /** A connection joined (true) or ended (false). A new one is told every known size. */
  connected(live: boolean): void {
    this.live = live;
    this.sent.clear();
    if (live && this.wanted.size > 0) this.schedule();
  }

  /** Stops the timer (the call ended). */
  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.live = false;
  }

  private schedule(): void {
    if (!this.live || this.timer !== undefined) return;
    const wait = Math.max(0, this.lastFlush + this.opts.intervalMs - this.opts.now());
    this.timer = setTimeout(() => this.flush(), wait);
  }

  private flush(): void {
    this.timer = undefined;
    if (!this.live) return;
    this.lastFlush = this.opts.now();
    for (const [id, size] of this.wanted) {
      if (!meaningful(size, this.sent.get(id), this.opts.threshold)) continue;
      this.sent.set(id, size);
      this.opts.send(id, size);
    }
  }
}
