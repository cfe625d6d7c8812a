// Package rtcgateway is the webrtc-gateway role: the public entry of calls
// (API.md "Call signalling WebSocket", api/websocket.md).
//
// GET /api/v1/calls/{groupId}/ws: the gateway reads the first frame (auth
// within 10 s, else close 4001), verifies the token, asks the group role
// whether the user is a member (else error not_found and close 4004), asks
// the registry which SFU hosts the room — placing it on the least-loaded
// live SFU when it is new, atomically — and relays every later frame to
// that SFU and every SFU frame back, unchanged. The gateway keeps the
// edge's limits (frames up to 128 KiB, else 1009; 100 in a burst refilled
// at 50 per second, else 4008; binary frames get error invalid), handles
// later auth frames itself (a fresh token of the same user extends the
// session; without one the socket closes with 4001 at the token's expiry),
// and closes sockets with 1001 on shutdown. A close by the SFU passes its
// code on; an SFU connection that breaks without one gets the client
// error unavailable and close 1013, so that it rejoins (and is placed on a
// live SFU).
//
// GET /api/v1/calls/{groupId}: members only (404 otherwise); the state
// comes from the SFU that hosts the room, or is inactive.
//
// Modes: when the room's SFU runs in this process (always in embedded
// mode) the gateway opens the participant in-process (sfu.Server.Open);
// otherwise it dials the SFU's internal endpoint at the address the SFU
// registered, with the internal secret. The gateway keeps no state of its
// own: any number of instances may run behind the ingress.
package rtcgateway
