package blob

import (
	"context"
	"io"
	"mime"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/parleychat/parley/internal/errs"
)

// Limits every Store enforces, so that callers see the same behaviour on
// every adapter.
const (
	// MaxKeyLen is the longest key, in bytes.
	MaxKeyLen = 512
	// MaxSegmentLen is the longest part of a key between slashes, so that
	// every part fits in a file name on any file system (255 bytes) with
	// room for a suffix.
	MaxSegmentLen = 200
	// MaxSize is the largest object, in bytes: the largest single PUT that
	// S3 accepts (5 GiB).
	MaxSize int64 = 5 << 30
	// MinTTL and MaxTTL bound the lifetime of a signed URL. S3 counts
	// expiry in whole seconds and refuses more than seven days.
	MinTTL = time.Second
	MaxTTL = 7 * 24 * time.Hour
	// maxContentTypeLen and maxDownloadNameLen bound the two strings that
	// end up in response headers.
	maxContentTypeLen  = 255
	maxDownloadNameLen = 255
)

// Info describes a stored object.
type Info struct {
	Key         string
	Size        int64
	ContentType string
	// ModTime is when the object was last written. Its precision depends
	// on the adapter (S3 keeps whole seconds).
	ModTime time.Time
}

// SignedRequest is a pre-signed HTTP request a client (usually a browser)
// makes straight to storage, without credentials of its own.
type SignedRequest struct {
	URL    string
	Method string
	// Headers are the headers the client MUST send with exactly these
	// values: Content-Type and If-None-Match: * for a PUT. Content-Length
	// is not listed because
	// HTTP clients set it themselves (browsers refuse to let scripts set
	// it); it is nevertheless part of what a PUT URL was signed for.
	Headers map[string]string
	// ExpiresAt is when the URL stops working. It is never later than the
	// requested time to live allows.
	ExpiresAt time.Time
}

// Store is the object storage port. Implementations: FileStore in this
// package (file://, the embedded default) and s3blob (s3://).
//
// Every method validates its key with ValidKey (and its other arguments
// with the checks below) and returns an errs.Invalid error before touching
// storage when one is wrong. Errors that classify as errs.NotFound mean the
// object does not exist; other errors are infrastructure failures.
type Store interface {
	// Put stores exactly size bytes read from r under key, replacing any
	// object there. If r yields fewer or more than size bytes, Put returns
	// an errs.Invalid error and the key keeps its previous state. Readers
	// never see a partially written object.
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error
	// Open returns the object's content and description. The caller closes
	// the reader. A missing object is an errs.NotFound error.
	Open(ctx context.Context, key string) (io.ReadCloser, Info, error)
	// Stat describes the object. A missing object is an errs.NotFound error.
	Stat(ctx context.Context, key string) (Info, error)
	// Delete removes the object. Deleting a missing object succeeds.
	Delete(ctx context.Context, key string) error
	// DeletePrefix removes every object whose key starts with prefix (a
	// plain string prefix, as in S3: "groups/42/" removes "groups/42/a"
	// but not "groups/421/a"). The prefix must be non-empty; see
	// ValidPrefix. Objects written while it runs may survive.
	DeletePrefix(ctx context.Context, prefix string) error
	// PresignPut returns a PUT request that stores an object under key and
	// accepts only a body of exactly size bytes sent with exactly the
	// Content-Type contentType, until ttl has passed, and only while key
	// holds no object: the URL writes once (a second PUT, even after the
	// first was read, is refused with 412 and changes nothing). Anything
	// else is refused with a 4xx status and stores nothing. size must be
	// at least 1 (see ValidUploadSize): S3's presigner cannot pin an empty
	// body.
	PresignPut(ctx context.Context, key string, size int64, contentType string, ttl time.Duration) (SignedRequest, error)
	// PresignGet returns a GET request that downloads the object until ttl
	// has passed. When downloadName is not empty the response carries
	// Content-Disposition: attachment with that file name (see
	// ContentDisposition); otherwise the object is served inline.
	PresignGet(ctx context.Context, key string, ttl time.Duration, downloadName string) (SignedRequest, error)
	// Ping reports whether storage is reachable and usable (for /readyz).
	Ping(ctx context.Context) error
}

// ValidKey reports whether key may name an object: 1–512 characters of
// [A-Za-z0-9/_.-], not starting with "/", with no empty, "." or ".."
// segment and no segment longer than MaxSegmentLen. The rule keeps keys
// portable across S3 and file systems and makes them safe to place in URL
// paths and file paths unescaped. It returns an errs.Invalid error
// otherwise.
func ValidKey(key string) error {
	if key == "" || len(key) > MaxKeyLen {
		return errs.Field("key", "must be 1 to 512 characters")
	}
	if !keyChars(key) {
		return errs.Field("key", "may contain only letters, digits and / _ . -")
	}
	for seg := range strings.SplitSeq(key, "/") {
		switch seg {
		case "":
			return errs.Field("key", "must not start or end with / or contain //")
		case ".", "..":
			return errs.Field("key", "must not contain . or .. segments")
		}
		if len(seg) > MaxSegmentLen {
			return errs.Field("key", "parts between slashes must be at most 200 characters")
		}
	}
	return nil
}

// ValidPrefix reports whether prefix may select objects for DeletePrefix:
// a non-empty string that is a valid key, or a valid key followed by "/".
// The empty prefix (every object) is refused on purpose.
func ValidPrefix(prefix string) error {
	if prefix == "" {
		return errs.Field("prefix", "must not be empty")
	}
	k := strings.TrimSuffix(prefix, "/")
	if k == "" || ValidKey(k) != nil {
		return errs.Field("prefix", "must be a valid key, optionally followed by /")
	}
	return nil
}

func keyChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '/', c == '_', c == '.', c == '-':
		default:
			return false
		}
	}
	return true
}

// ValidSize reports whether size is a possible object size (0 to MaxSize).
func ValidSize(size int64) error {
	switch {
	case size < 0:
		return errs.Field("size", "must not be negative")
	case size > MaxSize:
		return &errs.Error{Kind: errs.TooLarge, Message: "size: larger than the largest object storage accepts", Fields: map[string]string{"size": "too large"}}
	}
	return nil
}

// ValidUploadSize reports whether size may be declared for a signed
// upload: 1 to MaxSize. An empty upload is refused because an S3 URL for
// it could not be signed with its length and type, and would accept any
// body.
func ValidUploadSize(size int64) error {
	if size == 0 {
		return errs.Field("size", "must be at least 1 byte")
	}
	return ValidSize(size)
}

// ValidContentType reports whether ct is a well-formed media type
// ("image/png", "text/plain; charset=utf-8") of at most 255 bytes with no
// control characters. The value is stored and compared byte for byte.
func ValidContentType(ct string) error {
	if ct == "" || len(ct) > maxContentTypeLen {
		return errs.Field("contentType", "must be 1 to 255 characters")
	}
	for i := 0; i < len(ct); i++ {
		if ct[i] < 0x20 || ct[i] >= 0x7f {
			return errs.Field("contentType", "must be printable ASCII")
		}
	}
	if _, _, err := mime.ParseMediaType(ct); err != nil {
		return errs.Field("contentType", "is not a media type")
	}
	return nil
}

// ValidDownloadName reports whether name may be offered as a download's
// file name: empty (no name), or at most 255 bytes of valid UTF-8 with no
// control characters and no invisible format characters (a bidi override
// such as U+202E makes "invoice‮fdp.exe" display as "invoiceexe.pdf").
// Services should check file names with it when they accept an upload, so
// that a later download cannot fail.
func ValidDownloadName(name string) error {
	if len(name) > maxDownloadNameLen {
		return errs.Field("name", "must be at most 255 bytes")
	}
	if !utf8.ValidString(name) {
		return errs.Field("name", "must be valid UTF-8")
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return errs.Field("name", "must not contain control characters")
		}
		if unicode.Is(unicode.Cf, r) && r != '\u200c' && r != '\u200d' {
			return errs.Field("name", "must not contain invisible formatting or text-direction characters")
		}
	}
	return nil
}

// ValidTTL reports whether ttl is a usable lifetime for a signed URL
// (MinTTL to MaxTTL).
func ValidTTL(ttl time.Duration) error {
	if ttl < MinTTL || ttl > MaxTTL {
		return errs.Field("ttl", "must be between 1 second and 7 days")
	}
	return nil
}

// ContentDisposition returns the Content-Disposition value for a download:
// "inline" when name is empty, else "attachment" with an ASCII fallback
// filename and the exact name in RFC 5987 form (filename* with the UTF-8
// bytes percent-encoded), which every current browser prefers. name must
// pass ValidDownloadName.
func ContentDisposition(name string) string {
	if name == "" {
		return "inline"
	}
	var fallback, ext strings.Builder
	for _, r := range name {
		if r < 0x7f && r >= 0x20 && r != '"' && r != '\\' && r != '%' {
			fallback.WriteRune(r)
		} else {
			fallback.WriteByte('_')
		}
	}
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(name); i++ {
		c := name[i]
		if attrChar(c) {
			ext.WriteByte(c)
		} else {
			ext.WriteByte('%')
			ext.WriteByte(hex[c>>4])
			ext.WriteByte(hex[c&0xf])
		}
	}
	return `attachment; filename="` + fallback.String() + `"; filename*=UTF-8''` + ext.String()
}

// attrChar reports whether c may appear unescaped in an RFC 5987 value.
func attrChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$&+-.^_`|~", c) >= 0
}

// ExactReader returns a reader that yields what r yields, provided r holds
// exactly size bytes. If r ends early it fails with an errs.Invalid error;
// if r holds more, it fails before handing out the last byte, so a
// consumer that streams it (an upload) never completes with a truncated or
// overlong body.
func ExactReader(r io.Reader, size int64) io.Reader {
	return &exactReader{r: r, left: size}
}

type exactReader struct {
	r    io.Reader
	left int64
	err  error
}

func (e *exactReader) Read(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	if e.left == 0 {
		if err := e.probeEOF(); err != nil {
			return 0, err
		}
		return 0, io.EOF
	}
	if int64(len(p)) > e.left {
		p = p[:e.left]
	}
	n, err := e.r.Read(p)
	e.left -= int64(n)
	switch {
	case e.left == 0:
		// Check for excess before giving out the final bytes.
		if perr := e.probeEOF(); perr != nil {
			return 0, perr
		}
		return n, nil
	case err == io.EOF:
		e.err = errs.E(errs.Invalid, "body is shorter than its declared size")
		return n, e.err
	case err != nil:
		e.err = err
		return n, err
	}
	return n, nil
}

// probeEOF reads one more byte and fails when there is one.
func (e *exactReader) probeEOF() error {
	var b [1]byte
	for range 100 {
		n, err := e.r.Read(b[:])
		if n > 0 {
			e.err = errs.E(errs.Invalid, "body is longer than its declared size")
			return e.err
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			e.err = err
			return err
		}
	}
	e.err = io.ErrNoProgress
	return e.err
}
