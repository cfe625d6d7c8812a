package platformtest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pion/stun/v4"
)

// Coturn is a TURN server (Debian's coturn) on loopback with the TURN
// REST API's shared secret, started for one test.
type Coturn struct {
	URL    string // turn:127.0.0.1:PORT?transport=udp
	Secret string
}

// StartCoturn runs turnserver on a free loopback port until the test
// ends. It fails the test when turnserver is not installed (run
// scripts/test-services.sh) or does not answer STUN.
//
// Only its UDP listener runs (--no-tcp): the port is checked free for
// UDP, and a TCP listener on the same number could find it taken by
// another test's outgoing connection (ephemeral ports are shared), which
// kept turnserver retrying instead of answering. A start that still does
// not answer is tried again on another port, three times at most.
func StartCoturn(t testing.TB) Coturn {
	t.Helper()
	bin, err := exec.LookPath("turnserver")
	if err != nil {
		t.Fatalf("turnserver (Debian coturn) is not installed: run scripts/test-services.sh")
	}
	var failures []string
	for attempt := 0; attempt < 3; attempt++ {
		c, log, ok := startCoturn(t, bin)
		if ok {
			return c
		}
		failures = append(failures, log)
	}
	t.Fatalf("turnserver does not answer STUN, three starts; their logs:\n%s", strings.Join(failures, "\n---\n"))
	return Coturn{}
}

// startCoturn starts one turnserver and waits up to 10 s for STUN; when it
// does not answer, it is stopped and its log returned.
func startCoturn(t testing.TB, bin string) (Coturn, string, bool) {
	t.Helper()
	port := freeUDPPort(t)
	dir := t.TempDir()
	secret := Name("turn-secret-")
	relayMin := 40000 + int(port)%20000
	cmd := exec.Command(bin, "-n", "--no-cli", "--no-tls", "--no-dtls", "--no-tcp", "--no-tcp-relay",
		"--listening-ip=127.0.0.1", fmt.Sprintf("--listening-port=%d", port),
		"--relay-ip=127.0.0.1", fmt.Sprintf("--min-port=%d", relayMin), fmt.Sprintf("--max-port=%d", relayMin+200),
		"--use-auth-secret", "--static-auth-secret="+secret, "--realm=parley", "--fingerprint", "--allow-loopback-peers",
		"--db="+filepath.Join(dir, "turndb"), "--pidfile="+filepath.Join(dir, "turn.pid"), "--log-file=stdout", "--simple-log")
	logPath := filepath.Join(dir, "turnserver.log")
	log, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start turnserver: %v", err)
	}
	stop := func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		log.Close()
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	deadline := time.Now().Add(10 * time.Second)
	for !stunAnswers(addr) {
		if time.Now().After(deadline) {
			stop()
			b, _ := os.ReadFile(logPath)
			return Coturn{}, fmt.Sprintf("on %s:\n%s", addr, b), false
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Cleanup(stop)
	return Coturn{URL: "turn:" + addr + "?transport=udp", Secret: secret}, "", true
}

func freeUDPPort(t testing.TB) uint16 {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return uint16(c.LocalAddr().(*net.UDPAddr).Port)
}

// stunAnswers sends one STUN binding request and waits briefly for any
// answer.
func stunAnswers(addr string) bool {
	c, err := net.Dial("udp", addr)
	if err != nil {
		return false
	}
	defer c.Close()
	m := stun.MustBuild(stun.TransactionID, stun.BindingRequest)
	if _, err := c.Write(m.Raw); err != nil {
		return false
	}
	_ = c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	buf := make([]byte, 1500)
	n, err := c.Read(buf)
	return err == nil && stun.IsMessage(buf[:n])
}
