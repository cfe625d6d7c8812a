package rtcgateway_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/callclient"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/event"
	"github.com/parleychat/parley/internal/registry"
	"github.com/parleychat/parley/internal/rights"
	"github.com/parleychat/parley/internal/rtcgateway"
	"github.com/parleychat/parley/internal/sfu"
)

// members is a group role where everyone is a member.
type members struct{}

func (members) Member(_ context.Context, groupID, userID string) (rights.Membership, error) {
	return rights.Membership{GroupID: groupID, UserID: userID, Role: rights.RoleMember, Username: "u" + userID[:4]}, nil
}

func verify(_ context.Context, token string) (auth.Claims, error) {
	user, ok := strings.CutPrefix(token, "tok:")
	if !ok {
		return auth.Claims{}, errs.E(errs.Unauthenticated, "bad token")
	}
	return auth.Claims{UserID: user, ExpiresAt: time.Now().Add(time.Hour)}, nil
}

func require(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := verify(r.Context(), strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
		if err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r.WithContext(auth.WithClaims(r.Context(), c)))
	})
}

// split is an SFU behind its internal endpoint and a gateway of another
// "process" that reaches it over HTTP, sharing a registry.
type split struct {
	sfuHTTP *httptest.Server
	conns   *tracking
	gwURL   string
}

// tracking remembers every connection a listener accepted, so that a
// test can cut them all (as the death of the process would).
type tracking struct {
	net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func (l *tracking) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.mu.Lock()
		l.conns = append(l.conns, c)
		l.mu.Unlock()
	}
	return c, err
}

func (l *tracking) cut() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range l.conns {
		c.Close()
	}
}

func newSplit(t *testing.T, gatewaySecret string) *split {
	t.Helper()
	const secret = "internal-secret-of-sixteen"
	bus := event.NewMemBus(event.MemOptions{})
	t.Cleanup(func() { bus.Close() })
	reg := registry.NewMemory(0)
	sfuHTTP := httptest.NewUnstartedServer(nil)
	conns := &tracking{Listener: sfuHTTP.Listener}
	sfuHTTP.Listener = conns
	srv, err := sfu.NewServer(sfu.Config{Bus: bus, Members: members{}, Registry: reg, UDPAddr: "127.0.0.1:0", InternalURL: "http://" + sfuHTTP.Listener.Addr().String()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	sfuHTTP.Config.Handler = srv.InternalHandler([]byte(secret))
	sfuHTTP.Start()
	gw, err := rtcgateway.New(rtcgateway.Config{Verify: verify, Require: require, Members: members{}, Registry: reg, Secret: []byte(gatewaySecret)})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	gw.Register(mux)
	gwHTTP := httptest.NewServer(mux)
	t.Cleanup(func() {
		gwHTTP.Close()
		sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer scancel()
		_ = srv.Shutdown(sctx)
		sfuHTTP.Close()
		srv.Close()
	})
	return &split{sfuHTTP: sfuHTTP, conns: conns, gwURL: gwHTTP.URL}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

func dial(t *testing.T, base, gid string) *callclient.Client {
	t.Helper()
	c, err := callclient.Dial(ctx(t), callclient.URL(base, gid), "tok:"+uuid.NewString(), callclient.Options{LoopbackOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func TestARemoteSFUIsReachedThroughItsInternalEndpoint(t *testing.T) {
	t.Parallel()
	s := newSplit(t, "internal-secret-of-sixteen")
	gid := uuid.NewString()
	a, b := dial(t, s.gwURL, gid), dial(t, s.gwURL, gid)
	if _, err := a.Join(ctx(t), true, true); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Join(ctx(t), true, true); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for b.Received(a.ParticipantID, "camera") < 20 {
		if time.Now().After(deadline) {
			t.Fatal("no media through the remote SFU")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The call's state comes from the remote SFU.
	req, _ := http.NewRequest(http.MethodGet, s.gwURL+"/api/v1/calls/"+gid, nil)
	req.Header.Set("Authorization", "Bearer tok:"+uuid.NewString())
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var st sfu.CallState
	if err := json.NewDecoder(res.Body).Decode(&st); err != nil || !st.Active || len(st.Participants) != 2 {
		t.Fatalf("state through the gateway: %+v %v", st, err)
	}

	// The SFU's connections break (the process died): the client is told
	// to rejoin.
	s.conns.cut()
	if _, err := a.Wait(ctx(t), 0, "error", func(f callclient.Frame) bool { return strings.Contains(string(f.Raw), `"unavailable"`) }); err != nil {
		t.Fatal(err)
	}
	if code, err := a.WaitClosed(ctx(t)); err != nil || code != sfu.CloseTryAgainLater {
		t.Fatalf("closed with %d (%v), want 1013", code, err)
	}
}

func TestAGatewayWithTheWrongSecretIsRefusedBySFUs(t *testing.T) {
	t.Parallel()
	s := newSplit(t, "not-the-secret-at-all")
	c := dial(t, s.gwURL, uuid.NewString())
	if _, err := c.Wait(ctx(t), 0, "error", func(f callclient.Frame) bool { return strings.Contains(string(f.Raw), `"unavailable"`) }); err != nil {
		t.Fatal(err)
	}
	if code, err := c.WaitClosed(ctx(t)); err != nil || code != sfu.CloseTryAgainLater {
		t.Fatalf("closed with %d (%v), want 1013", code, err)
	}
	// And the internal endpoint refuses requests without it before any work.
	res, err := http.Get(s.sfuHTTP.URL + sfu.InternalPrefix + uuid.NewString())
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("internal endpoint without the secret: %d", res.StatusCode)
	}
}
