/**
 * Uploads with real progress. fetch() cannot report how much of a request
 * body has been sent, so uploads go through XMLHttpRequest, whose
 * `upload.onprogress` fires as bytes leave the browser. Answers are read
 * exactly like the fetch client reads them: JSON on success, an ApiError
 * for any failure, the signal's AbortError on abort.
 */
import { ApiError, errorFromBody, networkError, parseRetryAfter } from './errors';

/** How far an upload has got. `fraction` is 0…1; `total` is 0 when unknown. */
export interface UploadProgress {
  loaded: number;
  total: number;
  fraction: number;
}

/**
 * The fraction of an upload that is done, clamped to 0…1. An unknown or zero
 * total counts as nothing done yet, so a bar never jumps to full early.
 */
export function progressFraction(loaded: number, total: number): number {
  if (!Number.isFinite(loaded) || !Number.isFinite(total) || total <= 0 || loaded <= 0) return 0;
  return Math.min(1, loaded / total);
}

/** A whole percentage for display: 0…100, never 100 before the last byte. */
export function progressPercent(fraction: number): number {
  if (!(fraction > 0)) return 0;
  if (fraction >= 1) return 100;
  return Math.min(99, Math.floor(fraction * 100));
}

/** The parts of XMLHttpRequest the upload uses; tests pass a fake. */
export interface XhrLike {
  readonly upload: { onprogress: ((ev: ProgressEvent) => void) | null };
  readonly status: number;
  readonly responseText: string;
  onload: ((ev: ProgressEvent) => void) | null;
  onerror: ((ev: ProgressEvent) => void) | null;
  onabort: ((ev: ProgressEvent) => void) | null;
  ontimeout: ((ev: ProgressEvent) => void) | null;
  open(method: string, url: string): void;
  setRequestHeader(name: string, value: string): void;
  getResponseHeader(name: string): string | null;
  send(body: XMLHttpRequestBodyInit | null): void;
  abort(): void;
}

export interface UploadOptions {
  method: 'POST' | 'PUT';
  /** The full path, e.g. `/api/v1/users/me/picture`. */
  url: string;
  body: FormData | Blob;
  headers?: Readonly<Record<string, string>>;
  onProgress?: (p: UploadProgress) => void;
  signal?: AbortSignal;
  /** Makes the request object; defaults to the browser's XMLHttpRequest. */
  createXhr?: () => XhrLike;
}

function abortError(signal: AbortSignal | undefined): unknown {
  return signal?.reason ?? new DOMException('The upload was aborted.', 'AbortError');
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Sends body with XMLHttpRequest and resolves with the decoded JSON answer
 * (undefined for an empty one). Progress is reported as it happens, and once
 * more as complete when the server has answered successfully.
 */
export function uploadWithProgress<T>(opts: UploadOptions): Promise<T> {
  const { signal } = opts;
  if (signal?.aborted) return Promise.reject(abortError(signal));
  const xhr: XhrLike = opts.createXhr ? opts.createXhr() : new XMLHttpRequest();

  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbortSignal);
      fn();
    };
    const onAbortSignal = () => {
      xhr.abort();
      finish(() => reject(abortError(signal)));
    };
    signal?.addEventListener('abort', onAbortSignal);

    xhr.upload.onprogress = (ev) => {
      if (settled || !opts.onProgress) return;
      const total = ev.lengthComputable ? ev.total : 0;
      opts.onProgress({ loaded: ev.loaded, total, fraction: progressFraction(ev.loaded, total) });
    };
    xhr.onload = () => {
      const status = xhr.status;
      const body = parseBody(xhr.responseText);
      if (status >= 200 && status < 300) {
        if (xhr.responseText !== '' && body === undefined) {
          finish(() =>
            reject(
              new ApiError({
                status,
                code: 'bad_response',
                message: 'The server sent an answer the app could not read.',
              }),
            ),
          );
          return;
        }
        finish(() => {
          opts.onProgress?.({ loaded: 1, total: 1, fraction: 1 });
          resolve(body as T);
        });
        return;
      }
      const retry = parseRetryAfter(xhr.getResponseHeader('Retry-After'));
      finish(() => reject(errorFromBody(status, body, retry)));
    };
    xhr.onerror = () => finish(() => reject(networkError(new Error('upload failed'))));
    xhr.ontimeout = () => finish(() => reject(networkError(new Error('upload timed out'))));
    xhr.onabort = () => finish(() => reject(abortError(signal)));

    xhr.open(opts.method, opts.url);
    xhr.setRequestHeader('Accept', 'application/json');
    for (const [name, value] of Object.entries(opts.headers ?? {})) {
      xhr.setRequestHeader(name, value);
    }
    xhr.send(opts.body);
  });
}
