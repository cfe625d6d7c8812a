package sfu

import (
	"bytes"
	"sync"
	"testing"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// payloadLog keeps a copy of each payload written.
type payloadLog struct {
	mu       sync.Mutex
	payloads [][]byte
}

func (w *payloadLog) WriteRTP(_ *rtp.Header, payload []byte) (int, error) {
	w.mu.Lock()
	w.payloads = append(w.payloads, bytes.Clone(payload))
	w.mu.Unlock()
	return len(payload), nil
}

func (w *payloadLog) Write(b []byte) (int, error) { return len(b), nil }

// vp8Payload is a descriptor with a 15-bit picture id, TL0PICIDX and
// KEYIDX (X, I, L, K set; TID 0), then a byte of frame.
func vp8Payload(pic uint16, tl0, keyIdx uint8, key bool) []byte {
	frame := byte(0x01) // P: an interframe
	if key {
		frame = 0x00
	}
	return []byte{0x90, 0xd0, 0x80 | byte(pic>>8), byte(pic), tl0, keyIdx, frame, 0, 0}
}

type vp8Numbers struct {
	pic      uint16
	tl0, key uint8
}

func numbersOf(t *testing.T, b []byte) vp8Numbers {
	t.Helper()
	d, ok := parseVP8Desc(b)
	if !ok || d.picLen != 2 || d.tl0At == 0 || d.keyAt == 0 {
		t.Fatalf("not a full descriptor: %x", b)
	}
	return vp8Numbers{d.pic(b), b[d.tl0At], b[d.keyAt] & 0x1f}
}

// At a switch the new layer's picture ids, TL0PICIDX and KEYIDX continue
// the subscriber's (wrapping as the fields do); the shared packet is not
// changed; a NACK gets the packet again numbered as it was sent.
func TestASwitchContinuesTheVP8Numbering(t *testing.T) {
	w := &payloadLog{}
	d := twoLayerDowntrack(webrtc.MimeTypeVP8, w, 7)
	d.current.Store(0)
	d.target.Store(0)
	send := func(layer int, seq uint16, pay []byte, key bool) *packet {
		p := &packet{layer: layer, key: key}
		p.rtp.Header = rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: uint32(seq) * 3000}
		p.rtp.Payload = pay
		p.refs.Store(1 << 20)
		d.offer(p)
		return p
	}
	// Layer 0: pictures 32766, 32767 (then it wraps), TL0PICIDX 255, KEYIDX 31.
	send(0, 10, vp8Payload(32766, 254, 30, true), true)
	send(0, 11, vp8Payload(32767, 255, 31, false), false)
	// Layer 1 starts elsewhere in every field; the switch is at its keyframe.
	d.target.Store(1)
	shared := vp8Payload(5000, 17, 4, true)
	p := send(1, 900, shared, true)
	send(1, 901, vp8Payload(5001, 18, 4, false), false)
	send(0, 12, vp8Payload(0, 0, 31, false), false) // the old layer: not forwarded

	w.mu.Lock()
	got := w.payloads
	w.mu.Unlock()
	if len(got) != 4 {
		t.Fatalf("%d packets sent, want 4", len(got))
	}
	want := []vp8Numbers{{32766, 254, 30}, {32767, 255, 31}, {0, 0, 0}, {1, 1, 0}}
	for i, b := range got {
		if n := numbersOf(t, b); n != want[i] {
			t.Errorf("packet %d: %+v, want %+v", i, n, want[i])
		}
	}
	if !bytes.Equal(p.rtp.Payload, vp8Payload(5000, 17, 4, true)) {
		t.Errorf("the shared packet was changed: %x", p.rtp.Payload)
	}
	// The NACK for the switch's keyframe (its sequence number as sent: 12).
	d.resend(&rtcp.TransportLayerNack{MediaSSRC: 7, Nacks: []rtcp.NackPair{{PacketID: 12}}})
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.payloads) != 5 || !bytes.Equal(w.payloads[4], got[2]) {
		t.Fatalf("the resend: %x, want %x", w.payloads[len(w.payloads)-1], got[2])
	}
}

func TestParseVP8DescRefusesShortPayloads(t *testing.T) {
	for _, b := range [][]byte{{0x90}, {0x90, 0x80}, {0x90, 0x80, 0x80}, {0x90, 0x40}, {0x90, 0x10}} {
		if _, ok := parseVP8Desc(b); ok {
			t.Errorf("%x: accepted", b)
		}
	}
	if d, ok := parseVP8Desc([]byte{0x90, 0x80, 0x05, 0xaa}); !ok || d.picLen != 1 || d.pic([]byte{0x90, 0x80, 0x05}) != 5 {
		t.Errorf("a 7-bit picture id: %+v %v", d, ok)
	}
}

// Any payload and offsets: the descriptor is read within the payload, the
// shared input is never changed, and a rewrite changes only the three
// numbers (KEYIDX's byte keeps its TID and Y bits; a picture id keeps its
// length).
func FuzzVP8Descriptor(f *testing.F) {
	f.Add(vp8Payload(32767, 255, 31, true), uint16(1), uint8(1), uint8(1))
	f.Add([]byte{0x90}, uint16(0), uint8(0), uint8(0))
	f.Add([]byte{0x90, 0xf0, 0x05, 1, 2}, uint16(9), uint8(3), uint8(40))
	f.Fuzz(func(t *testing.T, b []byte, pic uint16, tl0, key uint8) {
		orig := bytes.Clone(b)
		out, buf := rewriteVP8(b, vp8Offsets{pic: pic & 0x7fff, tl0: tl0, key: key & 0x1f})
		defer func() {
			if buf != nil {
				payloadBufs.Put(buf)
			}
		}()
		if !bytes.Equal(b, orig) {
			t.Fatal("the input was changed")
		}
		if len(out) != len(b) {
			t.Fatalf("length %d, want %d", len(out), len(b))
		}
		d, ok := parseVP8Desc(b)
		for i := range out {
			switch {
			case ok && d.picLen > 0 && i >= d.picAt && i < d.picAt+d.picLen:
				if i == d.picAt && out[i]&0x80 != b[i]&0x80 {
					t.Fatalf("the picture id's length bit changed: %x → %x", b, out)
				}
			case ok && i == d.tl0At && d.tl0At > 0:
			case ok && i == d.keyAt && d.keyAt > 0:
				if out[i]&0xe0 != b[i]&0xe0 {
					t.Fatalf("TID/Y changed: %x → %x", b, out)
				}
			case out[i] != b[i]:
				t.Fatalf("byte %d changed: %x → %x", i, b, out)
			}
		}
		vp8Keyframe(b) // reads within b whatever it holds
		var s vp8State
		s.note(b)
		s.switchTo(b)
		s.note(b)
	})
}

// vp8Keyframe finds the frame after descriptors of every shape, and its
// size in a keyframe's header.
func TestVP8KeyframeAfterAnyDescriptor(t *testing.T) {
	key := []byte{0x00, 0, 0, 0x9d, 0x01, 0x2a, 0xe0, 0x01, 0x0e, 0x01} // 480 × 270
	for _, c := range []struct {
		desc []byte
		key  bool
		w, h int
	}{
		{[]byte{0x10}, true, 480, 270},                         // no X
		{[]byte{0x90, 0x80, 0x05}, true, 480, 270},             // 7-bit picture id
		{[]byte{0x90, 0xd0, 0x81, 0x02, 7, 3}, true, 480, 270}, // 15-bit id, TL0PICIDX, KEYIDX
		{[]byte{0x80, 0x80, 0x05}, false, 0, 0},                // not the start of a partition
		{[]byte{0x91, 0x80, 0x05}, false, 0, 0},                // partition 1
	} {
		w, h, k := vp8Keyframe(append(append([]byte{}, c.desc...), key...))
		if k != c.key || w != c.w || h != c.h {
			t.Errorf("%x: %d × %d key %v, want %d × %d key %v", c.desc, w, h, k, c.w, c.h, c.key)
		}
	}
	if _, _, k := vp8Keyframe([]byte{0x10, 0x01, 0, 0}); k {
		t.Error("an interframe taken for a keyframe")
	}
	if _, _, k := vp8Keyframe([]byte{0x90, 0xd0, 0x81}); k {
		t.Error("a descriptor cut short taken for a keyframe")
	}
}
