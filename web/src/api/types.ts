/**
 * The account objects of the Parley API, mirroring API.md ("Objects" and
 * "Accounts and sessions"). Times are RFC 3339 strings, IDs UUID strings.
 * When api/openapi.yaml exists these types are to be generated from it.
 */

/** What anyone signed in may see of a user. */
export interface User {
  id: string;
  username: string;
  /** Where the picture is served (versioned, cacheable), or null for none. */
  pictureUrl: string | null;
}

/** The signed-in user's own account. */
export interface Me extends User {
  email: string;
  emailVerified: boolean;
  createdAt: string;
}

/** A short-lived access token and when it stops being accepted. */
export interface AccessGrant {
  accessToken: string;
  expiresAt: string;
}

/** The answer to a successful sign-in; the refresh token arrives as a cookie. */
export interface LoginResult extends AccessGrant {
  user: Me;
}

export interface RegisterInput {
  username: string;
  email: string;
  password: string;
}

export interface Credentials {
  email: string;
  password: string;
}

export interface PasswordChange {
  currentPassword: string;
  newPassword: string;
}
