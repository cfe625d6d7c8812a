package message

import (
	"maps"
	"net/http"
	"net/http/httptest"
	"testing"

	"connectrpc.com/connect"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/rpcauth"
	"github.com/parleychat/parley/internal/sqlstore/sqlstoretest"
)

var secret = []byte("test-internal-secret")

// serveRPC starts the MessageService over HTTP/2 with TLS, guarded by the
// internal secret, and returns its URL and a client that trusts it.
func serveRPC(t *testing.T, svc Sequences) (string, *http.Client) {
	t.Helper()
	path, h := NewRPCHandler(svc, connect.WithInterceptors(rpcauth.ServerInterceptor(secret)))
	mux := http.NewServeMux()
	mux.Handle(path, h)
	srv := httptest.NewUnstartedServer(mux)
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv.URL, srv.Client()
}

func TestLastSeqsRPCAnswersLikeTheService(t *testing.T) {
	t.Parallel()
	db := sqlstoretest.SQLite(t)
	if err := Migrate(t.Context(), db); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, db)
	g1, u1 := e.group()
	g2, _ := e.group()
	for range 3 {
		e.post(g1, u1, "x")
	}
	url, hc := serveRPC(t, e.svc)
	ids := []string{g1, g2, newUUID()}
	wantSeqs := map[string]int64{g1: 3, g2: 0, ids[2]: 0}
	for name, opt := range map[string]connect.ClientOption{
		"connect": connect.WithProtoJSON(), "grpc": connect.WithGRPC(), "grpcweb": connect.WithGRPCWeb(),
	} {
		t.Run("over "+name, func(t *testing.T) {
			t.Parallel()
			c := NewClient(hc, url, opt, connect.WithInterceptors(rpcauth.ClientInterceptor(secret)))
			got, err := c.LastSeqs(t.Context(), ids)
			if err != nil || !maps.Equal(got, wantSeqs) {
				t.Fatalf("LastSeqs = %v, %v; want %v", got, err, wantSeqs)
			}
			empty, err := c.LastSeqs(t.Context(), nil)
			if err != nil || len(empty) != 0 {
				t.Fatalf("LastSeqs(nil) = %v, %v", empty, err)
			}
		})
	}
	t.Run("keeps the error kind of a refusal", func(t *testing.T) {
		t.Parallel()
		c := NewClient(hc, url, connect.WithInterceptors(rpcauth.ClientInterceptor(secret)))
		_, err := c.LastSeqs(t.Context(), make([]string, maxSeqIDs+1))
		if !errs.Is(err, errs.Invalid) {
			t.Fatalf("too many ids: %v, want invalid", err)
		}
	})
	t.Run("refuses a caller without the internal secret", func(t *testing.T) {
		t.Parallel()
		c := NewClient(hc, url, connect.WithInterceptors(rpcauth.ClientInterceptor([]byte("wrong-secret-wrong-secret"))))
		// rpcauth reports a refused secret as a configuration error
		// (Internal) on the calling side.
		if _, err := c.LastSeqs(t.Context(), ids); err == nil || !errs.Is(err, errs.Internal) {
			t.Fatalf("wrong secret: %v, want an internal (configuration) error", err)
		}
		bare := NewClient(hc, url)
		if _, err := bare.LastSeqs(t.Context(), ids); err == nil || !errs.Is(err, errs.Internal) {
			t.Fatalf("no secret: %v, want an internal (configuration) error", err)
		}
	})
}

func TestReadStateRPCAnswersLikeTheService(t *testing.T) {
	t.Parallel()
	db := sqlstoretest.SQLite(t)
	if err := Migrate(t.Context(), db); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, db)
	g, alice := e.group()
	bob := e.member(g)
	e.post(g, alice, "1")
	e.mention(g, alice, "2", bob)
	url, hc := serveRPC(t, e.svc)
	c := NewClient(hc, url, connect.WithInterceptors(rpcauth.ClientInterceptor(secret)))

	unknown := newUUID()
	sts, err := c.ReadStates(t.Context(), bob, []string{unknown, g})
	if err != nil || len(sts) != 2 || sts[0] != (ReadState{GroupID: unknown}) || sts[1] != (ReadState{GroupID: g, LastSeq: 2, Unread: 2, Mentions: 1}) {
		t.Fatalf("ReadStates = %+v, %v", sts, err)
	}
	st, err := c.MarkRead(t.Context(), g, bob, 1)
	if err != nil || st != (ReadState{GroupID: g, LastReadSeq: 1, LastSeq: 2, Unread: 1, Mentions: 1}) {
		t.Fatalf("MarkRead = %+v, %v", st, err)
	}
	if _, err := c.MarkRead(t.Context(), g, newUUID(), 1); !errs.Is(err, errs.NotFound) {
		t.Fatalf("MarkRead by a non-member: %v, want not found", err)
	}
	if _, err := c.MarkRead(t.Context(), g, bob, -1); !errs.Is(err, errs.Invalid) {
		t.Fatalf("MarkRead with seq -1: %v, want invalid", err)
	}
	if _, err := c.ReadStates(t.Context(), bob, make([]string, maxSeqIDs+1)); !errs.Is(err, errs.Invalid) {
		t.Fatalf("too many ids: %v, want invalid", err)
	}
}
