package rtcgateway

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/coder/websocket"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/sfu"
	"github.com/parleychat/parley/internal/wsconn"
)

// open places the room and opens the participant's session on its SFU:
// in-process when the SFU is this process's, else over the SFU's internal
// WebSocket.
func (g *Gateway) open(ctx context.Context, gid, userID string, c client) (sfu.Session, error) {
	pctx, cancel := context.WithTimeout(ctx, g.lim.CallTimeout)
	defer cancel()
	in, err := g.reg.Place(pctx, gid)
	if err != nil {
		return nil, err
	}
	if g.local != nil && in.ID == g.local.ID() {
		return g.local.Open(gid, userID, c), nil
	}
	if in.Addr == "" {
		return nil, errs.E(errs.Unavailable, "the call's server cannot be reached from here")
	}
	return g.dial(pctx, in.Addr, gid, userID, c)
}

// remote is a session on an SFU of another process: client frames go to
// the SFU's socket, the SFU's frames to the client.
type remote struct {
	sfu *wsconn.Conn
}

func (r remote) Receive(b []byte) { r.sfu.Send(b) }
func (r remote) Gone()            { r.sfu.Close(sfu.CloseNormal, "client left") }

func (g *Gateway) dial(ctx context.Context, addr, gid, userID string, c client) (sfu.Session, error) {
	u := strings.Replace(strings.TrimRight(addr, "/"), "http", "ws", 1) + sfu.InternalPrefix + gid + "/ws"
	h := http.Header{}
	h.Set(sfu.SecretHeader, string(g.secret))
	h.Set(sfu.UserHeader, userID)
	ws, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: h, HTTPClient: g.hc, CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		return nil, errs.Wrap(errs.Unavailable, err, "the call service is unavailable, try again")
	}
	s := wsconn.New(ws, wsconn.Options{})
	go g.pump(s, c)
	return remote{s}, nil
}

// pump relays the SFU's frames to the client until the SFU's socket ends.
// A close by the SFU passes its code on (4004, 1012, …); a socket that
// breaks without one means the SFU is gone: the client is told to rejoin.
func (g *Gateway) pump(s *wsconn.Conn, c client) {
	for {
		typ, data, err := s.Read(context.Background())
		if err != nil {
			var ce websocket.CloseError
			if errors.As(err, &ce) && ce.Code != websocket.StatusAbnormalClosure {
				c.Close(int(ce.Code), ce.Reason)
			} else {
				c.fail(errs.E(errs.Unavailable, "the call server is gone, join again"), sfu.CloseTryAgainLater, "call server unavailable")
			}
			s.CloseNow()
			return
		}
		if typ == websocket.MessageText {
			c.Send(data)
		}
	}
}
