/**
 * A fake Parley API for tests: handlers keyed by "METHOD /path" (the path
 * without /api/v1), every request recorded. Unknown routes answer the API's
 * JSON 404.
 */
import type { FetchLike } from '../api/client';
import type { Me } from '../api/types';

export interface Call {
  method: string;
  path: string;
  headers: Record<string, string>;
  credentials: RequestCredentials | undefined;
  body: unknown;
}

export type Handler = (call: Call) => Response | Promise<Response>;

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });
}

export function apiError(
  status: number,
  code: string,
  message: string,
  extra: { fields?: Record<string, string>; headers?: Record<string, string> } = {},
): Response {
  return json(
    status,
    { error: { code, message, ...(extra.fields ? { fields: extra.fields } : {}) } },
    extra.headers,
  );
}

export function noContent(status = 204): Response {
  return new Response(null, { status });
}

/** The API's 401; usable directly as a Handler. */
export const unauthenticated = (): Response => apiError(401, 'unauthenticated', 'Sign in again.');

export function fakeServer(handlers: Record<string, Handler>) {
  const calls: Call[] = [];
  const fetch: FetchLike = async (url, init) => {
    const body = typeof init.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined;
    const call: Call = {
      method: init.method ?? 'GET',
      path: url.replace(/^\/api\/v1/, ''),
      headers: { ...(init.headers as Record<string, string>) },
      credentials: init.credentials,
      body,
    };
    calls.push(call);
    const handler = handlers[`${call.method} ${call.path}`];
    if (!handler) return apiError(404, 'not_found', 'no route');
    return handler(call);
  };
  const count = (method: string, path: string) =>
    calls.filter((c) => c.method === method && c.path === path).length;
  return { fetch, calls, count, handlers };
}

export const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

export const maya: Me = {
  id: '0192f0c0-0000-7000-8000-000000000001',
  username: 'maya',
  pictureUrl: null,
  email: 'maya@example.com',
  emailVerified: true,
  createdAt: '2026-11-27T10:00:00Z',
};
