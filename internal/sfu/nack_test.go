package sfu

import (
	"bytes"
	"sync"
	"testing"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

// recordingWriter is a subscriber's write stream that keeps what it is
// given.
type recordingWriter struct {
	mu   sync.Mutex
	pkts []rtp.Packet
}

func (w *recordingWriter) WriteRTP(h *rtp.Header, payload []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.pkts = append(w.pkts, rtp.Packet{Header: *h, Payload: bytes.Clone(payload)})
	return len(payload), nil
}

func (w *recordingWriter) Write([]byte) (int, error) { return 0, nil }

func (w *recordingWriter) take() []rtp.Packet {
	w.mu.Lock()
	defer w.mu.Unlock()
	p := w.pkts
	w.pkts = nil
	return p
}

// sendThrough has a video downtrack send n packets (sequence numbers from
// 1000, payload byte = index) and returns them as sent.
func sendThrough(t *testing.T, d *downtrack, w *recordingWriter, n int) []rtp.Packet {
	t.Helper()
	for i := range n {
		p := packets.Get().(*packet)
		p.rtp = rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 100, SSRC: 1, SequenceNumber: uint16(1000 + i), Timestamp: uint32(9000 * i)}, Payload: p.buf[:10]}
		for j := range p.rtp.Payload {
			p.rtp.Payload[j] = byte(i)
		}
		p.layer = 0
		p.refs.Store(1)
		d.send(p, false)
		p.release()
	}
	sent := w.take()
	if len(sent) != n {
		t.Fatalf("sent %d packets, want %d", len(sent), n)
	}
	return sent
}

func newTestDowntrack(kind string) (*downtrack, *recordingWriter) {
	u := &uptrack{owner: &participant{id: "pub"}, source: SourceCamera, kind: kind, mime: "video/VP8"}
	u.downs.Store(&[]*downtrack{})
	d := newDowntrack(u, &participant{id: "sub"})
	w := &recordingWriter{}
	d.bound, d.ssrc, d.pt, d.writer = true, 4321, 96, w
	return d, w
}

func TestNACKedVideoPacketsAreSentAgainAsTheyWereSent(t *testing.T) {
	d, w := newTestDowntrack(KindVideo)
	sent := sendThrough(t, d, w, historySize+20)
	// The first 20 fell out of the history; ask for one of them, two
	// recent ones (a pair with a bitmask) and one never sent.
	oldest, a, b := sent[5].SequenceNumber, sent[len(sent)-10].SequenceNumber, sent[len(sent)-8].SequenceNumber
	d.resend(&rtcp.TransportLayerNack{MediaSSRC: 4321, Nacks: []rtcp.NackPair{
		{PacketID: oldest},
		{PacketID: a, LostPackets: 1 << (b - a - 1)},
		{PacketID: sent[len(sent)-1].SequenceNumber + 5},
	}})
	again := w.take()
	if len(again) != 2 {
		t.Fatalf("resent %d packets, want 2 (the two still in the history)", len(again))
	}
	for i, want := range []rtp.Packet{sent[len(sent)-10], sent[len(sent)-8]} {
		got := again[i]
		if got.SequenceNumber != want.SequenceNumber || got.Timestamp != want.Timestamp || got.SSRC != 4321 || got.PayloadType != 96 || !bytes.Equal(got.Payload, want.Payload) {
			t.Errorf("resent %v, want the packet as sent: %v", got.Header, want.Header)
		}
	}
	// A NACK about another stream is not ours to answer.
	d.resend(&rtcp.TransportLayerNack{MediaSSRC: 1, Nacks: []rtcp.NackPair{{PacketID: a}}})
	if n := len(w.take()); n != 0 {
		t.Errorf("resent %d packets for another SSRC", n)
	}
}

func TestAudioDowntracksKeepNoHistory(t *testing.T) {
	d, w := newTestDowntrack(KindAudio)
	sent := sendThrough(t, d, w, 10)
	d.resend(&rtcp.TransportLayerNack{MediaSSRC: 4321, Nacks: []rtcp.NackPair{{PacketID: sent[3].SequenceNumber}}})
	if n := len(w.take()); n != 0 {
		t.Errorf("resent %d audio packets", n)
	}
}

func TestAStoppedDowntrackReturnsItsHistory(t *testing.T) {
	d, w := newTestDowntrack(KindVideo)
	p := packets.Get().(*packet)
	p.rtp = rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: 7}, Payload: p.buf[:4]}
	p.refs.Store(1)
	d.send(p, false)
	if got := p.refs.Load(); got != 2 {
		t.Fatalf("refs after send = %d, want 2 (the reader's and the history's)", got)
	}
	w.take()
	d.close()
	if got := p.refs.Load(); got != 1 {
		t.Errorf("refs after close = %d, want 1 (the reader's)", got)
	}
	p.release()
}

func TestOneNACKCannotAskForMoreThanItsShareOfResends(t *testing.T) {
	d, w := newTestDowntrack(KindVideo)
	sent := sendThrough(t, d, w, historySize)
	first := sent[0].SequenceNumber
	// One NACK naming every packet of the history, and the first one 100
	// times more.
	var pairs []rtcp.NackPair
	for i := 0; i < historySize; i += 17 {
		pairs = append(pairs, rtcp.NackPair{PacketID: first + uint16(i), LostPackets: 0xffff})
	}
	for range 100 {
		pairs = append(pairs, rtcp.NackPair{PacketID: first})
	}
	d.resend(&rtcp.TransportLayerNack{MediaSSRC: 4321, Nacks: pairs})
	again := w.take()
	if len(again) != maxResendsPerNack {
		t.Fatalf("resent %d packets for one NACK, want %d", len(again), maxResendsPerNack)
	}
	seen := map[uint16]bool{}
	for _, p := range again {
		if seen[p.SequenceNumber] {
			t.Fatalf("packet %d resent twice for one NACK", p.SequenceNumber)
		}
		seen[p.SequenceNumber] = true
	}
	// Asked again at once: what was just resent is not sent again.
	d.resend(&rtcp.TransportLayerNack{MediaSSRC: 4321, Nacks: []rtcp.NackPair{{PacketID: first}}})
	if n := len(w.take()); n != 0 {
		t.Errorf("packet %d resent again within %v", first, resendGap)
	}
}
