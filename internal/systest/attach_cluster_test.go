//go:build cluster

package systest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The tests of this build tag run against the real-process cluster of
// scripts/cluster.sh (make cluster): every role its own OS process, behind
// Debian nginx, on MariaDB, Redis, the Kafka-protocol broker and S3.
// PARLEY_TEST_CLUSTER names the cluster's state directory; without it
// they fail, since a skipped fault test proves nothing.
//
//	PARLEY_TEST_CLUSTER=$PWD/.cache/cluster go test -tags cluster -run Cluster ./internal/systest

// Real is the mode of a cluster of real processes.
const Real Mode = "cluster"

// realCluster is the running cluster and how to act on its processes.
type realCluster struct {
	*Cluster
	state  string
	script string
	env    map[string]string
}

// attach returns the cluster PARLEY_TEST_CLUSTER names, with its mail
// read from the cluster's SMTP sink and client addresses of this run's
// own (the cluster's abuse-limit counters outlive a run).
func attach(t *testing.T) *realCluster {
	t.Helper()
	dir := os.Getenv("PARLEY_TEST_CLUSTER")
	if dir == "" {
		t.Fatal("PARLEY_TEST_CLUSTER is not set: start the cluster (make cluster) and point it at its state directory (.cache/cluster)")
	}
	env, err := readEnvFile(filepath.Join(dir, "cluster.env"))
	if err != nil {
		t.Fatalf("PARLEY_TEST_CLUSTER=%s: %v (is the cluster up? make cluster)", dir, err)
	}
	rc := &realCluster{state: dir, script: env["PARLEY_CLUSTER_SCRIPT"], env: env}
	rc.Cluster = &Cluster{Mode: Real, URL: env["PARLEY_CLUSTER_URL"], Mail: &MailSink{cond: make(chan struct{})}}
	if rc.URL == "" || rc.script == "" || env["PARLEY_CLUSTER_DEVMAIL_URL"] == "" {
		t.Fatalf("%s/cluster.env lacks the cluster's URLs", dir)
	}
	rc.Mail.poll = devmailPoller(env["PARLEY_CLUSTER_DEVMAIL_URL"], rc.Mail)
	clientSeq.Store(rand.Uint32N(1 << 20))
	if code, err := status(rc.URL + "/readyz"); code != 200 {
		t.Fatalf("the cluster at %s is not ready: %d %v", rc.URL, code, err)
	}
	return rc
}

func readEnvFile(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			out[k] = v
		}
	}
	return out, sc.Err()
}

// devmailPoller copies the mail parley-devmail received for an address
// into sink, each message once.
func devmailPoller(base string, sink *MailSink) func(addr string) {
	seen := map[string]bool{}
	return func(addr string) {
		res, err := http.Get(base + "/messages?to=" + url.QueryEscape(addr))
		if err != nil {
			return
		}
		defer res.Body.Close()
		var ms []struct {
			ID, From, Subject, Text, HTML string
			To                            []string
		}
		if res.StatusCode != 200 || json.NewDecoder(res.Body).Decode(&ms) != nil {
			return
		}
		sink.mu.Lock()
		defer sink.mu.Unlock()
		for i := len(ms) - 1; i >= 0; i-- { // oldest first
			m := ms[i]
			if seen[m.ID] {
				continue
			}
			seen[m.ID] = true
			sink.mail = append(sink.mail, Mail{From: m.From, To: m.To, Subject: m.Subject, Text: m.Text, HTML: m.HTML})
		}
	}
}

func envKey(name string) string { return strings.NewReplacer("-", "_", ".", "_").Replace(name) }

// node is the HTTP address of one Parley process (e.g. "ws-2").
func (rc *realCluster) node(t *testing.T, name string) string {
	t.Helper()
	u := rc.env["PARLEY_CLUSTER_NODE_"+envKey(name)]
	if u == "" {
		t.Fatalf("the cluster has no process %s", name)
	}
	return u
}

// nodes lists the Parley processes of the cluster.
func (rc *realCluster) nodes() []string {
	var out []string
	for k := range rc.env {
		if n, ok := strings.CutPrefix(k, "PARLEY_CLUSTER_NODE_"); ok {
			out = append(out, strings.ReplaceAll(n, "_", "-"))
		}
	}
	return out
}

// pid reads a process's PID file (0: not running).
func (rc *realCluster) pid(name string) int {
	b, err := os.ReadFile(filepath.Join(rc.state, "pids", name+".pid"))
	if err != nil {
		return 0
	}
	p, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	if p > 0 && syscall.Kill(p, 0) != nil {
		return 0
	}
	return p
}

// kill9 kills a process without warning, as a crash or the OOM killer does.
func (rc *realCluster) kill9(t *testing.T, name string) {
	t.Helper()
	p := rc.pid(name)
	if p == 0 {
		t.Fatalf("%s is not running", name)
	}
	if err := syscall.Kill(p, syscall.SIGKILL); err != nil {
		t.Fatalf("kill -9 %s (%d): %v", name, p, err)
	}
	for deadline := time.Now().Add(10 * time.Second); syscall.Kill(p, 0) == nil; {
		if time.Now().After(deadline) {
			t.Fatalf("%s (%d) survived kill -9", name, p)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ctl runs scripts/cluster.sh verb name (start, stop, restart).
func (rc *realCluster) ctl(t *testing.T, verb, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, rc.script, verb, name)
	cmd.Env = append(os.Environ(), "PARLEY_CLUSTER_DIR="+rc.state)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("cluster.sh %s %s: %v\n%s", verb, name, err, out)
	}
	t.Logf("cluster.sh %s %s: done", verb, name)
}

// status GETs url and returns the status code.
func status(u string) (int, error) {
	c := http.Client{Timeout: 5 * time.Second}
	res, err := c.Get(u)
	if err != nil {
		return 0, err
	}
	res.Body.Close()
	return res.StatusCode, nil
}

// waitStatus polls url until it answers code, for up to d.
func waitStatus(t *testing.T, what, u string, code int, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		got, err := status(u)
		if got == code {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %s answered %d (%v) for %v, want %d", what, u, got, err, d, code)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// allReady waits until every Parley process of the cluster is ready again,
// and checks that none was restarted to get there (same PID as before).
func (rc *realCluster) allReady(t *testing.T, pids map[string]int, d time.Duration) {
	t.Helper()
	for _, n := range rc.nodes() {
		waitStatus(t, n+" recovers by itself", rc.node(t, n)+"/readyz", 200, d)
		if p := rc.pid(n); pids != nil && pids[n] != 0 && p != pids[n] {
			t.Fatalf("%s was restarted (pid %d → %d): it should recover by itself", n, pids[n], p)
		}
	}
}

func (rc *realCluster) pids() map[string]int {
	out := map[string]int{}
	for _, n := range rc.nodes() {
		out[n] = rc.pid(n)
	}
	return out
}

func (rc *realCluster) String() string { return fmt.Sprintf("cluster %s at %s", rc.state, rc.URL) }
