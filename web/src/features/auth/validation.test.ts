import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/errors';
import {
  checkEmail,
  checkNewPassword,
  checkUsername,
  fieldErrorsFrom,
  formatWait,
  hasErrors,
  validateLogin,
  validatePasswordChange,
  validateRegister,
  validateReset,
} from './validation';

describe('checkUsername', () => {
  const ok = ['abc', 'maya.k', 'J_Doe-42', 'a'.repeat(32)];
  const bad: [string, string][] = [
    ['', 'Choose a username.'],
    ['ab', 'Use at least 3 characters.'],
    ['a'.repeat(33), 'Use at most 32 characters.'],
    ['with space', 'Use only letters, digits, dots, dashes and underscores.'],
    ['émile', 'Use only letters, digits, dots, dashes and underscores.'],
    ['x@y', 'Use only letters, digits, dots, dashes and underscores.'],
  ];
  for (const u of ok) {
    it(`accepts ${JSON.stringify(u)}`, () => expect(checkUsername(u)).toBeUndefined());
  }
  for (const [u, why] of bad) {
    it(`rejects ${JSON.stringify(u)}`, () => expect(checkUsername(u)).toBe(why));
  }
});

describe('checkEmail', () => {
  it('accepts ordinary, upper-case, long-TLD and local addresses', () => {
    for (const e of ['a@b.co', 'Maya.K@Example.COM', 'x@example.photography', 'root@localhost', ' a@b.c ']) {
      expect(checkEmail(e), e).toBeUndefined();
    }
  });
  it('rejects blanks and things that are not addresses', () => {
    expect(checkEmail('  ')).toBe('Enter your email address.');
    for (const e of ['maya', 'a@', '@b.c', 'a b@c.d', 'a@b@c', `${'a'.repeat(250)}@b.cd`]) {
      expect(checkEmail(e), e).toBe('Enter an email address like name@example.com.');
    }
  });
});

describe('checkNewPassword', () => {
  it('enforces 8 to 128 characters, counting characters rather than UTF-16 units', () => {
    expect(checkNewPassword('')).toBe('Choose a password.');
    expect(checkNewPassword('1234567')).toBe('Use at least 8 characters.');
    expect(checkNewPassword('12345678')).toBeUndefined();
    expect(checkNewPassword('x'.repeat(128))).toBeUndefined();
    expect(checkNewPassword('x'.repeat(129))).toBe('Use at most 128 characters.');
    // Four emoji are eight UTF-16 units but four characters.
    expect(checkNewPassword('🔑🔑🔑🔑')).toBe('Use at least 8 characters.');
  });
});

describe('form validators', () => {
  it('register reports every bad field at once', () => {
    expect(validateRegister({ username: 'a', email: 'nope', password: 'short' })).toEqual({
      username: 'Use at least 3 characters.',
      email: 'Enter an email address like name@example.com.',
      password: 'Use at least 8 characters.',
    });
    expect(hasErrors(validateRegister({ username: 'maya', email: 'm@x.io', password: 'longenough' }))).toBe(
      false,
    );
  });

  it('login checks only that a password is there, not its length', () => {
    expect(validateLogin({ email: 'm@x.io', password: 'short' })).toEqual({});
    expect(validateLogin({ email: '', password: '' })).toEqual({
      email: 'Enter your email address.',
      password: 'Enter your password.',
    });
  });

  it('reset requires the confirmation to match', () => {
    expect(validateReset({ password: 'newpassword', confirm: 'newpassw0rd' })).toEqual({
      confirm: 'The passwords do not match.',
    });
    expect(validateReset({ password: 'newpassword', confirm: '' })).toEqual({
      confirm: 'Enter the new password again.',
    });
    expect(validateReset({ password: 'newpassword', confirm: 'newpassword' })).toEqual({});
    // A too-short password is reported once, on its own field.
    expect(validateReset({ password: 'short', confirm: 'other' })).toEqual({
      password: 'Use at least 8 characters.',
    });
  });

  it('a password change needs the current password and a different new one', () => {
    expect(validatePasswordChange({ currentPassword: '', newPassword: 'x' })).toEqual({
      currentPassword: 'Enter your current password.',
      newPassword: 'Use at least 8 characters.',
    });
    expect(validatePasswordChange({ currentPassword: 'samesame', newPassword: 'samesame' })).toEqual({
      newPassword: 'Choose a password different from the current one.',
    });
    expect(validatePasswordChange({ currentPassword: 'oldpassword', newPassword: 'newpassword' })).toEqual(
      {},
    );
  });
});

describe('fieldErrorsFrom', () => {
  const err = new ApiError({
    status: 400,
    code: 'invalid',
    message: 'Some fields are not valid.',
    fields: { username: 'already taken', password: 'too short.', unknown: 'ignored' },
  });

  it('keeps the reasons for the form’s fields, as sentences', () => {
    expect(fieldErrorsFrom(err, ['username', 'email', 'password'])).toEqual({
      username: 'Already taken.',
      password: 'Too short.',
    });
  });

  it('renames server fields to the form’s names', () => {
    expect(fieldErrorsFrom(err, ['newPassword'], { password: 'newPassword' })).toEqual({
      newPassword: 'Too short.',
    });
  });
});

describe('formatWait', () => {
  const cases: [number | undefined, string][] = [
    [undefined, 'Please wait a moment and try again.'],
    [0, 'Please wait a moment and try again.'],
    [1, 'Please wait a moment and try again.'],
    [12, 'Please try again in 12 seconds.'],
    [59.2, 'Please try again in a minute.'],
    [60, 'Please try again in a minute.'],
    [61, 'Please try again in 2 minutes.'],
    [3599, 'Please try again in an hour.'],
    [3600, 'Please try again in an hour.'],
    [7300, 'Please try again in 3 hours.'],
  ];
  for (const [s, want] of cases) {
    it(`${String(s)} s → ${want}`, () => expect(formatWait(s)).toBe(want));
  }
});
