// Package s3blob is the distributed adapter of the blob port: objects live
// in a bucket of any S3-compatible service (AWS S3, DigitalOcean Spaces,
// MinIO, SeaweedFS, versitygw…), reached with aws-sdk-go-v2 and opened by
// an s3:// URL (see Open).
//
// Browsers upload and download straight to and from the bucket with SigV4
// pre-signed URLs. An upload URL signs Content-Length and Content-Type, so
// the storage service itself refuses a different size or type; a download
// URL signs its Content-Disposition and Cache-Control response overrides.
// The bucket therefore needs a CORS rule allowing PUT and GET with a
// Content-Type header from the site's origin: Open sets a permissive one
// only on a bucket it creates (create=true, for development and tests);
// production operators set their own.
//
// Every instance of every role can use the same bucket at once: the store
// keeps no state of its own. It checksums only where S3 requires it
// (DeleteObjects), which keeps it compatible with servers that do not
// implement the newer CRC trailers.
package s3blob
