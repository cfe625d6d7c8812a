// Package blob is the object storage port: user avatars, group pictures
// and message attachments (ARCHITECTURE.md §5 "Files").
//
// Store is the port. Browsers never send file bytes through the API: the
// message role issues a pre-signed PUT (PresignPut) that accepts exactly
// the declared size and content type, the browser uploads straight to
// storage, and downloads go through short-lived pre-signed GETs
// (PresignGet). Server-side code uses Put, Open, Stat and Delete, and
// DeletePrefix("groups/<id>/") when a group is deleted.
//
// Keys are validated identically by every adapter (ValidKey), as are sizes,
// content types, download names and URL lifetimes, so a caller sees the
// same errs.Invalid errors in every mode.
//
// Modes:
//
//   - Embedded (file://<data>/blobs, the default): FileStore keeps each
//     object as a file under <dir>/objects with its content type in a
//     sidecar file, writes atomically (temporary file, fsync, rename) and
//     signs URLs with HMAC-SHA256. The URLs point at this binary's own HTTP
//     server, where the node mounts FileStore.Handler at HandlerPrefix.
//     One process per directory: it is the single-node default.
//   - Distributed (s3://bucket?endpoint=…): package s3blob stores objects
//     in any S3-compatible service; the URLs are S3's own SigV4 pre-signed
//     URLs and browsers talk to the storage service directly.
//
// The contract both modes meet, including the HTTP behaviour of their
// signed URLs, is tested by package blobtest.
package blob
