/**
 * Who is speaking: the audio level of each participant's track through a
 * WebAudio AnalyserNode, sampled about ten times a second, turned into a
 * speaking flag with hysteresis (on at once above the threshold, off only
 * after a moment below it) so that the indicator does not flicker between
 * syllables. Listeners hear about changes of the flags only, not every
 * sample.
 */

/** The root-mean-square level (0…1) of time-domain samples. */
export function rms(samples: ArrayLike<number>): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i] ?? 0;
    sum += v * v;
  }
  return Math.sqrt(sum / samples.length);
}

export interface SpeakingOptions {
  /** Level (RMS, 0…1) at or above which a sample counts as voice. */
  threshold?: number;
  /** How long the level must stay below the threshold before speaking ends. */
  holdMs?: number;
}

/** Speaking on above the threshold, off after holdMs below it. */
export class SpeakingDetector {
  private speaking = false;
  private lastLoud = -Infinity;
  private readonly threshold: number;
  private readonly holdMs: number;

  constructor(options: SpeakingOptions = {}) {
    this.threshold = options.threshold ?? 0.02;
    this.holdMs = options.holdMs ?? 600;
  }

  /** Feeds one level sampled at `now` (ms); returns whether the participant is speaking. */
  sample(level: number, now: number): boolean {
    if (level >= this.threshold) {
      this.lastLoud = now;
      this.speaking = true;
    } else if (this.speaking && now - this.lastLoud >= this.holdMs) {
      this.speaking = false;
    }
    return this.speaking;
  }
}

interface Meter {
  track: MediaStreamTrack;
  source: MediaStreamAudioSourceNode;
  analyser: AnalyserNode;
  buffer: Float32Array<ArrayBuffer>;
  detector: SpeakingDetector;
}

/**
 * Meters for a set of tracks, keyed by tile. `set` makes the metered set
 * match the given tracks (adding, replacing and removing meters); `close`
 * releases the AudioContext.
 */
export class AudioLevels {
  private context: AudioContext | null = null;
  private readonly meters = new Map<string, Meter>();
  private speaking = new Set<string>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly createContext: () => AudioContext = () => new AudioContext(),
    private readonly intervalMs = 100,
    private readonly now: () => number = () => performance.now(),
  ) {}

  readonly subscribe = (l: () => void): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };

  /** The keys speaking now (a new Set whenever it changes). */
  readonly getSpeaking = (): ReadonlySet<string> => this.speaking;

  set(tracks: ReadonlyMap<string, MediaStreamTrack>): void {
    for (const [key, m] of this.meters) {
      if (tracks.get(key) !== m.track) this.remove(key);
    }
    for (const [key, track] of tracks) {
      if (this.meters.has(key) || track.readyState === 'ended') continue;
      try {
        this.context ??= this.createContext();
        const source = this.context.createMediaStreamSource(new MediaStream([track]));
        const analyser = this.context.createAnalyser();
        analyser.fftSize = 512;
        source.connect(analyser);
        this.meters.set(key, { track, source, analyser, buffer: new Float32Array(analyser.fftSize), detector: new SpeakingDetector() });
      } catch {
        // No WebAudio here: no indicator for this track.
      }
    }
    if (this.meters.size > 0 && this.timer === undefined) this.timer = setInterval(() => this.tick(), this.intervalMs);
    if (this.meters.size === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
    this.publish(new Set([...this.speaking].filter((k) => this.meters.has(k))));
  }

  close(): void {
    this.set(new Map());
    void this.context?.close().catch(() => {});
    this.context = null;
    this.listeners.clear();
  }

  private remove(key: string): void {
    const m = this.meters.get(key);
    if (!m) return;
    m.source.disconnect();
    this.meters.delete(key);
  }

  private tick(): void {
    if (this.context?.state === 'suspended') void this.context.resume().catch(() => {});
    const now = this.now();
    const next = new Set<string>();
    for (const [key, m] of this.meters) {
      m.analyser.getFloatTimeDomainData(m.buffer);
      if (m.detector.sample(m.track.enabled ? rms(m.buffer) : 0, now)) next.add(key);
    }
    this.publish(next);
  }

  private publish(next: Set<string>): void {
    if (next.size === this.speaking.size && [...next].every((k) => this.speaking.has(k))) return;
    this.speaking = next;
    for (const l of [...this.listeners]) l();
  }
}
