/**
 * Checks for the account forms, mirroring the limits of API.md so most
 * mistakes are caught before a round trip. The server stays the authority:
 * its `fields` answer is shown the same way (see fieldErrorsFrom).
 * Each check returns the reason to show under the field, or undefined.
 */
import type { ApiError } from '../../api/errors';

export const limits = {
  usernameMin: 3,
  usernameMax: 32,
  passwordMin: 8,
  passwordMax: 128,
  emailMax: 254,
} as const;

/** Reasons by field name; a missing key means the field is fine. */
export type FieldErrors<K extends string = string> = Partial<Record<K, string>>;

/** Length in characters as people count them (code points, not UTF-16 units). */
function length(s: string): number {
  return [...s].length;
}

export function checkUsername(value: string): string | undefined {
  if (value === '') return 'Choose a username.';
  const n = length(value);
  if (n < limits.usernameMin) return `Use at least ${limits.usernameMin} characters.`;
  if (n > limits.usernameMax) return `Use at most ${limits.usernameMax} characters.`;
  if (!/^[A-Za-z0-9_.-]+$/.test(value)) {
    return 'Use only letters, digits, dots, dashes and underscores.';
  }
  return undefined;
}

export function checkEmail(value: string): string | undefined {
  const v = value.trim();
  if (v === '') return 'Enter your email address.';
  if (v.length > limits.emailMax || !/^[^\s@]+@[^\s@]+$/.test(v)) {
    return 'Enter an email address like name@example.com.';
  }
  return undefined;
}

/** For a password being chosen: the length rules apply. */
export function checkNewPassword(value: string): string | undefined {
  if (value === '') return 'Choose a password.';
  const n = length(value);
  if (n < limits.passwordMin) return `Use at least ${limits.passwordMin} characters.`;
  if (n > limits.passwordMax) return `Use at most ${limits.passwordMax} characters.`;
  return undefined;
}

/** For a password being entered: only its presence is checked. */
export function checkPassword(value: string): string | undefined {
  return value === '' ? 'Enter your password.' : undefined;
}

export function validateRegister(v: {
  username: string;
  email: string;
  password: string;
}): FieldErrors<'username' | 'email' | 'password'> {
  return compact({
    username: checkUsername(v.username),
    email: checkEmail(v.email),
    password: checkNewPassword(v.password),
  });
}

export function validateLogin(v: { email: string; password: string }): FieldErrors<'email' | 'password'> {
  return compact({ email: checkEmail(v.email), password: checkPassword(v.password) });
}

export function validateEmail(v: { email: string }): FieldErrors<'email'> {
  return compact({ email: checkEmail(v.email) });
}

export function validateReset(v: { password: string; confirm: string }): FieldErrors<'password' | 'confirm'> {
  const password = checkNewPassword(v.password);
  let confirm: string | undefined;
  if (v.confirm === '') confirm = 'Enter the new password again.';
  else if (password === undefined && v.confirm !== v.password) confirm = 'The passwords do not match.';
  return compact({ password, confirm });
}

export function validatePasswordChange(v: {
  currentPassword: string;
  newPassword: string;
}): FieldErrors<'currentPassword' | 'newPassword'> {
  const current = v.currentPassword === '' ? 'Enter your current password.' : undefined;
  let next = checkNewPassword(v.newPassword);
  if (next === undefined && v.newPassword === v.currentPassword) {
    next = 'Choose a password different from the current one.';
  }
  return compact({ currentPassword: current, newPassword: next });
}

/** True when at least one field has a reason. */
export function hasErrors(errors: FieldErrors): boolean {
  return Object.values(errors).some((v) => v !== undefined);
}

/**
 * The server's per-field reasons for the fields a form shows, renamed where
 * the form calls a field differently (`rename` maps server name → form name).
 * Reasons for fields the form does not show are left out.
 */
export function fieldErrorsFrom<K extends string>(
  err: ApiError,
  formFields: readonly K[],
  rename: Readonly<Record<string, K>> = {},
): FieldErrors<K> {
  const out: FieldErrors<K> = {};
  for (const [name, reason] of Object.entries(err.fields)) {
    const key = rename[name] ?? name;
    if ((formFields as readonly string[]).includes(key)) out[key as K] = sentence(reason);
  }
  return out;
}

/** Capitalizes a server reason and ends it with a full stop. */
function sentence(reason: string): string {
  const r = reason.trim();
  if (r === '') return r;
  const s = r.charAt(0).toUpperCase() + r.slice(1);
  return /[.!?]$/.test(s) ? s : `${s}.`;
}

function compact<K extends string>(errors: Record<K, string | undefined>): FieldErrors<K> {
  const out: FieldErrors<K> = {};
  for (const key of Object.keys(errors) as K[]) {
    const reason = errors[key];
    if (reason !== undefined) out[key] = reason;
  }
  return out;
}

/**
 * "Try again in …" for a Retry-After in seconds: exact seconds under a
 * minute, rounded-up minutes below an hour, hours beyond.
 */
export function formatWait(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds <= 1) {
    return 'Please wait a moment and try again.';
  }
  const s = Math.ceil(seconds);
  if (s < 60) return `Please try again in ${s} seconds.`;
  const m = Math.ceil(s / 60);
  if (m < 60) return m === 1 ? 'Please try again in a minute.' : `Please try again in ${m} minutes.`;
  const h = Math.ceil(m / 60);
  return h === 1 ? 'Please try again in an hour.' : `Please try again in ${h} hours.`;
}
