/**
 * The account and session endpoints of API.md, one function each. Every
 * function takes the client to send with: the public one for calls made
 * while signed out, the session's authenticated one otherwise. They reject
 * with an ApiError exactly as the client does; none of them retries.
 */
import type { ApiClient } from './client';
import type {
  AccessGrant,
  Credentials,
  LoginResult,
  Me,
  MePatch,
  PasswordChange,
  RegisterInput,
} from './types';
import { uploadWithProgress, type UploadProgress, type XhrLike } from './upload';

/** The header every cookie-authenticated request must carry (CSRF defence). */
export const csrfHeader: Readonly<Record<string, string>> = { 'X-Parley-CSRF': '1' };

/** The path of the picture upload (multipart field `picture`). */
export const pictureUploadPath = '/users/me/picture';

/** POST /users: creates an unverified account and mails a verification link. */
export function register(api: ApiClient, input: RegisterInput): Promise<Me> {
  return api.post<Me>('/users', input);
}

/** POST /users/verify: marks the address verified; 400 for a bad or used code. */
export function verifyEmail(api: ApiClient, code: string): Promise<Me> {
  return api.post<Me>('/users/verify', { code });
}

/** POST /users/verify/resend: 202 whether or not the address exists; 429 when too often. */
export async function resendVerification(api: ApiClient, email: string): Promise<void> {
  await api.post<undefined>('/users/verify/resend', { email });
}

/** POST /auth/login: the access token and the user; sets the refresh cookie. */
export function login(api: ApiClient, credentials: Credentials): Promise<LoginResult> {
  return api.post<LoginResult>('/auth/login', credentials);
}

/** POST /auth/refresh: a new access token from the refresh cookie, which rotates. */
export function refreshAccess(api: ApiClient): Promise<AccessGrant> {
  return api.post<AccessGrant>('/auth/refresh', undefined, { headers: csrfHeader });
}

/** POST /auth/logout: ends this session on the server and clears the cookie. */
export async function logout(api: ApiClient): Promise<void> {
  await api.post<undefined>('/auth/logout');
}

/** POST /auth/password/forgot: 202 whether or not the address exists. */
export async function forgotPassword(api: ApiClient, email: string): Promise<void> {
  await api.post<undefined>('/auth/password/forgot', { email });
}

/** POST /auth/password/reset: sets a new password; every session of the user ends. */
export async function resetPassword(
  api: ApiClient,
  input: { code: string; password: string },
): Promise<void> {
  await api.post<undefined>('/auth/password/reset', input);
}

/** GET /users/me. */
export function getMe(api: ApiClient): Promise<Me> {
  return api.get<Me>('/users/me');
}

/** PATCH /users/me: sets the display name (null or "" clears it); resolves with the account as it is now. */
export function updateMe(api: ApiClient, patch: MePatch): Promise<Me> {
  return api.patch<Me>('/users/me', patch);
}

/** PUT /users/me/password: 403 when the current password is wrong. */
export async function changePassword(api: ApiClient, change: PasswordChange): Promise<void> {
  await api.put<undefined>('/users/me/password', change);
}

/** DELETE /users/me/picture: 404 when there is none. */
export async function removePicture(api: ApiClient): Promise<void> {
  await api.delete('/users/me/picture');
}

export interface PictureUpload {
  file: Blob;
  /** The access token to send, or null. */
  token: string | null;
  onProgress?: (p: UploadProgress) => void;
  signal?: AbortSignal;
  /** Prefix of the API; defaults to `/api/v1`. */
  baseUrl?: string;
  createXhr?: () => XhrLike;
}

/**
 * PUT /users/me/picture as multipart field `picture`, with upload progress.
 * Resolves with the updated Me; 400 when the file is not an image, 413 when
 * it is too large.
 */
export function uploadPicture(upload: PictureUpload): Promise<Me> {
  const body = new FormData();
  body.append('picture', upload.file, upload.file instanceof File ? upload.file.name : 'picture');
  return uploadWithProgress<Me>({
    method: 'PUT',
    url: `${upload.baseUrl ?? '/api/v1'}${pictureUploadPath}`,
    body,
    headers: upload.token ? { Authorization: `Bearer ${upload.token}` } : {},
    ...(upload.onProgress ? { onProgress: upload.onProgress } : {}),
    ...(upload.signal ? { signal: upload.signal } : {}),
    ...(upload.createXhr ? { createXhr: upload.createXhr } : {}),
  });
}
