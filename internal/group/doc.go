// Package group is the group role (ARCHITECTURE.md §1): groups, their
// members with a role (creator, admin, member) and rights, invites, group
// pictures, and a projection of the verified users it may show or invite.
//
// Every rule of the rights table (ARCHITECTURE.md §6) is one decision
// function, rights.Can (the leaf package shared with the message and webrtc
// roles), that the service consults before every change; the HTTP
// layer (API.md "Groups, members, invites") only translates. Non-members
// are told a group does not exist (404), never that they may not see it.
//
// Direct conversations (issue 14, direct.go) are groups of kind "direct":
// POST /direct gives the pair of users their one conversation, made on the
// first start (a unique key on the ordered pair decides concurrent starts
// on any number of instances) and opened on every later one. Both are
// plain members without rights, so the rights table itself leaves each only
// their own messages and the right to leave; the endpoints that change a
// group refuse a direct conversation with 403 first, saying why. Leaving is
// Element's: the other keeps the conversation and may still write; the
// next start by either brings back whoever left. Creating one is limited
// per user (Config.Limiter; shared across instances with a Redis limiter).
// Other roles need not know the kind: the memberships they read already
// carry the fixed rights, and Group in the events carries Kind.
//
// Every change is written with its event (topic "groups", keyed by group
// id; the payloads are the leaf package groupevent) in one transaction
// through the outbox; the node's relay publishes them. The user
// projection (username, display name, picture URL) consumes topic "users"
// (consumer group "group") and is idempotent: an event older than what a
// row already reflects changes nothing, so duplicates and replays are
// harmless. Members and invites show users as the projection holds them
// when they are read; a new name or picture emits nothing on "groups"
// (clients that hold a member list learn it when they read it again).
// When it misses a user that creates a group or is invited, the role asks
// the owner (Config.Users: the user role in-process, or over its RPC) and
// fills the row, so that a user who has just verified never waits for the
// bus (read-your-writes across roles).
//
// Other roles ask for memberships through the Memberships interface: in
// one process the *Service itself, across processes the RPC *Client
// (GroupService, api/proto/parley/group/v1), served by NewRPCHandler.
//
// Modes: the store is SQLite (embedded) or MySQL/MariaDB (split), the
// same SQL on both; pictures go to the blob store (local files or S3).
// Nothing here knows which mode it runs in, and several instances may
// share one database.
package group
