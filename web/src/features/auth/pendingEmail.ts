/**
 * The address just registered, kept in memory (not in web storage) so the
 * "check your email" page can name it and resend to it. After a reload it
 * is gone and that page asks for the address instead.
 */
let pending: string | null = null;

export function rememberPendingEmail(email: string): void {
  pending = email;
}

export function pendingEmail(): string | null {
  return pending;
}
