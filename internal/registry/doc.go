// Package registry is the SFU registry and room placement port
// (ARCHITECTURE.md §2, "SFU registry"): where each live SFU (webrtc role)
// can be reached and how loaded it is, and which SFU hosts each call.
//
// Every SFU sends a Heartbeat with its address and load every few seconds;
// it stays live for the registry's TTL after the last one and is dropped
// when it stops beating (a crash) or calls Deregister (a drain). A gateway
// asks Place(room) when a client joins a call: the room's current SFU when
// that SFU is live, else the least-loaded live SFU, claimed atomically — two
// gateways placing the same new room at the same moment get the same SFU,
// so a room is never split. The SFU calls Release when its room empties; a
// room whose SFU died is re-placed on the next Place.
//
// Modes: Memory (mem://) is the default and serves one process only
// (embedded mode, or one gateway with in-process SFUs); redisregistry
// (redis://) shares the registry between every gateway and SFU process of a
// deployment. Both pass registrytest.Run.
package registry
