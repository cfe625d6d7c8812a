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
// # Connections without goroutines (issue 11)
//
// The upgrade is gobwas/ws's on the hijacked socket, with no extension
// (permessage-deflate off); the framing is the package's own, on gobwas/ws's
// headers. An idle connection holds no goroutine and no buffer: its socket
// is registered with one epoll instance per process (poll_linux.go,
// EPOLLONESHOT), and when it becomes readable a short-lived goroutine
// borrows a 4 KiB reader from a pool, reads and serves the frames that
// arrived, re-arms the socket and ends. A frame that is begun must be
// complete within Limits.FrameTimeout (10 s), else the connection is closed
// with 1008 ("incomplete frame"): half a frame holds one goroutine that
// long and never blocks other connections. Where the socket has no fd
// (net.Pipe, TLS terminated in process, non-Linux) a goroutine per
// connection reads instead, with the same behaviour. Client frames must be
// masked and unfragmented, without reserved bits, control frames at most
// 125 bytes; anything else closes with 1002 (1003 for a fragmented
// message). A client ping is answered with a pong of its payload, a client
// close with a close of its code, then the socket is closed; a close the
// server starts closes the socket when the client answers it, or after 5 s
// (after a refused frame the server reads no further: it half-closes and
// discards what still comes for those 5 s, so that the close frame is not
// lost to a reset).
//
// Outgoing frames are encoded once per event, header included (server
// frames are unmasked), and the same bytes are queued for every connection
// they go to. Each connection has a bounded queue (Limits.SendQueue
// frames); a writer goroutine runs only while it is not empty and writes
// every frame queued at that moment in one vectored write (several
// WebSocket frames per syscall), each write bounded by Limits.WriteTimeout,
// past which the connection is dropped. Delivery into the queue never
// blocks: when it is full the client is too slow, the queue is dropped and
// the connection is closed with 1008 (policy violation, reason "too slow");
// it reconnects and catches up with GET …/messages?after=lastSeq. Frames
// beyond Limits.ReadLimit (64 KiB) close the connection with 1009; more
// than Limits.RateBurst frames at once, refilled at Limits.RatePerSecond,
// close it with 4008. A ping goes out every Limits.PingInterval (a timer,
// not a goroutine); a connection whose pong does not arrive within
// Limits.PongTimeout is dropped. Shutdown closes every connection with 1001
// and waits until each has answered or was dropped.
//
// message.created and message.updated carry the lean Message (API
// websocket page): the top-level fields at their default (null, false, "",
// [], {}) are left out, the others keep their names and order.
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
