// Package groupevent is the group role's event contract: the topic
// "groups", its event types and their JSON payloads, with the wire types
// they carry (Group, Member, Invite, User). Roles that consume the topic
// (message, ws, webrtc) import this leaf package, never the group role
// itself (STYLE.md §6).
package groupevent
