package systest

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/config"
	"github.com/parleychat/parley/internal/node"
	"github.com/parleychat/parley/internal/platformtest"
	"github.com/parleychat/parley/internal/sqlstore"
)

// Mode is how a cluster is laid out.
type Mode string

const (
	Embedded Mode = "embedded"
	Split    Mode = "split"
)

// Modes lists both modes, for scenario loops.
var Modes = []Mode{Embedded, Split}

// Proc is one running node.
type Proc struct {
	Roles []string
	URL   string // http://127.0.0.1:port
	// AdminURL is the admin listener (metrics_addr): /metrics and the
	// detailed /readyz.
	AdminURL string
	Cfg      *config.Config
	stop     context.CancelFunc
	done     chan struct{}
	err      error // set before done is closed
}

// Stop shuts the node down gracefully and waits for it. It may be called
// more than once.
func (p *Proc) Stop() error {
	p.stop()
	<-p.done
	return p.err
}

// Cluster is a running Parley.
type Cluster struct {
	Mode  Mode
	URL   string // where clients connect: the node (embedded) or the ingress (split)
	Procs []*Proc
	// Base is the configuration every node started from (shared URLs).
	Base *config.Config
	// Mail receives every mail the cluster sends, over real SMTP.
	Mail *MailSink
	// Instances lists the nodes of each role (split mode).
	Instances map[string][]*Proc
}

// Start runs Parley in the given mode until the test ends.
func Start(t testing.TB, mode Mode) *Cluster {
	t.Helper()
	return StartWith(t, mode, nil)
}

// StartEmbeddedWith runs every role in one node, like Start(t, Embedded),
// with tweak applied to its configuration first (a role's database on
// MariaDB, say).
func StartEmbeddedWith(t testing.TB, tweak func(*config.Config)) *Cluster {
	t.Helper()
	c := newCluster(t, Embedded)
	c.URL = c.startNode(t, "all", tweak).URL
	return c
}

// StartWith is Start with extra instances of some roles in split mode
// (role → how many, default 1). The ingress and the <role>_url of RPC
// roles point at the first instance; Cluster.Instances lists them all.
func StartWith(t testing.TB, mode Mode, instances map[string]int) *Cluster {
	t.Helper()
	c := newCluster(t, mode)
	switch mode {
	case Embedded:
		p := c.startNode(t, "all", nil)
		c.URL = p.URL
	case Split:
		c.splitInfra(t)
		// The ingress listens first so that every node knows the public URL.
		ing := newIngress(t)
		c.URL = ing.url
		routes := map[string]string{}
		c.Instances = map[string][]*Proc{}
		for _, role := range startOrder(node.Implemented()) {
			for range max(1, instances[role]) {
				c.Instances[role] = append(c.Instances[role], c.startNode(t, role, nil))
			}
			p := c.Instances[role][0]
			routes[role] = p.URL
			// Roles reached over internal RPC are found at their node.
			if slices.Contains(rpcRoles, role) {
				setKey(t, c.Base, role+"_url", p.URL)
			}
		}
		ing.route(t, routes)
	default:
		t.Fatalf("unknown mode %q", mode)
	}
	return c
}

// newCluster prepares the shared configuration of a cluster: a temporary
// data directory, the mail sink, an internal secret.
func newCluster(t testing.TB, mode Mode) *Cluster {
	t.Helper()
	base := config.Default()
	base.DataDir = t.TempDir()
	base.LogLevel = "warn"
	base.ShutdownTimeout = 5 * time.Second
	base.InternalSecret = platformtest.Name("secret-")
	base.RTCUDPAddr = "127.0.0.1:0" // every SFU on a free UDP port
	for _, f := range config.Fields() {
		// Re-resolve the {data} defaults against the temp dir.
		if strings.Contains(f.Default, "{data}") {
			setKey(t, base, f.Key, strings.ReplaceAll(f.Default, "{data}", base.DataDir))
		}
	}
	c := &Cluster{Mode: mode, Base: base, Mail: StartMailSink(t)}
	setKey(t, base, "mail_url", c.Mail.URL())
	return c
}

func setKey(t testing.TB, cfg *config.Config, key, value string) {
	t.Helper()
	if err := cfg.Set(key, value); err != nil {
		t.Fatal(err)
	}
}

// splitInfra points the shared configuration at the real servers: a fresh
// MariaDB database per role, a fresh Kafka topic prefix, a fresh bucket.
func (c *Cluster) splitInfra(t testing.TB) {
	t.Helper()
	for _, key := range []string{"user.database_url", "group.database_url", "message.database_url"} {
		server, dbURL, name := platformtest.MySQLDatabaseURL(t)
		setKey(t, c.Base, key, dbURL)
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := sqlstore.DropMySQLDatabase(ctx, server, name); err != nil {
				t.Logf("drop %s: %v", name, err)
			}
		})
	}
	kafka := platformtest.KafkaURL(t)
	sep := "?"
	if strings.Contains(kafka, "?") {
		sep = "&"
	}
	setKey(t, c.Base, "events_url", kafka+sep+"prefix="+platformtest.Name("systest")+".")
	s3 := platformtest.S3URL(t)
	setKey(t, c.Base, "blob_url", s3+"&create=true")
	redis := platformtest.RedisURL(t)
	prefix := platformtest.Name("systest") + ":"
	setKey(t, c.Base, "registry_url", redis+"?prefix="+prefix+"registry:")
	setKey(t, c.Base, "token_store_url", redis+"?prefix="+prefix+"token:")
	setKey(t, c.Base, "ratelimit_url", redis+"?prefix="+prefix+"ratelimit:")
}

// rpcRoles are the roles others reach over internal RPC at <role>_url.
var rpcRoles = []string{"token", "email", "user", "group", "message"}

// startOrder puts the roles that others call over RPC first, so their
// URLs are known when the callers start.
func startOrder(roles []string) []string {
	first := rpcRoles
	var out []string
	for _, r := range first {
		if slices.Contains(roles, r) {
			out = append(out, r)
		}
	}
	for _, r := range roles {
		if !slices.Contains(first, r) {
			out = append(out, r)
		}
	}
	return out
}

// startNode runs one node with the given roles on a fresh loopback port.
func (c *Cluster) startNode(t testing.TB, roles string, tweak func(*config.Config)) *Proc {
	t.Helper()
	return c.startNodeAt(t, roles, "127.0.0.1:0", tweak)
}

// Restart stops p gracefully and starts a node of the same roles, with the
// same configuration and data, on the same address, so that the ingress,
// the other roles and the clients reach it where they did. It returns the
// new node once it is healthy.
func (c *Cluster) Restart(t testing.TB, p *Proc) *Proc {
	t.Helper()
	if err := p.Stop(); err != nil {
		t.Fatalf("stop %v: %v", p.Roles, err)
	}
	return c.startNodeAt(t, p.Cfg.Roles, strings.TrimPrefix(p.URL, "http://"), nil)
}

func (c *Cluster) startNodeAt(t testing.TB, roles, addr string, tweak func(*config.Config)) *Proc {
	t.Helper()
	cfg := *c.Base
	cfg.Roles = roles
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Addr = ln.Addr().String()
	cfg.PublicURL = "http://" + ln.Addr().String()
	if c.Mode == Split && c.URL != "" {
		cfg.PublicURL = c.URL
	}
	if tweak != nil {
		tweak(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(testWriter{t, roles}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx, cancel := context.WithCancel(context.Background())
	n, err := node.New(ctx, &cfg, log)
	if err != nil {
		cancel()
		ln.Close()
		t.Fatalf("start node %s: %v", roles, err)
	}
	aln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	n.ServeAdminOn(aln)
	p := &Proc{Roles: n.Roles(), URL: "http://" + ln.Addr().String(), AdminURL: "http://" + aln.Addr().String(), Cfg: &cfg, stop: cancel, done: make(chan struct{})}
	go func() {
		p.err = n.Serve(ctx, ln)
		close(p.done)
	}()
	t.Cleanup(func() { p.Stop() })
	waitHealthy(t, p.URL)
	c.Procs = append(c.Procs, p)
	return p
}

// testWriter sends node logs to the test log (shown on failure).
type testWriter struct {
	t    testing.TB
	name string
}

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Logf("[%s] %s", w.name, strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

func waitHealthy(t testing.TB, base string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		res, err := http.Get(base + "/healthz")
		if err == nil {
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode == 200 {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s/healthz never answered 200", base)
}

// Get is a small helper for scenarios: GET url and return status and body.
func Get(t testing.TB, rawURL string) (int, string) {
	t.Helper()
	res, err := http.Get(rawURL)
	if err != nil {
		t.Fatalf("GET %s: %v", rawURL, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}
