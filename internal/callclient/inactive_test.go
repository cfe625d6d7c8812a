package callclient

import (
	"strings"
	"testing"

	"github.com/pion/webrtc/v4"
)

func offerSDP(dirs ...string) string {
	var b strings.Builder
	b.WriteString("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n")
	for i, d := range dirs {
		b.WriteString("m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:" + string(rune('0'+i)) + "\r\na=" + d + "\r\n")
	}
	return b.String()
}

func TestKeepReceiversRewritesOnlyARepeatedInactiveReceivingMLine(t *testing.T) {
	pc, err := webrtc.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	var k keepReceivers
	// First offer with mid 1 inactive: handed over as it is.
	first := offerSDP("sendonly", "inactive")
	if got := k.offer(pc, first); got != first {
		t.Fatalf("a first inactive offer was rewritten:\n%s", got)
	}
	// Inactive again: sendonly for pion, inactive again in the answer; mid 0 untouched.
	second := offerSDP("sendonly", "inactive")
	got := k.offer(pc, second)
	if want := offerSDP("sendonly", "sendonly"); got != want {
		t.Fatalf("a repeated inactive m-line:\n%s\nwant\n%s", got, want)
	}
	if ans := k.answer(offerSDP("recvonly", "recvonly")); ans != offerSDP("recvonly", "inactive") {
		t.Fatalf("answer:\n%s", ans)
	}
	// Taken by a track: handed over as it is, and the answer too.
	third := offerSDP("sendonly", "sendonly")
	if got := k.offer(pc, third); got != third {
		t.Fatalf("an m-line in use was rewritten:\n%s", got)
	}
	if ans := k.answer(offerSDP("recvonly", "recvonly")); ans != offerSDP("recvonly", "recvonly") {
		t.Fatalf("answer after reuse:\n%s", ans)
	}
}
