import { describe, expect, it } from 'vitest';
import { uploadPicture } from './accounts';
import { ApiError } from './errors';
import { FakeXhr } from '../test/fakeXhr';
import { progressFraction, progressPercent, uploadWithProgress, type UploadProgress } from './upload';

function start(extra: { signal?: AbortSignal } = {}) {
  const xhr = new FakeXhr();
  const seen: UploadProgress[] = [];
  const done = uploadWithProgress<unknown>({
    method: 'PUT',
    url: '/api/v1/users/me/picture',
    body: new Blob(['x']),
    headers: { Authorization: 'Bearer t' },
    onProgress: (p) => seen.push(p),
    createXhr: () => xhr,
    ...extra,
  });
  return { xhr, seen, done };
}

describe('progressFraction', () => {
  const cases: [string, number, number, number][] = [
    ['nothing sent', 0, 100, 0],
    ['half sent', 50, 100, 0.5],
    ['all sent', 100, 100, 1],
    ['an unknown total counts as nothing', 50, 0, 0],
    ['more than the total is clamped', 120, 100, 1],
    ['a negative count is nothing', -5, 100, 0],
    ['NaN is nothing', Number.NaN, 100, 0],
  ];
  for (const [name, loaded, total, want] of cases) {
    it(name, () => {
      expect(progressFraction(loaded, total)).toBe(want);
    });
  }
});

describe('progressPercent', () => {
  it('rounds down and shows 100 only when complete', () => {
    expect(progressPercent(0)).toBe(0);
    expect(progressPercent(0.424)).toBe(42);
    expect(progressPercent(0.999)).toBe(99);
    expect(progressPercent(1)).toBe(100);
    expect(progressPercent(Number.NaN)).toBe(0);
  });
});

describe('uploadWithProgress', () => {
  it('reports real progress and resolves with the JSON answer', async () => {
    const { xhr, seen, done } = start();
    expect(xhr.method).toBe('PUT');
    expect(xhr.url).toBe('/api/v1/users/me/picture');
    expect(xhr.headers).toMatchObject({ Authorization: 'Bearer t', Accept: 'application/json' });

    xhr.progress(25, 100);
    xhr.progress(80, 100);
    xhr.progress(100, 100);
    xhr.respond(200, '{"id":"u1","pictureUrl":"/p"}');

    await expect(done).resolves.toEqual({ id: 'u1', pictureUrl: '/p' });
    expect(seen.map((p) => p.fraction)).toEqual([0.25, 0.8, 1, 1]);
  });

  it('reports no fraction while the total is unknown', async () => {
    const { xhr, seen, done } = start();
    xhr.progress(30, 0, false);
    xhr.respond(204, '');
    await expect(done).resolves.toBeUndefined();
    expect(seen[0]).toEqual({ loaded: 30, total: 0, fraction: 0 });
  });

  it('rejects a 413 as too_large', async () => {
    const { xhr, done } = start();
    xhr.respond(413, '{"error":{"code":"too_large","message":"The picture is over 5 MB."}}');
    const err = (await done.catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(413);
    expect(err.code).toBe('too_large');
    expect(err.message).toBe('The picture is over 5 MB.');
  });

  it('rejects a 400 as invalid even without a JSON body', async () => {
    const { xhr, done } = start();
    xhr.respond(400, 'bad');
    await expect(done).rejects.toMatchObject({ status: 400, code: 'invalid' });
  });

  it('reads Retry-After on a 429', async () => {
    const { xhr, done } = start();
    xhr.respond(429, '{"error":{"code":"rate_limited","message":"Slow down."}}', {
      'Retry-After': '7',
    });
    await expect(done).rejects.toMatchObject({ code: 'rate_limited', retryAfterSeconds: 7 });
  });

  it('rejects a 2xx answer it cannot read', async () => {
    const { xhr, done } = start();
    xhr.respond(200, '<html>');
    await expect(done).rejects.toMatchObject({ code: 'bad_response' });
  });

  it('reports a dropped connection as a network error', async () => {
    const { xhr, done } = start();
    xhr.progress(10, 100);
    xhr.fail();
    await expect(done).rejects.toMatchObject({ status: 0, code: 'network_error' });
  });

  it('aborts the request when the signal fires and rejects with an AbortError', async () => {
    const ctrl = new AbortController();
    const { xhr, seen, done } = start({ signal: ctrl.signal });
    xhr.progress(10, 100);
    ctrl.abort();
    xhr.progress(20, 100);

    const err = await done.catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(ApiError);
    expect((err as DOMException).name).toBe('AbortError');
    expect(xhr.aborted).toBe(true);
    expect(seen).toHaveLength(1);
  });
});

describe('uploadPicture', () => {
  it('sends the file as multipart field "picture" with the token', async () => {
    const xhr = new FakeXhr();
    const file = new File([new Uint8Array([137, 80, 78, 71])], 'me.png', { type: 'image/png' });
    const done = uploadPicture({ file, token: 'tok', createXhr: () => xhr });

    expect(xhr.url).toBe('/api/v1/users/me/picture');
    expect(xhr.headers['Authorization']).toBe('Bearer tok');
    expect(xhr.body).toBeInstanceOf(FormData);
    const sent = (xhr.body as FormData).get('picture');
    expect(sent).toBeInstanceOf(File);
    expect((sent as File).name).toBe('me.png');

    xhr.respond(200, '{"id":"u1"}');
    await expect(done).resolves.toEqual({ id: 'u1' });
  });
});
