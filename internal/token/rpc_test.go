package token_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"connectrpc.com/connect"

	tokenv1 "github.com/parleychat/parley/api/gen/parley/token/v1"
	"github.com/parleychat/parley/api/gen/parley/token/v1/tokenv1connect"
	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/rpcauth"
	"github.com/parleychat/parley/internal/sqlstore/sqlstoretest"
	"github.com/parleychat/parley/internal/token"
)

var secret = []byte("test-internal-secret")

// serve starts the token handler with the internal-secret check on an
// httptest server (HTTP/2 with TLS when tls is set, for gRPC).
func serve(t *testing.T, svc *token.Service, tls bool) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle(token.NewHandler(svc, connect.WithInterceptors(rpcauth.ServerInterceptor(secret))))
	srv := httptest.NewUnstartedServer(mux)
	if tls {
		srv.EnableHTTP2 = true
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return srv
}

func newService(t *testing.T) *token.Service {
	t.Helper()
	// No grace: these scenarios replay a rotated token at once and expect
	// reuse (the grace has its own test).
	svc, err := token.NewService(migrated(t, sqlstoretest.SQLite(t)), nil, token.Options{ReuseGrace: -1})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// TestClientBehavesLikeTheService runs the same scenarios on the
// in-process Service and on a Client talking to it over Connect and gRPC:
// same results, same error kinds.
func TestClientBehavesLikeTheService(t *testing.T) {
	t.Parallel()
	impls := map[string]func(t *testing.T) token.Tokens{
		"service": func(t *testing.T) token.Tokens { return newService(t) },
		"connect client": func(t *testing.T) token.Tokens {
			srv := serve(t, newService(t), false)
			return token.NewClient(srv.Client(), srv.URL, connect.WithInterceptors(rpcauth.ClientInterceptor(secret)))
		},
		"grpc client": func(t *testing.T) token.Tokens {
			srv := serve(t, newService(t), true)
			return token.NewClient(srv.Client(), srv.URL, connect.WithGRPC(), connect.WithInterceptors(rpcauth.ClientInterceptor(secret)))
		},
	}
	for name, newImpl := range impls {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			behaviour(t, newImpl(t))
		})
	}
}

func behaviour(t *testing.T, tk token.Tokens) {
	ctx := t.Context()
	v := auth.NewVerifier(tk.PublicKeys)

	p, err := tk.Issue(ctx, "user-1")
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}
	c, err := v.Verify(ctx, p.AccessToken)
	if err != nil || c.UserID != "user-1" || c.SessionID != p.SessionID || !c.ExpiresAt.Equal(p.AccessExpiresAt) {
		t.Fatalf("Verify issued token = %+v, %v (pair %+v)", c, err, p)
	}
	if p.RefreshExpiresAt.IsZero() || p.RefreshToken == "" {
		t.Fatalf("incomplete pair %+v", p)
	}

	p1, err := tk.Refresh(ctx, p.RefreshToken)
	if err != nil || p1.SessionID != p.SessionID || p1.RefreshToken == p.RefreshToken || !p1.RefreshExpiresAt.Equal(p.RefreshExpiresAt) {
		t.Fatalf("Refresh = %+v, %v", p1, err)
	}
	_, err = tk.Refresh(ctx, p.RefreshToken)
	wantKind(t, "reuse of the rotated token", err, errs.Unauthenticated)
	_, err = tk.Refresh(ctx, p1.RefreshToken)
	wantKind(t, "the new token after reuse", err, errs.Unauthenticated)
	_, err = tk.Refresh(ctx, "")
	wantKind(t, "empty refresh token", err, errs.Unauthenticated)

	a, _ := tk.Issue(ctx, "user-2")
	b, _ := tk.Issue(ctx, "user-2")
	d, _ := tk.Issue(ctx, "user-2")
	if err := tk.RevokeSession(ctx, a.SessionID); err != nil {
		t.Fatalf("RevokeSession: %v", err)
	}
	if err := tk.RevokeSession(ctx, a.SessionID); err != nil {
		t.Fatalf("RevokeSession again: %v", err)
	}
	_, err = tk.Refresh(ctx, a.RefreshToken)
	wantKind(t, "refresh after RevokeSession", err, errs.Unauthenticated)
	if err := tk.RevokeUser(ctx, "user-2", d.SessionID); err != nil {
		t.Fatalf("RevokeUser: %v", err)
	}
	_, err = tk.Refresh(ctx, b.RefreshToken)
	wantKind(t, "refresh after RevokeUser", err, errs.Unauthenticated)
	if _, err := tk.Refresh(ctx, d.RefreshToken); err != nil {
		t.Fatalf("the kept session: %v", err)
	}

	_, err = tk.Issue(ctx, "")
	wantKind(t, "Issue with no user", err, errs.Invalid)
	wantKind(t, "RevokeSession with no id", tk.RevokeSession(ctx, ""), errs.Invalid)
	wantKind(t, "RevokeUser with no user", tk.RevokeUser(ctx, "", ""), errs.Invalid)

	keys, err := tk.PublicKeys(ctx)
	if err != nil || len(keys) != 1 || len(keys[0].Key) != 32 || keys[0].KID == "" {
		t.Fatalf("PublicKeys = %v, %v", keys, err)
	}
}

func TestHandlerRefusesCallsWithoutTheInternalSecret(t *testing.T) {
	t.Parallel()
	srv := serve(t, newService(t), false)
	for name, opts := range map[string][]connect.ClientOption{
		"no secret":    nil,
		"wrong secret": {connect.WithInterceptors(rpcauth.ClientInterceptor([]byte("guess")))},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			raw := tokenv1connect.NewTokenServiceClient(srv.Client(), srv.URL, opts...)
			_, err := raw.Issue(context.Background(), connect.NewRequest(&tokenv1.IssueRequest{UserId: "user-1"}))
			if connect.CodeOf(err) != connect.CodeUnauthenticated {
				t.Fatalf("Issue without the secret: %v, want code unauthenticated", err)
			}
			_, err = raw.PublicKeys(context.Background(), connect.NewRequest(&tokenv1.PublicKeysRequest{}))
			if connect.CodeOf(err) != connect.CodeUnauthenticated {
				t.Fatalf("PublicKeys without the secret: %v, want code unauthenticated", err)
			}

			c := token.NewClient(srv.Client(), srv.URL, opts...)
			if _, err := c.Issue(context.Background(), "user-1"); err == nil || errs.Is(err, errs.Unauthenticated) {
				// A refused internal call is a misconfiguration of this
				// node, not the end user's fault: never a 401 to them.
				t.Fatalf("Client.Issue without the secret: %v, want a non-unauthenticated error", err)
			}
		})
	}
}

func TestClientReportsAnUnreachableTokenRoleAsUnavailable(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	c := token.NewClient(http.DefaultClient, url, connect.WithInterceptors(rpcauth.ClientInterceptor(secret)))
	_, err := c.Refresh(context.Background(), "x.y")
	wantKind(t, "Refresh against a closed port", err, errs.Unavailable)
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	tok, err := auth.Sign("k1", priv, auth.Claims{UserID: "u", SessionID: "s", ExpiresAt: time.Now().Add(time.Minute)}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	_, err = auth.NewVerifier(c.PublicKeys).Verify(context.Background(), tok)
	wantKind(t, "Verify with the token role unreachable", err, errs.Unavailable)
}
