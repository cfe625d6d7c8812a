import { describe, expect, it, vi } from 'vitest';
import { createClient, type FetchLike } from './client';
import { ApiError, errorFromBody, parseRetryAfter } from './errors';
import { checkHealth } from './health';

function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json; charset=utf-8', ...headers },
  });
}

function fakeFetch(answer: (url: string, init: RequestInit) => Response | Promise<Response>) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fn: FetchLike = async (url, init) => {
    calls.push({ url, init });
    return answer(url, init);
  };
  return { fn, calls };
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the promise to reject');
}

describe('API client errors', () => {
  it('parses a validation error with its fields', async () => {
    const { fn } = fakeFetch(() =>
      jsonResponse(400, {
        error: {
          code: 'invalid',
          message: 'Some fields are not valid.',
          fields: { email: 'must be an email address', username: 'too short' },
        },
      }),
    );
    const err = await rejection(createClient({ fetch: fn }).post('/users', { email: 'x' }));

    expect(err).toBeInstanceOf(ApiError);
    const e = err as ApiError;
    expect(e.status).toBe(400);
    expect(e.code).toBe('invalid');
    expect(e.message).toBe('Some fields are not valid.');
    expect(e.fields).toEqual({ email: 'must be an email address', username: 'too short' });
  });

  it('reads the detail that refines a code', () => {
    const e = errorFromBody(403, {
      error: { code: 'forbidden', message: 'Verify first.', detail: 'email_not_verified' },
    });
    expect(e.code).toBe('forbidden');
    expect(e.detail).toBe('email_not_verified');
    expect(errorFromBody(403, { error: { code: 'forbidden', message: 'No.' } }).detail).toBeUndefined();
  });

  it('keeps codes it does not know and drops non-string field reasons', () => {
    const e = errorFromBody(403, {
      error: { code: 'email_not_verified', message: 'Verify first.', fields: { a: 1, b: 'ok' } },
    });
    expect(e.code).toBe('email_not_verified');
    expect(e.fields).toEqual({ b: 'ok' });
  });

  it('reads Retry-After on a rate-limited answer', async () => {
    const { fn } = fakeFetch(() =>
      jsonResponse(
        429,
        { error: { code: 'rate_limited', message: 'Slow down.' } },
        { 'Retry-After': '12' },
      ),
    );
    const e = (await rejection(createClient({ fetch: fn }).post('/auth/login', {}))) as ApiError;
    expect(e.code).toBe('rate_limited');
    expect(e.retryAfterSeconds).toBe(12);
  });

  it('maps a non-JSON error page to a friendly error by status', async () => {
    const { fn } = fakeFetch(
      () =>
        new Response('<html><body><h1>502 Bad Gateway</h1></body></html>', {
          status: 502,
          headers: { 'Content-Type': 'text/html' },
        }),
    );
    const e = (await rejection(createClient({ fetch: fn }).get('/groups'))) as ApiError;
    expect(e.status).toBe(502);
    expect(e.code).toBe('unavailable');
    expect(e.message).not.toContain('<');
  });

  it('falls back to the status when the error body has no code', () => {
    expect(errorFromBody(404, { error: { message: 'gone' } }).code).toBe('not_found');
    expect(errorFromBody(500, null).code).toBe('internal');
    expect(errorFromBody(418, 'teapot').code).toBe('invalid');
  });

  it('reports a request that got no answer as a network error with status 0', async () => {
    const { fn } = fakeFetch(() => {
      throw new TypeError('Failed to fetch');
    });
    const e = (await rejection(createClient({ fetch: fn }).get('/users/me'))) as ApiError;
    expect(e.code).toBe('network_error');
    expect(e.status).toBe(0);
    expect(e.cause).toBeInstanceOf(TypeError);
  });

  it('lets an abort through unchanged so callers can ignore it', async () => {
    const ctrl = new AbortController();
    const { fn } = fakeFetch(() => {
      ctrl.abort();
      throw new DOMException('The operation was aborted.', 'AbortError');
    });
    const err = await rejection(createClient({ fetch: fn }).get('/groups', { signal: ctrl.signal }));
    expect(err).not.toBeInstanceOf(ApiError);
    expect((err as DOMException).name).toBe('AbortError');
  });

  it('parses Retry-After given as an HTTP date', () => {
    const now = Date.parse('2026-11-27T10:00:00Z');
    expect(parseRetryAfter('Fri, 27 Nov 2026 10:00:30 GMT', now)).toBe(30);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe('API client requests', () => {
  it('sends JSON with the bearer token under /api/v1 and decodes the answer', async () => {
    const { fn, calls } = fakeFetch(() => jsonResponse(201, { id: 'g1', name: 'Crew' }));
    const client = createClient({ fetch: fn, getAccessToken: () => 'tok' });

    const group = await client.post<{ id: string; name: string }>('/groups', { name: 'Crew' });

    expect(group).toEqual({ id: 'g1', name: 'Crew' });
    expect(calls).toHaveLength(1);
    const [call] = calls;
    expect(call?.url).toBe('/api/v1/groups');
    expect(call?.init.method).toBe('POST');
    expect(call?.init.body).toBe('{"name":"Crew"}');
    expect(call?.init.headers).toMatchObject({
      'Content-Type': 'application/json',
      Accept: 'application/json',
      Authorization: 'Bearer tok',
    });
  });

  it('sends no body, content type or token when there are none', async () => {
    const { fn, calls } = fakeFetch(() => new Response(null, { status: 204 }));
    const result = await createClient({ fetch: fn }).delete('/groups/g1');
    expect(result).toBeUndefined();
    expect(calls[0]?.init.body).toBeUndefined();
    expect(calls[0]?.init.headers).not.toHaveProperty('Content-Type');
    expect(calls[0]?.init.headers).not.toHaveProperty('Authorization');
  });

  it('rejects a 2xx answer that is not JSON', async () => {
    const { fn } = fakeFetch(
      () => new Response('<!doctype html>', { status: 200, headers: { 'Content-Type': 'text/html' } }),
    );
    const e = (await rejection(createClient({ fetch: fn }).get('/users/me'))) as ApiError;
    expect(e.code).toBe('bad_response');
  });
});

describe('checkHealth', () => {
  it('resolves for a 2xx answer whatever its body', async () => {
    const fn = vi.fn<FetchLike>(async () => new Response('ok', { status: 200 }));
    const health = await checkHealth(undefined, fn);
    expect(fn).toHaveBeenCalledWith('/healthz', expect.objectContaining({ method: 'GET' }));
    expect(health.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('rejects with an ApiError when the server answers an error', async () => {
    const fn: FetchLike = async () =>
      jsonResponse(503, { error: { code: 'unavailable', message: 'Starting up.' } });
    const e = (await rejection(checkHealth(undefined, fn))) as ApiError;
    expect(e.status).toBe(503);
    expect(e.message).toBe('Starting up.');
  });
});
