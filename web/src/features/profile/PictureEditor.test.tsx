import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../api/errors';
import { Session } from '../../session/session';
import { SessionProvider } from '../../session/SessionContext';
import { fakeServer, inAnHour, maya } from '../../test/fakeServer';
import { RecordingXhr } from '../../test/fakeXhr';
import { PictureEditor, checkPictureFile, uploadErrorMessage } from './PictureEditor';

describe('checkPictureFile', () => {
  it('accepts the four image types up to 5 MB', () => {
    for (const type of ['image/png', 'image/jpeg', 'image/gif', 'image/webp']) {
      expect(checkPictureFile({ type, size: 1000 }), type).toBeUndefined();
    }
    expect(checkPictureFile({ type: 'image/png', size: 5 * 1024 * 1024 })).toBeUndefined();
  });
  it('leaves a file of unknown type to the server', () => {
    expect(checkPictureFile({ type: '', size: 1000 })).toBeUndefined();
  });
  it('rejects other types, empty files and files over 5 MB', () => {
    expect(checkPictureFile({ type: 'image/svg+xml', size: 10 })).toBe('Choose a PNG, JPEG, GIF or WebP image.');
    expect(checkPictureFile({ type: 'application/pdf', size: 10 })).toBe('Choose a PNG, JPEG, GIF or WebP image.');
    expect(checkPictureFile({ type: 'image/png', size: 0 })).toBe('That file is empty.');
    expect(checkPictureFile({ type: 'image/png', size: 5 * 1024 * 1024 + 1 })).toMatch(/larger than 5 MB/);
  });
});

describe('uploadErrorMessage', () => {
  it('names the reason for 400, 413 and a dropped connection', () => {
    expect(uploadErrorMessage(new ApiError({ status: 400, code: 'invalid', message: 'x' }))).toMatch(
      /not an image/,
    );
    expect(uploadErrorMessage(new ApiError({ status: 413, code: 'too_large', message: 'x' }))).toMatch(
      /too large/,
    );
    expect(uploadErrorMessage(new ApiError({ status: 0, code: 'network_error', message: 'x' }))).toMatch(
      /interrupted/,
    );
  });
});

describe('PictureEditor', () => {
  beforeEach(() => {
    RecordingXhr.made = [];
    vi.stubGlobal('XMLHttpRequest', RecordingXhr);
    vi.spyOn(URL, 'createObjectURL').mockReturnValue('blob:preview-1');
    vi.spyOn(URL, 'revokeObjectURL').mockReturnValue(undefined);
  });
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  function setup() {
    const session = new Session({ fetch: fakeServer({}).fetch, withLock: (fn) => fn() });
    session.signIn({ accessToken: 'tok', expiresAt: inAnHour(), user: maya });
    const view = render(
      <SessionProvider session={session}>
        <PictureEditor me={maya} />
      </SessionProvider>,
    );
    return { session, ...view };
  }

  function choose(file: File) {
    fireEvent.change(screen.getByLabelText('Upload picture'), { target: { files: [file] } });
  }

  it('previews, uploads with a progress bar, and shows the new picture', async () => {
    const { session } = setup();
    choose(new File([new Uint8Array(200)], 'me.png', { type: 'image/png' }));

    const preview = screen.getByRole('img', { name: 'Preview of your new picture' });
    expect(preview.getAttribute('src')).toBe('blob:preview-1');
    expect(RecordingXhr.made).toHaveLength(0); // nothing is sent before "Save"

    fireEvent.click(screen.getByRole('button', { name: 'Save picture' }));
    const xhr = RecordingXhr.made[0];
    if (!xhr) throw new Error('no upload started');
    expect(xhr.method).toBe('PUT');
    expect(xhr.url).toBe('/api/v1/users/me/picture');
    expect(xhr.headers['Authorization']).toBe('Bearer tok');

    const bar = screen.getByRole('progressbar', { name: 'Uploading picture' }) as HTMLProgressElement;
    expect(bar.value).toBe(0);
    act(() => xhr.progress(40, 100));
    expect(bar.value).toBe(40);
    expect(screen.getByText('40%')).toBeTruthy();

    act(() => {
      xhr.progress(100, 100);
      xhr.respond(200, JSON.stringify({ ...maya, pictureUrl: '/api/v1/users/u1/picture?v=2' }));
    });
    expect(await screen.findByText('Your new picture is saved.')).toBeTruthy();
    expect(screen.queryByRole('progressbar')).toBeNull();
    expect(session.getState()).toMatchObject({ me: { pictureUrl: '/api/v1/users/u1/picture?v=2' } });
    await waitFor(() => expect(URL.revokeObjectURL).toHaveBeenCalledWith('blob:preview-1'));
  });

  it('shows the server’s 413 and keeps the choice so another can be picked', async () => {
    setup();
    choose(new File([new Uint8Array(200)], 'big.png', { type: 'image/png' }));
    fireEvent.click(screen.getByRole('button', { name: 'Save picture' }));
    act(() => RecordingXhr.made[0]?.respond(413, '{"error":{"code":"too_large","message":"Too big."}}'));

    expect((await screen.findByRole('alert')).textContent).toBe('That picture is too large. The limit is 5 MB.');
    expect(screen.getByRole('button', { name: 'Save picture' })).toBeTruthy();
    expect(screen.getByLabelText('Choose another')).toBeTruthy();
  });

  it('refuses a file that is not an image before sending it', () => {
    setup();
    choose(new File(['%PDF'], 'doc.pdf', { type: 'application/pdf' }));
    expect(screen.getByRole('alert').textContent).toBe('Choose a PNG, JPEG, GIF or WebP image.');
    expect(screen.queryByRole('button', { name: 'Save picture' })).toBeNull();
  });

  it('cancels an upload in flight', () => {
    setup();
    choose(new File([new Uint8Array(200)], 'me.png', { type: 'image/png' }));
    fireEvent.click(screen.getByRole('button', { name: 'Save picture' }));
    fireEvent.click(screen.getByRole('button', { name: 'Cancel upload' }));
    expect(RecordingXhr.made[0]?.aborted).toBe(true);
    expect(screen.queryByRole('progressbar')).toBeNull();
    expect(screen.queryByRole('alert')).toBeNull();
  });
});
