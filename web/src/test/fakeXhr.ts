import type { XhrLike } from '../api/upload';

/** A hand-driven XMLHttpRequest: the test decides when bytes go and what comes back. */
export class FakeXhr implements XhrLike {
  readonly upload: { onprogress: ((ev: ProgressEvent) => void) | null } = { onprogress: null };
  status = 0;
  responseText = '';
  onload: ((ev: ProgressEvent) => void) | null = null;
  onerror: ((ev: ProgressEvent) => void) | null = null;
  onabort: ((ev: ProgressEvent) => void) | null = null;
  ontimeout: ((ev: ProgressEvent) => void) | null = null;
  method = '';
  url = '';
  headers: Record<string, string> = {};
  responseHeaders: Record<string, string> = {};
  body: XMLHttpRequestBodyInit | null = null;
  aborted = false;

  open(method: string, url: string): void {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(name: string, value: string): void {
    this.headers[name] = value;
  }
  getResponseHeader(name: string): string | null {
    return this.responseHeaders[name] ?? null;
  }
  send(body: XMLHttpRequestBodyInit | null): void {
    this.body = body;
  }
  abort(): void {
    this.aborted = true;
    this.onabort?.(new ProgressEvent('abort'));
  }

  progress(loaded: number, total: number, lengthComputable = true): void {
    this.upload.onprogress?.(new ProgressEvent('progress', { loaded, total, lengthComputable }));
  }
  respond(status: number, body: string, headers: Record<string, string> = {}): void {
    this.status = status;
    this.responseText = body;
    this.responseHeaders = headers;
    this.onload?.(new ProgressEvent('load'));
  }
  fail(): void {
    this.onerror?.(new ProgressEvent('error'));
  }
}

/**
 * Stands in for the global XMLHttpRequest (vi.stubGlobal) and remembers
 * every instance, so a test can drive requests the app made itself.
 */
export class RecordingXhr extends FakeXhr {
  static made: RecordingXhr[] = [];
  constructor() {
    super();
    RecordingXhr.made.push(this);
  }
}
