// Package picture is the image pipeline shared by user and group pictures:
// it recognises a PNG, JPEG, GIF or WebP upload by its content, bounds its
// size before decoding it, decodes it fully, scales it down to fit
// Side×Side pixels and re-encodes it, so that nothing of the upload but its
// pixels is ever stored or served. It also reads the one "picture" part of
// a multipart/form-data upload.
//
// The package is pure computation on the standard library and
// golang.org/x/image; it behaves the same in every mode. Where the bytes
// are stored (blob store) and which version is current (the role's
// database) is the calling role's business.
package picture
