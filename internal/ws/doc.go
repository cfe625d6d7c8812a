// Package ws is the chat WebSocket role: GET /api/v1/ws (API.md "Chat
// WebSocket"). It authenticates each connection with its first frame,
// publishes the messages its clients send to the bus (topic
// messages.submitted, author taken from the authenticated connection, never
// from the client), and fans the events of the messages, groups and calls
// topics, and its clients' typing hints (topic typing) and presence
// (topic presence), out to the connections they concern.
//
// # Connections
//
// A connection must send {"type":"auth","token":…} within Limits.AuthTimeout
// (10 s) or it is closed with 4001; a bad token also closes it with 4001.
// After auth the server loads the user's groups (Memberships) and the read
// state of each (Sequences.ReadStates: lastSeq, lastReadSeq, unread,
// mentions) and sends ready; from then on the connection is
// indexed by user and by group in the hub. A later auth frame with a fresh
// token of the same user extends the session; otherwise the connection is
// closed with 4001 when its token expires (an auth frame with a bad token, or
// with another user's token, closes it with 4001 at once; one that cannot be
// checked for now gets an error frame with code unavailable and the session
// keeps its expiry). When the first token or the groups cannot be checked
// for now (the key set, the group role or the message role is unreachable)
// the connection is closed with 1013 (try again later). Frames other than
// auth, message.send, read, typing, presence and ping get an error frame with code
// invalid and the connection stays open. A message.send
// that is malformed gets message.rejected with code invalid, one for a group
// the connection is not a member of gets not_found (a group the caller may
// not see is not found, as in the REST API), and one the bus does not accept
// gets unavailable. A message.send may carry replyToId and mentions
// (issue 13): ws checks their shape with the message role's own rule
// (messagerule.CanonicalRefs) and publishes them in canonical form; whether
// they name a message and members of the group is the message role's to
// check (a bad reply comes back as message.rejected from it).
//
// # Read state and typing (issue 14)
//
// A read frame {groupId, seq} is checked (seq a non-negative integer, the
// group one of the connection's) and handed to the message role with
// Sequences.MarkRead — a call, in-process or over the role's RPC, rather
// than a bus event, so that its refusal can be answered as an error frame
// at once; success answers nothing, since read.updated comes back through
// the messages topic to every session of the user, this one included. A
// typing frame {groupId} of a member is published on its own topic,
// "typing" (key groupId; lossy, no retention needed), at most once per
// TypingInterval (3 s) per group per connection — more are dropped
// silently — and every instance delivers it as {type: typing, groupId,
// userId} to the group's connections but the typist's own. A typing event
// older than TypingMaxAge (5 s) on arrival is dropped. Nothing of typing is
// stored.
//
// # Presence (issue 14)
//
// A user is online when one of his connections, on any instance, is
// active, away when all of them said away (client frame {type: presence,
// status: online|away}), offline when none is left. Each instance runs a
// state machine of its own users (presenceLocal): their status follows
// their connections at once but is announced once per
// PresenceLimits.Tick (1 s), in batches of at most 500 users, on the bus
// topic "presence" keyed by the instance's id (a random id per process
// start), so that a connection coming and going or a status flipped back
// within a tick announces nothing; a user whose last connection closed
// keeps his status for PresenceLimits.Grace (5 s), so that a reload or a
// reconnect to another instance makes no offline/online flap. Every
// instance (itself included) merges every instance's announcements into
// one view (presenceView: per user the highest status any instance holds,
// and the union of the groups it announced with him) and delivers each
// change of a user's merged status as {type: presence, userId, status} to
// its connections of the members of his groups, never to his own (a
// connection with more than 16 changes in one delivery gets them as one
// presence.batch frame instead, so that a cold start never overflows its
// queue; a user who joins a group gets a presence.batch of its members
// who are not offline); ready
// carries the view's users not offline who share a group with the
// connecting user. An instance with nothing to announce sends a heartbeat
// every PresenceLimits.Heartbeat (10 s); one silent for PresenceLimits.TTL
// (30 s) is taken for dead and its users leave the view (offline, unless
// another instance holds them); one that shuts down says so and its users
// leave after Grace. Each instance's events carry a seq: one met in the
// middle of its life, or a gap, makes the receiver ask every instance for
// its full state (at most every 10 s), which a starting instance asks for
// at once. Instances own their own entries, so the order of different
// instances' events never matters. Nothing of presence is stored: the
// cost is one bus event per instance per tick with changes, whatever the
// number of connections; a restarted instance's users, reconnecting
// elsewhere within the grace period or TTL, make no change at all.
//
// Each connection has one reader (the HTTP handler goroutine) and one writer
// goroutine that drains a bounded queue (Limits.SendQueue frames). Delivery
// into the queue never blocks: when it is full the client is too slow, the
// connection is closed with 1008 (policy violation, reason "too slow") and it
// reconnects and catches up with GET …/messages?after=lastSeq. Frames
// beyond Limits.ReadLimit (64 KiB) close the connection with 1009; more than
// Limits.RateBurst frames at once, refilled at Limits.RatePerSecond, close it
// with 4008. A ping goes out every Limits.PingInterval; a connection whose
// pong does not arrive within Limits.PongTimeout is dropped. Shutdown closes
// every connection with 1001.
//
// # Fan-out
//
// message.created, message.updated, message.deleted, reaction.added and
// reaction.removed go to every connection of the group's members;
// message.rejected, message.hidden and read.updated to the connections of
// the user they name; receipt.updated to the connections of the group's
// members its "to" list names (the message role's list of who may see
// it; not forwarded); group.updated, member.added/updated/removed and
// call.updated/ended to the group's members, invite.created to the invitee
// and invite.updated to inviter and invitee. member_added adds the group to
// the new member's connections (before member.added is delivered, so the new
// member receives it); member_removed delivers member.removed to the group,
// then removes the group from the removed user's connections and sends them
// group.deleted; group.deleted goes to the group's connections and to the
// members the event names, and removes the group everywhere. Events that do
// not decode are logged and skipped (event.Permanent); unknown types are
// ignored. Membership changes that arrive while a connection loads its
// groups are applied on top of what it loaded, whichever came first.
//
// Events of different topics are not ordered with each other: a
// message.created may reach this instance just before the member_added of
// its author's new member. Clients therefore fetch ?after=lastSeq of a
// group when they receive member.added for themselves, as after a gap.
//
// # Modes
//
// ws keeps no state beyond its live connections and needs no database. In
// the embedded mode it subscribes to the in-process memory bus; split, every
// ws instance subscribes to Kafka (event/kafkabus) with broadcast
// subscriptions (Group ""), so each instance sees every event and delivers it
// to its own connections. Memberships is the group role (in-process
// *group.Service or the RPC *group.Client) and Sequences the message role
// (in-process or RPC); the package never knows which. Events published
// while an instance was down are not replayed to it: its clients reconnect
// and fetch what they missed with ?after=lastSeq.
package ws
