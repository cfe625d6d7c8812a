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

/** The rights a member may be given (API.md "Member"); creators and admins hold all four. */
export interface Rights {
  addMembers: boolean;
  removeMembers: boolean;
  deleteMessages: boolean;
  muteMembers: boolean;
}

export type RightName = keyof Rights;

export type Role = 'creator' | 'admin' | 'member';

/** A user's place in a group. */
export interface Member {
  userId: string;
  username: string;
  pictureUrl: string | null;
  role: Role;
  rights: Rights;
  joinedAt: string;
}

/** A group as its members see it; `me` is the caller's own membership. */
export interface Group {
  id: string;
  name: string;
  pictureUrl: string | null;
  createdAt: string;
  creatorId: string;
  memberCount: number;
  me: Member;
}

/** GET /groups/{id}: the group with every member. */
export interface GroupDetail extends Group {
  members: Member[];
}

export type InviteStatus = 'pending' | 'accepted' | 'declined' | 'canceled';

export interface Invite {
  id: string;
  group: { id: string; name: string; pictureUrl: string | null };
  inviter: User;
  invitee: User;
  status: InviteStatus;
  createdAt: string;
  updatedAt: string;
}

/** A page of a list that can grow. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** PATCH /groups/{id}/members/{userId}: what to change (both optional). */
export interface MemberPatch {
  role?: 'admin' | 'member';
  rights?: Partial<Rights>;
}

/** A file attached to a message. */
export interface Attachment {
  key: string;
  name: string;
  size: number;
  contentType: string;
}

/**
 * A chat message. A deleted one keeps id, seq, authorId and createdAt with
 * empty text and attachments; one hidden by the caller keeps id and seq.
 */
export interface Message {
  id: string;
  groupId: string;
  seq: number;
  authorId: string;
  text: string;
  attachments: Attachment[];
  createdAt: string;
  clientMsgId: string | null;
  deleted: boolean;
  hidden: boolean;
}

/** GET /groups/{id}/messages: a page, newest first (before) or oldest first (after). */
export interface MessagePage {
  items: Message[];
  hasMore: boolean;
}

/** POST /groups/{id}/uploads: where to PUT one file. */
export interface UploadSlot {
  key: string;
  name: string;
  url: string;
  method: 'PUT';
  headers: Record<string, string>;
  expiresAt: string;
}
