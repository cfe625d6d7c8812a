/**
 * Errors from the Parley API, in one typed shape.
 *
 * The server answers every failure with a status code and
 * `{"error": {"code": "snake_case", "message": "human text", "fields": {...}}}`.
 * Anything else (a proxy's HTML page, a dropped connection) is mapped onto the
 * same shape so callers only ever handle an {@link ApiError}.
 */

/** Codes the server sends (API.md), plus two the client produces itself. */
export type KnownErrorCode =
  | 'invalid'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'unavailable'
  | 'internal'
  /** The request never got an HTTP answer (offline, DNS, refused, CORS). */
  | 'network_error'
  /** The server answered 2xx with a body the client could not read. */
  | 'bad_response';

/** A known code, or any other snake_case code a newer server may send. */
export type ErrorCode = KnownErrorCode | (string & Record<never, never>);

export interface ApiErrorInit {
  status: number;
  code: ErrorCode;
  message: string;
  fields?: Readonly<Record<string, string>>;
  /** A finer reason inside the code, e.g. `email_not_verified` in a 403. */
  detail?: string;
  retryAfterSeconds?: number;
  /** The underlying failure, for logging; never shown to users. */
  cause?: unknown;
}

/** A failed API call. `status` is 0 when no HTTP answer arrived. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  readonly code: ErrorCode;
  /** Per-field reasons for validation errors; empty otherwise. */
  readonly fields: Readonly<Record<string, string>>;
  /** Seconds to wait before retrying, from `Retry-After` (429, 503). */
  readonly retryAfterSeconds: number | undefined;
  /** The server's `detail`, refining the code; undefined when absent. */
  readonly detail: string | undefined;

  constructor(init: ApiErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.code = init.code;
    this.fields = init.fields ?? {};
    this.retryAfterSeconds = init.retryAfterSeconds;
    this.detail = init.detail;
  }
}

/** Reports whether err is an ApiError, optionally with the given code. */
export function isApiError(err: unknown, code?: ErrorCode): err is ApiError {
  return err instanceof ApiError && (code === undefined || err.code === code);
}

const statusCodes: ReadonlyMap<number, KnownErrorCode> = new Map([
  [400, 'invalid'],
  [401, 'unauthenticated'],
  [403, 'forbidden'],
  [404, 'not_found'],
  [409, 'conflict'],
  [413, 'too_large'],
  [415, 'unsupported_media_type'],
  [422, 'invalid'],
  [429, 'rate_limited'],
  [502, 'unavailable'],
  [503, 'unavailable'],
  [504, 'unavailable'],
]);

const fallbackMessages: Readonly<Record<KnownErrorCode, string>> = {
  invalid: 'The request was not valid.',
  unauthenticated: 'Please sign in again.',
  forbidden: 'You are not allowed to do that.',
  not_found: 'That could not be found.',
  conflict: 'That conflicts with something that already exists.',
  too_large: 'That is too large.',
  unsupported_media_type: 'The app sent a request the server does not take.',
  rate_limited: 'Too many attempts. Please wait a moment and try again.',
  unavailable: 'The server is unavailable right now. Please try again shortly.',
  internal: 'Something went wrong on the server.',
  network_error: 'Could not reach the server. Check your connection.',
  bad_response: 'The server sent an answer the app could not read.',
};

/** The code a bare status implies when the body does not carry one. */
export function codeForStatus(status: number): KnownErrorCode {
  return statusCodes.get(status) ?? (status >= 500 ? 'internal' : 'invalid');
}

/** A friendly default message for a code. */
export function messageForCode(code: ErrorCode): string {
  return code in fallbackMessages
    ? fallbackMessages[code as KnownErrorCode]
    : 'Something went wrong.';
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringFields(v: unknown): Record<string, string> | undefined {
  if (!isRecord(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, reason] of Object.entries(v)) {
    if (typeof reason === 'string') out[k] = reason;
  }
  return out;
}

/**
 * Parses a `Retry-After` header: delay in seconds or an HTTP date.
 * Returns undefined when absent or unreadable.
 */
export function parseRetryAfter(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

/**
 * Builds the ApiError for a failed response from its status and decoded body.
 * A body in the API error shape wins; otherwise the status decides the code
 * and the message is a friendly default (never a proxy's raw HTML).
 */
export function errorFromBody(
  status: number,
  body: unknown,
  retryAfterSeconds?: number,
): ApiError {
  const retry = retryAfterSeconds === undefined ? {} : { retryAfterSeconds };
  const e = isRecord(body) ? body['error'] : undefined;
  if (isRecord(e) && typeof e['code'] === 'string' && e['code'] !== '') {
    const code = e['code'];
    const message =
      typeof e['message'] === 'string' && e['message'] !== ''
        ? e['message']
        : messageForCode(code);
    const fields = stringFields(e['fields']);
    const detail = typeof e['detail'] === 'string' && e['detail'] !== '' ? e['detail'] : undefined;
    return new ApiError({
      status,
      code,
      message,
      ...(fields ? { fields } : {}),
      ...(detail ? { detail } : {}),
      ...retry,
    });
  }
  const code = codeForStatus(status);
  return new ApiError({ status, code, message: messageForCode(code), ...retry });
}

/** Reads a failed Response into an ApiError; never throws. */
export async function errorFromResponse(res: Response): Promise<ApiError> {
  let body: unknown;
  try {
    const text = await res.text();
    body = text === '' ? undefined : (JSON.parse(text) as unknown);
  } catch {
    body = undefined;
  }
  return errorFromBody(res.status, body, parseRetryAfter(res.headers.get('Retry-After')));
}

/** The ApiError for a request that got no HTTP answer at all. */
export function networkError(cause: unknown): ApiError {
  return new ApiError({
    status: 0,
    code: 'network_error',
    message: messageForCode('network_error'),
    cause,
  });
}
