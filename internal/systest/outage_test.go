package systest

import (
	"context"
	"io"
	"net"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/config"
	"github.com/parleychat/parley/internal/platformtest"
	"github.com/parleychat/parley/internal/sqlstore"
)

// tcpProxy forwards loopback connections to a server until Cut, which
// closes every connection and refuses new ones: a database that goes down.
type tcpProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  []net.Conn
	cut    bool
}

func startProxy(t testing.TB, target string) *tcpProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{ln: ln, target: target}
	go p.serve()
	t.Cleanup(p.Cut)
	return p
}

func (p *tcpProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", p.target)
		p.mu.Lock()
		if err != nil || p.cut {
			p.mu.Unlock()
			c.Close()
			if s != nil {
				s.Close()
			}
			continue
		}
		p.conns = append(p.conns, c, s)
		p.mu.Unlock()
		go func() { io.Copy(s, c); s.Close() }()
		go func() { io.Copy(c, s); c.Close() }()
	}
}

// Cut closes the listener and every connection.
func (p *tcpProxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = true
	p.ln.Close()
	for _, c := range p.conns {
		c.Close()
	}
}

// TestDatabaseOutageIsUnavailable is issue 12 defect 9: when a role's
// database goes away, its endpoints answer 503 unavailable with
// Retry-After (the contract), not 500. The group role runs on MariaDB
// through a proxy that the test cuts.
func TestDatabaseOutageIsUnavailable(t *testing.T) {
	t.Parallel()
	server, dbURL, name := platformtest.MySQLDatabaseURL(t)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		sqlstore.DropMySQLDatabase(ctx, server, name)
	})
	u, _ := url.Parse(dbURL)
	proxy := startProxy(t, u.Host)
	u.Host = proxy.ln.Addr().String()
	c := StartEmbeddedWith(t, func(cfg *config.Config) { cfg.GroupDatabaseURL = u.String() })
	alice, _ := signUp(t, c, "alice", "alice password")
	eventually(t, 10*time.Second, "alice can create a group", func() bool {
		return alice.Do("POST", "/api/v1/groups", map[string]string{"name": "Before"}).Status == 201
	})

	proxy.Cut()
	for _, r := range []Response{
		alice.Do("GET", "/api/v1/groups", nil),
		alice.Do("POST", "/api/v1/groups", map[string]string{"name": "During"}),
	} {
		Expect(t, "a group call while the database is down", r, 503, "unavailable")
		if s, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || s < 1 {
			t.Fatalf("503 without a Retry-After: %q", r.Header.Get("Retry-After"))
		}
	}
}
