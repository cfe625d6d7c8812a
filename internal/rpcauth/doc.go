// Package rpcauth is what every internal RPC (token, email, user lookups, group
// memberships, message sequences, and any internal endpoint added later)
// shares: the guard in front of each handler, the shared-secret check
// between roles and the one mapping between error kinds and Connect/gRPC
// codes.
//
// # The guard
//
// Internal RPC runs on the same HTTP port as the public API (Connect serves
// the gRPC, gRPC-Web and Connect protocols on net/http). Every internal
// handler is therefore mounted behind Guard, which, before a single byte of
// the request body is read:
//
//  1. refuses (401 unauthenticated, Connection: close) every request that
//     does not carry the internal secret in the X-Parley-Internal header,
//     compared in constant time; a guard without a secret refuses
//     everyone;
//  2. caps the body on the wire at MaxRequestBytes.
//
// The handler itself is built with HandlerOptions, which cap every message
// at MaxMessageBytes after decompression (connect.WithReadMaxBytes), replace
// Connect's gzip with one whose decompressor stops at that size instead of
// inflating the rest to count it, and keep the interceptor check as a
// second line.
//
// # Mounting an internal endpoint
//
// Roles never mount their RPC handlers themselves: the composition root
// does, in one place (internal/node, mountRPC), which applies both halves:
//
//	path, h := sfu.NewRPCHandler(svc, rpcauth.HandlerOptions(secret)...)
//	mux.Handle(path, rpcauth.Guard(secret, h))
//
// A new internal endpoint (an SFU control endpoint, say) goes through the
// same call. An endpoint that is not a Connect handler (a plain
// http.Handler) is still mounted behind Guard, and must bound what it reads
// itself (Guard already caps the body at MaxRequestBytes).
//
// # Modes
//
// Embedded (internal_secret empty): roles call each other in-process and
// the node mounts no internal RPC at all, so the public port serves none.
// Split: every process is given the same internal_secret (at least 16
// characters); the node mounts its roles' RPC behind the guard, clients add
// the secret with ClientInterceptor, and the ingress does not route RPC
// paths at all.
package rpcauth
