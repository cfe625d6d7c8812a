// Package wsconn wraps a WebSocket (coder/websocket) for the call roles: a
// bounded send queue with one writer goroutine, so that sending never
// blocks the caller; a close that first writes what was queued before it
// (an error frame, then the close code); and pings that drop a peer whose
// pongs stop. The webrtc-gateway uses it for the client's socket and for
// its socket to a remote SFU; the SFU for its internal endpoint.
package wsconn

import (
	"context"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// Options bound a connection. Zero values take the defaults named.
type Options struct {
	SendQueue    int           // frames queued (512); beyond, the peer is too slow: close 1008
	WriteTimeout time.Duration // one write (10 s), else the connection is dropped
	PingInterval time.Duration // between pings (25 s); negative: no pings
	PongTimeout  time.Duration // a pong must arrive within (35 s)
	ReadLimit    int64         // largest frame read (128 KiB), else close 1009
}

func (o Options) withDefaults() Options {
	if o.SendQueue <= 0 {
		o.SendQueue = 512
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 10 * time.Second
	}
	if o.PingInterval == 0 {
		o.PingInterval = 25 * time.Second
	}
	if o.PongTimeout <= 0 {
		o.PongTimeout = 35 * time.Second
	}
	if o.ReadLimit <= 0 {
		o.ReadLimit = 128 << 10
	}
	return o
}

// Conn is a WebSocket with a send queue. Read from one goroutine; Send and
// Close from any.
type Conn struct {
	ws    *websocket.Conn
	opt   Options
	queue chan []byte

	closeOnce sync.Once
	closeReq  chan closeReq
	done      chan struct{} // closed when the writer has finished
}

type closeReq struct {
	code   websocket.StatusCode
	reason string
}

// New wraps ws and starts its writer (and pinger).
func New(ws *websocket.Conn, opt Options) *Conn {
	opt = opt.withDefaults()
	ws.SetReadLimit(opt.ReadLimit)
	c := &Conn{ws: ws, opt: opt, queue: make(chan []byte, opt.SendQueue), closeReq: make(chan closeReq, 1), done: make(chan struct{})}
	go c.write()
	if opt.PingInterval > 0 {
		go c.ping()
	}
	return c
}

// Send queues a text frame. It never blocks: when the queue is full the
// connection is closed with 1008 ("too slow").
func (c *Conn) Send(frame []byte) {
	select {
	case <-c.done:
		return
	default:
	}
	select {
	case c.queue <- frame:
	default:
		c.Close(int(websocket.StatusPolicyViolation), "too slow")
	}
}

// Close writes what is queued, then closes with code and reason. It does
// not block; only the first call has effect.
func (c *Conn) Close(code int, reason string) {
	c.closeOnce.Do(func() {
		c.closeReq <- closeReq{websocket.StatusCode(code), reason}
	})
}

// Done is closed once the connection is closed and its writer stopped.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Read returns the next frame. Its context must not be cancelled while a
// Read is pending unless the connection is to be dropped.
func (c *Conn) Read(ctx context.Context) (websocket.MessageType, []byte, error) {
	return c.ws.Read(ctx)
}

// CloseNow drops the connection without a close handshake.
func (c *Conn) CloseNow() { _ = c.ws.CloseNow() }

func (c *Conn) write() {
	defer close(c.done)
	for {
		select {
		case b := <-c.queue:
			if !c.writeOne(b) {
				_ = c.ws.CloseNow()
				return
			}
		case r := <-c.closeReq:
			for {
				select {
				case b := <-c.queue:
					if !c.writeOne(b) {
						_ = c.ws.CloseNow()
						return
					}
					continue
				default:
				}
				break
			}
			_ = c.ws.Close(r.code, r.reason)
			return
		}
	}
}

func (c *Conn) writeOne(b []byte) bool {
	ctx, cancel := context.WithTimeout(context.Background(), c.opt.WriteTimeout)
	defer cancel()
	return c.ws.Write(ctx, websocket.MessageText, b) == nil
}

func (c *Conn) ping() {
	t := time.NewTicker(c.opt.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), c.opt.PongTimeout)
			err := c.ws.Ping(ctx)
			cancel()
			if err != nil {
				select {
				case <-c.done:
				default:
					_ = c.ws.CloseNow()
				}
				return
			}
		}
	}
}
