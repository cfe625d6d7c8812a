package sfu_test

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/callclient"
	"github.com/parleychat/parley/internal/platformtest"
	"github.com/parleychat/parley/internal/rights"
	"github.com/parleychat/parley/internal/sfu"
)

func TestTURNCredentialsFollowTheRESTScheme(t *testing.T) {
	t.Parallel()
	turn := sfu.TURN{URLs: []string{"turn:turn.example.org:3478"}, Secret: []byte("s3cret"), TTL: time.Hour}
	now := time.Unix(1_800_000_000, 0)
	c := turn.Credentials("user-1", now)
	if c.Username != "1800003600:user-1" {
		t.Fatalf("username %q", c.Username)
	}
	mac := hmac.New(sha1.New, []byte("s3cret"))
	mac.Write([]byte(c.Username))
	if c.Credential != base64.StdEncoding.EncodeToString(mac.Sum(nil)) || c.URLs[0] != "turn:turn.example.org:3478" {
		t.Fatalf("credential %+v", c)
	}
}

// relayJoin joins g as a client that may use relayed candidates only.
func relayJoin(t *testing.T, e *env, g, user string) (*callclient.Client, callclient.Joined) {
	t.Helper()
	c, err := callclient.Dial(ctx(t), callclient.URL(e.url, g), "tok:"+user, callclient.Options{LoopbackOnly: true, RelayOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	j, err := c.Join(ctx(t), true, true)
	if err != nil {
		t.Fatal(err)
	}
	return c, j
}

// TestARelayOnlyClientReachesTheSFUThroughCoturn runs a real coturn with
// use-auth-secret: the credentials of joined get a relay-only client
// through; forged or expired ones are refused by coturn (no relayed
// candidate can be allocated).
func TestARelayOnlyClientReachesTheSFUThroughCoturn(t *testing.T) {
	t.Parallel()
	ct := platformtest.StartCoturn(t)
	t.Run("fresh credentials", func(t *testing.T) {
		e := newEnv(t, envOpts{turn: sfu.TURN{URLs: []string{ct.URL}, Secret: []byte(ct.Secret), TTL: time.Hour}})
		g := newID()
		a, _ := e.join(g, e.member(g, "direct", rights.RoleCreator, rights.Rights{}), true, true)
		r, j := relayJoin(t, e, g, e.member(g, "behind-nat", rights.RoleMember, rights.Rights{}))
		last := j.ICEServers[len(j.ICEServers)-1]
		if last.URLs[0] != ct.URL {
			t.Fatalf("joined.iceServers lacks the TURN server: %+v", j.ICEServers)
		}
		flowing(t, r, a.ParticipantID, "camera")
		flowing(t, a, r.ParticipantID, "camera")
		if pair := r.SelectedPair(); !strings.HasPrefix(pair, "relay") {
			t.Fatalf("the relay-only client's pair is %q", pair)
		}
	})
	refused := func(t *testing.T, turn sfu.TURN) {
		e := newEnv(t, envOpts{turn: turn})
		g := newID()
		r, _ := relayJoin(t, e, g, e.member(g, "behind-nat", rights.RoleCreator, rights.Rights{}))
		pc := r.PeerConnection()
		deadline := time.Now().Add(15 * time.Second)
		for pc.ICEGatheringState().String() != "complete" {
			if time.Now().After(deadline) {
				t.Fatal("gathering never completed")
			}
			time.Sleep(20 * time.Millisecond)
		}
		if got := r.LocalCandidates(); len(got) != 0 {
			t.Fatalf("coturn allocated relays with bad credentials: %v", got)
		}
	}
	t.Run("forged credentials", func(t *testing.T) {
		refused(t, sfu.TURN{URLs: []string{ct.URL}, Secret: []byte("not-the-secret"), TTL: time.Hour})
	})
	t.Run("expired credentials", func(t *testing.T) {
		refused(t, sfu.TURN{URLs: []string{ct.URL}, Secret: []byte(ct.Secret), TTL: -time.Minute})
	})
}
