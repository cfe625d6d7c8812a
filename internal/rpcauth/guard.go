package rpcauth

import (
	"compress/gzip"
	"crypto/subtle"
	"errors"
	"io"
	"net/http"

	"connectrpc.com/connect"
)

// Limits of every internal RPC. The largest message today is a LastSeqs
// answer or request of 1000 group ids (about 40 KiB); the limits leave
// room for that and refuse anything that could only be an attack.
const (
	// MaxMessageBytes is the largest message a handler accepts, after
	// decompression.
	MaxMessageBytes = 1 << 20
	// MaxRequestBytes is the largest request body on the wire (framing
	// and compression included).
	MaxRequestBytes = MaxMessageBytes + 4<<10
)

// MinSecretLen is the shortest internal secret a process accepts.
const MinSecretLen = 16

var errRefused = errors.New("internal RPC: missing or wrong " + Header)

// Guard returns h behind the internal secret: a request without the
// secret in the X-Parley-Internal header is answered 401 (in the protocol
// the client speaks: Connect, gRPC or gRPC-Web) before its body is read,
// and the connection is closed; the body of an admitted request is capped
// at MaxRequestBytes. A guard with an empty secret refuses every request.
func Guard(secret []byte, h http.Handler) http.Handler {
	secret = append([]byte(nil), secret...)
	ew := connect.NewErrorWriter()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !validSecret(secret, r.Header.Get(Header)) {
			// Closing rather than draining: the body of a refused
			// request is never read, not even to reuse the connection.
			w.Header().Set("Connection", "close")
			_ = ew.Write(w, r, connect.NewError(connect.CodeUnauthenticated, errRefused))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, MaxRequestBytes)
		h.ServeHTTP(w, r)
	})
}

// validSecret compares got with secret in constant time; an empty secret
// matches nothing.
func validSecret(secret []byte, got string) bool {
	return len(secret) > 0 && subtle.ConstantTimeCompare([]byte(got), secret) == 1
}

// HandlerOptions are the options every internal Connect handler is built
// with: the secret check (a second line behind Guard), the message size
// limit after decompression, and a gzip whose decompressor never inflates
// more than that limit.
func HandlerOptions(secret []byte) []connect.HandlerOption {
	return []connect.HandlerOption{
		connect.WithInterceptors(ServerInterceptor(secret)),
		connect.WithReadMaxBytes(MaxMessageBytes),
		connect.WithCompression("gzip", newBoundedGzip, func() connect.Compressor { return gzip.NewWriter(io.Discard) }),
	}
}

// boundedGzip is a gzip decompressor that fails once it has produced more
// than MaxMessageBytes. Connect reads one byte beyond its limit to notice
// an oversized message and then drains the decompressor to report the
// size; this one stops that drain at once, so a small compressed body can
// never make the server inflate gigabytes.
type boundedGzip struct {
	zr   *gzip.Reader
	left int64
}

func newBoundedGzip() connect.Decompressor { return &boundedGzip{} }

// errInflated is what a boundedGzip returns once the limit is passed.
var errInflated = errors.New("internal RPC: message inflates beyond the limit")

func (b *boundedGzip) Read(p []byte) (int, error) {
	if b.zr == nil {
		return 0, io.ErrUnexpectedEOF
	}
	if b.left <= 0 {
		return 0, errInflated
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.zr.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *boundedGzip) Reset(r io.Reader) error {
	// One byte more than the limit, so that Connect sees the message is
	// too large (and reports resource exhausted) before this fails.
	b.left = MaxMessageBytes + 1
	if b.zr == nil {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return err
		}
		b.zr = zr
		return nil
	}
	return b.zr.Reset(r)
}

func (b *boundedGzip) Close() error {
	if b.zr == nil {
		return nil
	}
	return b.zr.Close()
}
