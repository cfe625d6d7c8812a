// Package sfu is the webrtc role: a selective forwarding unit on pion
// (API.md "Call signalling WebSocket", api/websocket.md). It hosts the
// calls (rooms) placed on it, keeps one PeerConnection per participant,
// and forwards each participant's audio, camera and screen to the others.
//
// # Signalling
//
// A participant is one call connection; Open starts one for a user the
// gateway authenticated, and the gateway feeds it the client's frames.
// Each participant has one goroutine that owns its PeerConnection and
// makes every signalling decision, so nothing there races: the server is
// always the offerer; at most one offer is outstanding; changes made
// meanwhile (others joining or leaving, a screen share) are coalesced into
// the next offer, sent once the answer arrives (bursts within 20 ms are
// coalesced too). The first offer after join has one receiving m-line per
// announced kind; forwarded tracks get sendonly m-lines, announced with a
// track frame before the offer; an m-line freed by a track that stopped is
// reused once the offer marking it inactive was answered. Client
// candidates that arrive before their description are queued.
//
// # Media
//
// All PeerConnections share one UDP socket (rtc_udp_addr, pion's UDP mux);
// rtc_public_ip replaces the host address in candidates behind a 1:1 NAT.
// Codecs are Opus and VP8. Interceptors: NACK generator (towards
// publishers), RTCP sender and receiver reports, TWCC feedback to
// publishers and transport-wide sequence numbers to subscribers (without
// them browsers send REMB from a slowly ramping receive-side estimate,
// which held the layer choice down). Subscribers' NACKs are answered by their downtracks from the
// last 512 video packets each sent: references to the packets read from
// the publisher, shared, not copies. Each published track (uptrack) is read
// by one goroutine that hands each packet, uncopied, to its downtracks,
// which send it on that goroutine (no goroutine or queue per subscriber):
// a send encrypts and hands the datagram to the non-blocking UDP socket
// all subscribers share, so it never waits for one subscriber.
// A downtrack rewrites SSRC, payload type and sequence numbers (no gap
// where it was disabled), and across simulcast layer switches timestamps
// and the VP8 descriptor's picture id, TL0PICIDX and KEYIDX (vp8.go: the
// subscriber sees one stream), drops the publisher's header extensions, and
// relays the subscriber's keyframe requests to the publisher, at most one
// per 500 ms per track; a keyframe is also requested when a subscriber
// starts or resumes a video track — never periodically.
//
// # Mutes and rights
//
// Mutes are enforced by gating downtracks: a muted track's packets are not
// forwarded to anyone (own mute, moderator's mute), or to one subscriber
// ("mute for me", subscribe). A moderator's mute is decided by rights.Can
// (ARCHITECTURE.md §6), holds for the target user (every participant of
// theirs, and a rejoin) until a moderator lifts it or the call ends; a
// moderator's video mute also stops the user's screen share. Membership,
// role and rights come from the group role at join (Members) and then from
// the groups topic (a broadcast subscription): a member removed from the
// group, or a deleted group, ends those participants with error not_found
// and close 4004 — also while their join is checking membership — and a
// changed role or right applies to the next moderate.
//
// # Calls, registry, modes
//
// A room lives while it has participants. Every join and leave publishes
// call.updated on the calls topic (coalesced, in order, with capped
// retries), and the last leave call.ended; the ws role delivers them to
// the group's members. The SFU heartbeats its address and load to the
// registry; before hosting a new room it claims it there, and sends a
// joiner that was placed just before the room moved elsewhere to rejoin,
// so that a call is never split; an emptied room's claim is released.
// Shutdown deregisters, tells every client to rejoin (error unavailable,
// close 1012) and waits for the sessions to end.
//
// In embedded mode the gateway of the same process opens participants
// in-process; split, gateways reach InternalHandler (a WebSocket per
// participant and the call state) with the internal secret.
package sfu
