/**
 * The objects of the Parley API, mirroring API.md ("Objects" and "Accounts
 * and sessions"). Times are RFC 3339 strings, IDs UUID strings.
 *
 * Every type here comes from the contract, api/openapi.yaml, through the
 * generated schema.gen.ts (`npm run gen:api`), except where the client is
 * deliberately stricter (Message, MessagePage) or generic (Page); those are
 * checked against the contract in contract.check.ts, so drift fails
 * `npm run typecheck`.
 */
import type { components } from './schema.gen';

type Schemas = components['schemas'];

/** What anyone signed in may see of a user. `pictureUrl` is versioned and cacheable, or null for none. */
export type User = Schemas['User'];

/** The signed-in user's own account. */
export type Me = Schemas['Me'];

/** A short-lived access token and when it stops being accepted. */
export type AccessGrant = Schemas['TokenResponse'];

/** The answer to a successful sign-in; the refresh token arrives as a cookie. */
export type LoginResult = Schemas['LoginResponse'];

export type RegisterInput = Schemas['RegisterRequest'];

export type Credentials = Schemas['LoginRequest'];

export type PasswordChange = Schemas['PasswordChangeRequest'];

/** PATCH /users/me: the display name to set, or null (or "") to clear it. */
export type MePatch = Schemas['MePatch'];

/** The rights a member may be given (API.md "Member"); creators and admins hold all four. */
export type Rights = Schemas['Rights'];

export type RightName = keyof Rights;

export type Role = Schemas['Member']['role'];

/** A user's place in a group. */
export type Member = Schemas['Member'];

/** A group as its members see it; `me` is the caller's own membership. */
export type Group = Schemas['Group'];

/** `direct` for a one-to-one conversation (POST /direct); absent (an older server) means `group`. */
export type GroupKind = Schemas['GroupKind'];

/** GET /groups/{id}: the group with every member. */
export type GroupDetail = Schemas['GroupDetail'];

export type InviteStatus = Schemas['Invite']['status'];

export type Invite = Schemas['Invite'];

/** A page of a list that can grow (checked against InvitePage). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** PATCH /groups/{id}/members/{userId}: what to change (both optional). */
export type MemberPatch = Schemas['MemberPatch'];

/** A file attached to a message. */
export type Attachment = Schemas['Attachment'];

/**
 * A chat message. A deleted one keeps id, seq, authorId and createdAt with
 * empty text and attachments; one hidden by the caller keeps id and seq.
 *
 * Stricter than the contract (which marks most fields optional): every
 * value of this type is a valid contract Message, and both have the same
 * fields (contract.check.ts).
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
  /** When the text was last edited; absent when never. */
  editedAt?: string;
  /** The message this one answers, as it is now (resolved when read). */
  replyTo?: ReplyRef;
  /** One entry per distinct emoji, in the order each was first added. */
  reactions?: Reaction[];
  /** The members mentioned, in first-mention order. */
  mentions?: string[];
}

/** The quoted message of a reply: its current text cut to 100 characters, or deleted. */
export interface ReplyRef {
  id: string;
  seq: number;
  authorId: string;
  excerpt: string;
  deleted: boolean;
}

/** One emoji's reactions on a message: who, in the order they reacted. */
export interface Reaction {
  emoji: string;
  count: number;
  userIds: string[];
}

/** GET /groups/{id}/messages: a page, newest first (before) or oldest first (after). */
export interface MessagePage {
  items: Message[];
  hasMore: boolean;
}

/** POST /groups/{id}/uploads: where to PUT one file. */
export type UploadSlot = Schemas['UploadSlot'];

/** The state of one of a participant's tracks; `mutedBy` is a moderator's participantId, null for a self-mute. */
export type TrackState = Schemas['TrackState'];

/** One connection in a call (a user in two tabs is two participants). */
export type Participant = Schemas['Participant'];

/** GET /calls/{groupId}: whether a call is on, since when, and who is in it. */
export type CallState = Schemas['CallState'];
