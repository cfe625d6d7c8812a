/**
 * A thin fetch client for the Parley REST API: JSON in, JSON out, and every
 * failure surfaced as an {@link ApiError}. It holds no state beyond its
 * options; authentication and retries belong to the callers that need them.
 */
import { ApiError, errorFromResponse, networkError } from './errors';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface ClientOptions {
  /** Prefix for every path; defaults to the API's base path `/api/v1`. */
  baseUrl?: string;
  /** The fetch to use; defaults to the browser's. Tests pass their own. */
  fetch?: FetchLike;
  /** Returns the current access token, or null when signed out. */
  getAccessToken?: () => string | null;
}

export interface RequestOptions {
  /** A value to send as the JSON body. */
  body?: unknown;
  signal?: AbortSignal;
  headers?: Readonly<Record<string, string>>;
}

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface ApiClient {
  /**
   * Sends one request and resolves with the decoded JSON body, or undefined
   * for an empty answer (204). The body is trusted to match T: the types
   * mirror the server's contract, they are not checked at run time.
   * Rejects with an ApiError for any non-2xx answer or network failure;
   * an aborted request rejects with the signal's AbortError unchanged.
   */
  request<T>(method: Method, path: string, options?: RequestOptions): Promise<T>;
  get<T>(path: string, options?: Omit<RequestOptions, 'body'>): Promise<T>;
  post<T>(path: string, body?: unknown, options?: Omit<RequestOptions, 'body'>): Promise<T>;
  put<T>(path: string, body?: unknown, options?: Omit<RequestOptions, 'body'>): Promise<T>;
  patch<T>(path: string, body?: unknown, options?: Omit<RequestOptions, 'body'>): Promise<T>;
  delete<T = undefined>(path: string, options?: Omit<RequestOptions, 'body'>): Promise<T>;
}

function isAbort(err: unknown, signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true || (err instanceof DOMException && err.name === 'AbortError');
}

function isJSON(res: Response): boolean {
  const type = res.headers.get('Content-Type') ?? '';
  return /^application\/([\w.+-]*\+)?json\b/i.test(type);
}

/** Creates a client; `createClient()` talks to the same origin's `/api/v1`. */
export function createClient(options: ClientOptions = {}): ApiClient {
  const baseUrl = (options.baseUrl ?? '/api/v1').replace(/\/+$/, '');
  const doFetch: FetchLike = options.fetch ?? ((input, init) => fetch(input, init));

  async function request<T>(method: Method, path: string, opts: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json', ...opts.headers };
    const init: RequestInit = { method, headers, credentials: 'same-origin' };
    if (opts.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(opts.body);
    }
    if (opts.signal) init.signal = opts.signal;
    const token = options.getAccessToken?.();
    if (token) headers['Authorization'] = `Bearer ${token}`;

    let res: Response;
    try {
      res = await doFetch(baseUrl + (path.startsWith('/') ? path : `/${path}`), init);
    } catch (err) {
      if (isAbort(err, opts.signal)) throw err;
      throw networkError(err);
    }
    if (!res.ok) throw await errorFromResponse(res);
    if (res.status === 204) return undefined as T;

    let text: string;
    try {
      text = await res.text();
    } catch (err) {
      if (isAbort(err, opts.signal)) throw err;
      throw networkError(err);
    }
    if (text === '') return undefined as T;
    if (!isJSON(res)) {
      throw new ApiError({
        status: res.status,
        code: 'bad_response',
        message: 'The server sent an answer the app could not read.',
      });
    }
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw new ApiError({
        status: res.status,
        code: 'bad_response',
        message: 'The server sent an answer the app could not read.',
        cause: err,
      });
    }
  }

  return {
    request,
    get: (path, o) => request('GET', path, o),
    post: (path, body, o) => request('POST', path, { ...o, body }),
    put: (path, body, o) => request('PUT', path, { ...o, body }),
    patch: (path, body, o) => request('PATCH', path, { ...o, body }),
    delete: (path, o) => request('DELETE', path, o),
  };
}
