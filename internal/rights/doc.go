// Package rights is the rights table of a group (ARCHITECTURE.md §6) as
// pure functions: the roles, the rights a member may be given, and Can,
// which decides whether one member may do an action to another. It is a
// leaf package so that every role that enforces a row of the table — group
// (members, invites), message (delete for everyone), webrtc (mute for
// everyone) — imports the same decision and nothing else of another role.
package rights
