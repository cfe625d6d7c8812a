package user

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"connectrpc.com/connect"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/rpcauth"
	"github.com/parleychat/parley/internal/sqlstore/sqlstoretest"
)

// TestUserRPC checks that the UserService answers like Service.Get over
// every protocol, hides unverified users and refuses callers without the
// internal secret.
func TestUserRPC(t *testing.T) {
	t.Parallel()
	db := sqlstoretest.SQLite(t)
	if err := Migrate(t.Context(), db); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, db)
	ada := e.verified("ada")
	pending := e.register("pending")
	secret := []byte("test-internal-secret")
	path, h := NewRPCHandler(e.svc, connect.WithInterceptors(rpcauth.ServerInterceptor(secret)))
	mux := http.NewServeMux()
	mux.Handle(path, h)
	srv := httptest.NewUnstartedServer(mux)
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)

	for name, opt := range map[string]connect.ClientOption{
		"connect": connect.WithProtoJSON(), "grpc": connect.WithGRPC(), "grpcweb": connect.WithGRPCWeb(),
	} {
		t.Run("answers like the service over "+name, func(t *testing.T) {
			t.Parallel()
			c := NewClient(srv.Client(), srv.URL, opt, connect.WithInterceptors(rpcauth.ClientInterceptor(secret)))
			u, err := c.Get(t.Context(), ada.ID)
			if err != nil || u.ID != ada.ID || u.Username != ada.Username || u.PictureURL != nil {
				t.Fatalf("Get(ada) = %+v, %v", u, err)
			}
			if _, err := c.Get(t.Context(), pending.ID); !errs.Is(err, errs.NotFound) {
				t.Fatalf("unverified user: %v, want NotFound", err)
			}
			if _, err := c.Get(t.Context(), "00000000-0000-7000-8000-000000000000"); !errs.Is(err, errs.NotFound) {
				t.Fatalf("unknown user: %v, want NotFound", err)
			}
			if _, err := c.Get(t.Context(), ""); !errs.Is(err, errs.Invalid) {
				t.Fatalf("empty id: %v, want Invalid", err)
			}
		})
	}

	t.Run("carries the picture URL", func(t *testing.T) {
		t.Parallel()
		bob := e.verified("bob")
		if _, err := e.svc.SetPicture(t.Context(), bob.ID, encodePNG(t, picture(20, 20, false))); err != nil {
			t.Fatal(err)
		}
		c := NewClient(srv.Client(), srv.URL, connect.WithInterceptors(rpcauth.ClientInterceptor(secret)))
		u, err := c.Get(t.Context(), bob.ID)
		want, _ := e.svc.Get(t.Context(), bob.ID)
		if err != nil || u.PictureURL == nil || want.PictureURL == nil || *u.PictureURL != *want.PictureURL {
			t.Fatalf("Get(bob) = %+v, %v; want %+v", u, err, want)
		}
	})

	t.Run("carries the display name, and none when unset", func(t *testing.T) {
		t.Parallel()
		carol := e.verified("carol")
		c := NewClient(srv.Client(), srv.URL, connect.WithInterceptors(rpcauth.ClientInterceptor(secret)))
		if u, err := c.Get(t.Context(), carol.ID); err != nil || u.DisplayName != "" {
			t.Fatalf("Get(carol) before = %+v, %v", u, err)
		}
		if _, err := e.svc.SetDisplayName(t.Context(), carol.ID, "Carol ✨"); err != nil {
			t.Fatal(err)
		}
		if u, err := c.Get(t.Context(), carol.ID); err != nil || u.DisplayName != "Carol ✨" {
			t.Fatalf("Get(carol) = %+v, %v", u, err)
		}
	})

	t.Run("refuses a caller without the secret", func(t *testing.T) {
		t.Parallel()
		c := NewClient(srv.Client(), srv.URL, connect.WithInterceptors(rpcauth.ClientInterceptor([]byte("wrong"))))
		// rpcauth reports a refused call as a configuration error of the caller.
		if _, err := c.Get(t.Context(), ada.ID); err == nil || !strings.Contains(err.Error(), "internal_secret") {
			t.Fatalf("wrong secret: %v, want a refusal naming internal_secret", err)
		}
	})
}
