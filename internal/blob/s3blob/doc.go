// Package s3blob is the distributed adapter of the blob port: objects live
// in a bucket of any S3-compatible service (AWS S3, DigitalOcean Spaces,
// MinIO, SeaweedFS, versitygw…), reached with aws-sdk-go-v2 and opened by
// an s3:// URL (see Open).
//
// Browsers upload and download straight to and from the bucket with SigV4
// pre-signed URLs. An upload URL signs Content-Length, Content-Type and
// If-None-Match: *, so the storage service itself refuses a different size
// or type, and any PUT to a key that holds an object (an upload URL writes
// once); a download URL signs its Content-Disposition and Cache-Control
// response overrides. The bucket therefore needs a CORS rule allowing PUT
// and GET with the Content-Type and If-None-Match headers from the site's
// origin: Open sets a permissive one only on a bucket it creates
// (create=true, for development and tests); production operators set
// their own. The service must honour conditional writes (AWS S3 has since
// 2024; versitygw does); the contract suite checks it.
//
// Every instance of every role can use the same bucket at once: the store
// keeps no state of its own. It checksums only where S3 requires it
// (DeleteObjects), which keeps it compatible with servers that do not
// implement the newer CRC trailers.
package s3blob
