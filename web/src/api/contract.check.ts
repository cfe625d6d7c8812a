/**
 * Compile-time checks that the hand-written API types which are not plain
 * aliases of the generated contract types (schema.gen.ts, from
 * api/openapi.yaml) still agree with the contract. Type-only: nothing here
 * exists at run time and nothing imports it; `npm run typecheck` compiles it,
 * so any drift between the contract and the client fails there.
 */
import type { components } from './schema.gen';
import type { KnownErrorCode } from './errors';
import type { Health } from './health';
import type { SendInput } from './messages';
import type { Invite, Message, MessagePage, Page } from './types';

type Schemas = components['schemas'];

/** Compiles only for `true`. */
type Assert<T extends true> = T;

/** A is assignable to B. */
type Extends<A, B> = [A] extends [B] ? true : false;

/** A and B are assignable to each other. */
type Mutual<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/** A and B name exactly the same fields. */
type SameKeys<A, B> = Mutual<keyof A, keyof B>;

/** A is stricter than B: assignable to it and with the same fields. */
type Stricter<A, B> = Extends<A, B> extends true ? SameKeys<A, B> : false;

/** One entry per check; a failing one is a compile error naming the line. */
export type ContractChecks = [
  // Message: every field present (the contract leaves most optional).
  Assert<Stricter<Message, Schemas['Message']>>,
  Assert<Stricter<MessagePage, Schemas['MessagePage']>>,
  Assert<Mutual<Page<Invite>, Schemas['InvitePage']>>,
  Assert<Mutual<SendInput, Schemas['SendMessageRequest']>>,
  // Every code the server sends is known; the client adds network_error and bad_response.
  Assert<Extends<Schemas['Error']['error']['code'], KnownErrorCode>>,
  Assert<Mutual<Exclude<KnownErrorCode, 'network_error' | 'bad_response'>, Schemas['Error']['error']['code']>>,
  // The client's Health is what it measures, not the body: it shares no field.
  Assert<Extends<keyof Health & keyof Schemas['Health'], never>>,
];
