package ws

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net"
	"sync"

	gws "github.com/gobwas/ws"
)

// StatusCode is a WebSocket close code (RFC 6455 section 7.4).
type StatusCode = gws.StatusCode

// Close codes the server sends (API.md "Chat WebSocket").
const (
	StatusGoingAway       StatusCode = 1001
	StatusProtocolError   StatusCode = 1002
	StatusUnsupportedData StatusCode = 1003
	StatusPolicyViolation StatusCode = 1008
	StatusMessageTooBig   StatusCode = 1009
	StatusInternalError   StatusCode = 1011
	StatusTryAgainLater   StatusCode = 1013
)

// wireFrame returns payload as one unmasked, final text frame as it goes
// on the wire (header and payload in one slice): server frames are
// encoded once per event and shared by every connection they go to.
func wireFrame(op gws.OpCode, payload []byte) []byte {
	h := gws.Header{Fin: true, OpCode: op, Length: int64(len(payload))}
	n := gws.HeaderSize(h)
	out := make([]byte, n, n+len(payload))
	hb := bytes.NewBuffer(out[:0])
	_ = gws.WriteHeader(hb, h) // a bytes.Buffer does not fail
	return append(hb.Bytes(), payload...)
}

// closeFrame is a close frame with code and reason (at most 123 bytes).
func closeFrame(code StatusCode, reason string) []byte {
	if len(reason) > 123 {
		reason = reason[:123]
	}
	return wireFrame(gws.OpClose, gws.NewCloseFrameBody(code, reason))
}

// encodeFrame encodes v as JSON (leaving <, > and & as they are) and
// returns it as a wire text frame.
func encodeFrame(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return wireFrame(gws.OpText, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))), nil
}

// framePayload returns the payload of a wire frame made by wireFrame.
func framePayload(f []byte) []byte {
	switch n := f[1] & 0x7f; {
	case n < 126:
		return f[2:]
	case n == 126:
		return f[4:]
	default:
		return f[10:]
	}
}

var pingFrame = wireFrame(gws.OpPing, nil)

// readers lends the read side a buffered reader only while it reads; an
// idle connection holds none.
var readers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 4096) }}

// batches lends the write side the slice of frames it writes in one
// vectored write.
var batches = sync.Pool{New: func() any { s := make(net.Buffers, 0, 64); return &s }}

// prefixReader reads the bytes left in the hijacked connection's buffer
// (rare: a client that sent frames before the handshake's answer), then
// the connection.
type prefixReader struct {
	c *conn
}

func (p prefixReader) Read(b []byte) (int, error) {
	if len(p.c.early) > 0 {
		n := copy(b, p.c.early)
		p.c.early = p.c.early[n:]
		if len(p.c.early) == 0 {
			p.c.early = nil
		}
		return n, nil
	}
	return p.c.nc.Read(b)
}

var _ io.Reader = prefixReader{}
