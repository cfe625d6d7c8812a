package group

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"connectrpc.com/connect"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/rpcauth"
	"github.com/parleychat/parley/internal/sqlstore/sqlstoretest"
)

var secret = []byte("test-internal-secret")

// serveRPC starts the GroupService over HTTP/2 with TLS, guarded by the
// internal secret, and returns its URL and a client that trusts it.
func serveRPC(t *testing.T, svc Memberships) (string, *http.Client) {
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

func TestMembershipRPC(t *testing.T) {
	t.Parallel()
	db := sqlstoretest.SQLite(t)
	if err := Migrate(t.Context(), db); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, db)
	bobName := uniq("bob")
	ada, bob := e.user(uniq("ada")), e.user(bobName)
	g1, g2 := e.createGroup(ada, "One"), e.createGroup(bob, "Two")
	e.join(g1.ID, bob, RoleMember, Rights{DeleteMessages: true})
	url, hc := serveRPC(t, e.svc)

	for name, opt := range map[string]connect.ClientOption{
		"connect": connect.WithProtoJSON(), "grpc": connect.WithGRPC(), "grpcweb": connect.WithGRPCWeb(),
	} {
		t.Run("answers like the service over "+name, func(t *testing.T) {
			t.Parallel()
			c := NewClient(hc, url, opt, connect.WithInterceptors(rpcauth.ClientInterceptor(secret)))
			ms, err := c.GroupsOf(t.Context(), bob)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := e.svc.GroupsOf(t.Context(), bob)
			sortM := func(a, b Membership) int {
				if a.GroupID < b.GroupID {
					return -1
				}
				return 1
			}
			slices.SortFunc(ms, sortM)
			slices.SortFunc(want, sortM)
			if !slices.Equal(ms, want) || len(ms) != 2 {
				t.Fatalf("GroupsOf %+v, want %+v", ms, want)
			}
			m, err := c.Member(t.Context(), g1.ID, bob)
			if err != nil || m != (Membership{GroupID: g1.ID, UserID: bob, Role: RoleMember, Rights: Rights{DeleteMessages: true}, Username: bobName}) {
				t.Fatalf("Member %+v (%v)", m, err)
			}
			if m, err := c.Member(t.Context(), g2.ID, bob); err != nil || m.Role != RoleCreator || m.Rights != AllRights {
				t.Fatalf("creator %+v (%v)", m, err)
			}
			if _, err := c.Member(t.Context(), g2.ID, ada); !errs.Is(err, errs.NotFound) {
				t.Fatalf("non-member: %v, want NotFound", err)
			}
			if ms, err := c.GroupsOf(t.Context(), newUUID()); err != nil || len(ms) != 0 {
				t.Fatalf("stranger %+v (%v)", ms, err)
			}
			if _, err := c.Member(t.Context(), "", bob); !errs.Is(err, errs.Invalid) {
				t.Fatalf("empty group id: %v", err)
			}
		})
	}

	t.Run("refuses callers without the secret", func(t *testing.T) {
		t.Parallel()
		for _, c := range []*Client{
			NewClient(hc, url),
			NewClient(hc, url, connect.WithInterceptors(rpcauth.ClientInterceptor([]byte("wrong")))),
		} {
			// A refused secret is a misconfiguration, not the caller's
			// fault: Internal for the caller, code Unauthenticated on the wire.
			_, err := c.Member(t.Context(), g1.ID, bob)
			if connect.CodeOf(err) != connect.CodeUnauthenticated || !errs.Is(err, errs.Internal) {
				t.Fatalf("Member: %v, want code Unauthenticated, kind internal", err)
			}
			_, err = c.GroupsOf(t.Context(), bob)
			if connect.CodeOf(err) != connect.CodeUnauthenticated || !errs.Is(err, errs.Internal) {
				t.Fatalf("GroupsOf: %v, want code Unauthenticated, kind internal", err)
			}
		}
	})

	t.Run("an unreachable role is unavailable", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewServer(http.NotFoundHandler())
		dead := srv.URL
		srv.Close()
		c := NewClient(http.DefaultClient, dead, connect.WithInterceptors(rpcauth.ClientInterceptor(secret)))
		if _, err := c.GroupsOf(t.Context(), bob); !errs.Is(err, errs.Unavailable) {
			t.Fatalf("%v, want Unavailable", err)
		}
	})
}
