package sfu

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"net/http"

	"github.com/coder/websocket"
	"github.com/google/uuid"

	"github.com/parleychat/parley/internal/wsconn"
)

// The internal endpoint: how gateways in other processes reach this SFU
// (split mode). Never routed by the public ingress; every request must
// carry the internal secret (header SecretHeader), checked before anything
// else is read.
const (
	// InternalPrefix is where Server.InternalHandler is mounted.
	InternalPrefix = "/internal/v1/calls/"
	// SecretHeader carries the internal secret (the same header as
	// internal RPC).
	SecretHeader = "X-Parley-Internal"
	// UserHeader carries the user the gateway authenticated.
	UserHeader = "X-Parley-User"
)

// InternalHandler serves, for gateways holding secret:
//
//	GET /internal/v1/calls/{groupId}/ws   the call socket of user X-Parley-User
//	GET /internal/v1/calls/{groupId}      the call's state (CallState)
//
// Without the right secret every request is 401, before any work.
func (s *Server) InternalHandler(secret []byte) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+InternalPrefix+"{groupId}/ws", s.serveInternalWS)
	mux.HandleFunc("GET "+InternalPrefix+"{groupId}", s.serveInternalState)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(secret) == 0 || subtle.ConstantTimeCompare([]byte(r.Header.Get(SecretHeader)), secret) != 1 {
			http.Error(w, "missing or wrong "+SecretHeader, http.StatusUnauthorized)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// canonicalID reports whether s is a UUID in its canonical lower-case form.
func canonicalID(s string) bool {
	u, err := uuid.Parse(s)
	return err == nil && u.String() == s
}

func (s *Server) serveInternalState(w http.ResponseWriter, r *http.Request) {
	g := r.PathValue("groupId")
	if !canonicalID(g) {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(s.State(g))
}

func (s *Server) serveInternalWS(w http.ResponseWriter, r *http.Request) {
	g, user := r.PathValue("groupId"), r.Header.Get(UserHeader)
	if !canonicalID(g) || !canonicalID(user) {
		http.NotFound(w, r)
		return
	}
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		return
	}
	c := wsconn.New(ws, wsconn.Options{})
	sess := s.Open(g, user, conn{c})
	defer sess.Gone()
	for {
		typ, data, err := c.Read(context.Background())
		if err != nil {
			return
		}
		if typ == websocket.MessageText {
			sess.Receive(data)
		}
	}
}

// conn adapts a wsconn.Conn to Conn.
type conn struct{ c *wsconn.Conn }

func (c conn) Send(b []byte)                 { c.c.Send(b) }
func (c conn) Close(code int, reason string) { c.c.Close(code, reason) }

// Done is closed once the socket is closed (its close frame written).
func (c conn) Done() <-chan struct{} { return c.c.Done() }
