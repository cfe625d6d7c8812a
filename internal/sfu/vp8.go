package sfu

import "sync"

// VP8 descriptor rewriting. Each simulcast layer numbers its frames on
// its own: picture ids, TL0PICIDX and KEYIDX (RFC 7741 §4.2). A
// subscriber's receiver links a frame to the one it depends on by these
// numbers, so at a layer switch the new layer's numbers are made to
// continue the ones the subscriber saw: otherwise its keyframe may carry
// a picture id the receiver takes for a frame already decoded (and drops),
// and the new layer's next frames then decode on the old layer's picture
// — a garbled tile that no keyframe request repairs, since nothing looks
// lost. The numbers are shifted by offsets set at each switch; packets
// are not rewritten in place (they are shared by all subscribers) but
// copied when an offset is not zero.

// vp8Desc locates the numbers in a VP8 payload descriptor.
type vp8Desc struct {
	picAt, picLen int // picLen 0: no picture id; 1: 7 bits; 2: 15 bits
	tl0At         int // 0: none (the index is never 0: byte 0 holds flags)
	keyAt         int // the TID|Y|KEYIDX byte, 0 when K is not set
	size          int // the descriptor's length: where the VP8 payload starts
}

// parseVP8Desc reads the descriptor at the start of a VP8 payload; false
// when the payload is too short for what its flags announce.
func parseVP8Desc(b []byte) (d vp8Desc, ok bool) {
	d.size = 1
	if len(b) < 1 || b[0]&0x80 == 0 {
		return d, len(b) >= 1
	}
	if len(b) < 2 {
		return d, false
	}
	ext, i := b[1], 2
	if ext&0x80 != 0 { // I: picture id
		if len(b) <= i {
			return d, false
		}
		d.picAt, d.picLen = i, 1
		if b[i]&0x80 != 0 {
			d.picLen = 2
		}
		i += d.picLen
	}
	if ext&0x40 != 0 { // L: TL0PICIDX
		d.tl0At = i
		i++
	}
	if ext&0x30 != 0 { // T or K: TID|Y|KEYIDX
		if ext&0x10 != 0 {
			d.keyAt = i
		}
		i++
	}
	d.size = i
	return d, len(b) >= i
}

// vp8Keyframe reports whether a VP8 RTP payload starts a keyframe, and the
// frame's size when it does (RFC 7741 payload descriptor, RFC 6386 frame
// header).
func vp8Keyframe(b []byte) (width, height int, key bool) {
	d, ok := parseVP8Desc(b)
	if !ok {
		return 0, 0, false
	}
	s, pid, i := b[0]&0x10 != 0, b[0]&0x07, d.size
	if !s || pid != 0 || len(b) < i+3 {
		return 0, 0, false
	}
	if b[i]&0x01 != 0 { // P: an interframe
		return 0, 0, false
	}
	if len(b) >= i+10 && b[i+3] == 0x9d && b[i+4] == 0x01 && b[i+5] == 0x2a {
		width = int(b[i+6]) | int(b[i+7]&0x3f)<<8
		height = int(b[i+8]) | int(b[i+9]&0x3f)<<8
	}
	return width, height, true
}

func (d vp8Desc) pic(b []byte) uint16 {
	if d.picLen == 2 {
		return uint16(b[d.picAt]&0x7f)<<8 | uint16(b[d.picAt+1])
	}
	return uint16(b[d.picAt] & 0x7f)
}

func (d vp8Desc) picMask() uint16 {
	if d.picLen == 2 {
		return 0x7fff
	}
	return 0x7f
}

// vp8Offsets shift a layer's numbers into the subscriber's sequence.
type vp8Offsets struct {
	pic      uint16
	tl0, key uint8
}

func (o vp8Offsets) zero() bool { return o == vp8Offsets{} }

// vp8State is a downtrack's numbering: the offsets of the layer
// forwarded and the last numbers sent. Guarded by the downtrack's smu.
type vp8State struct {
	off                    vp8Offsets
	lastPic                uint16
	lastTl0, lastKey       uint8
	hasPic, hasTl0, hasKey bool
}

// switchTo sets the offsets that make the packet b (the first of the new
// layer, a keyframe) follow the numbers last sent.
func (s *vp8State) switchTo(b []byte) {
	d, ok := parseVP8Desc(b)
	if !ok {
		return
	}
	if d.picLen > 0 && s.hasPic {
		s.off.pic = (s.lastPic + 1 - d.pic(b)) & d.picMask()
	}
	if d.tl0At > 0 && s.hasTl0 {
		s.off.tl0 = s.lastTl0 + 1 - b[d.tl0At]
	}
	if d.keyAt > 0 && s.hasKey {
		s.off.key = (s.lastKey + 1 - b[d.keyAt]) & 0x1f
	}
}

// note records the numbers of b as sent (shifted), when they are the
// newest.
func (s *vp8State) note(b []byte) {
	d, ok := parseVP8Desc(b)
	if !ok {
		return
	}
	if d.picLen > 0 {
		m := d.picMask()
		pic := (d.pic(b) + s.off.pic) & m
		if diff := (pic - s.lastPic) & m; !s.hasPic || diff != 0 && diff <= m/2 {
			s.lastPic, s.hasPic = pic, true
		}
	}
	if d.tl0At > 0 {
		tl0 := b[d.tl0At] + s.off.tl0
		if diff := tl0 - s.lastTl0; !s.hasTl0 || diff != 0 && diff < 0x80 {
			s.lastTl0, s.hasTl0 = tl0, true
		}
	}
	if d.keyAt > 0 {
		key := (b[d.keyAt] + s.off.key) & 0x1f
		if diff := (key - s.lastKey) & 0x1f; !s.hasKey || diff != 0 && diff < 0x10 {
			s.lastKey, s.hasKey = key, true
		}
	}
}

var payloadBufs = sync.Pool{New: func() any { return new([1500]byte) }}

// rewriteVP8 returns payload with its numbers shifted by o: payload
// itself when o is zero, else a copy in a pooled buffer, also returned,
// for the caller to put back once written.
func rewriteVP8(payload []byte, o vp8Offsets) ([]byte, *[1500]byte) {
	if o.zero() || len(payload) > 1500 {
		return payload, nil
	}
	d, ok := parseVP8Desc(payload)
	if !ok {
		return payload, nil
	}
	buf := payloadBufs.Get().(*[1500]byte)
	out := buf[:len(payload)]
	copy(out, payload)
	if d.picLen > 0 {
		pic := (d.pic(payload) + o.pic) & d.picMask()
		if d.picLen == 2 {
			out[d.picAt], out[d.picAt+1] = 0x80|byte(pic>>8), byte(pic)
		} else {
			out[d.picAt] = byte(pic)
		}
	}
	if d.tl0At > 0 {
		out[d.tl0At] += o.tl0
	}
	if d.keyAt > 0 {
		out[d.keyAt] = out[d.keyAt]&0xe0 | (out[d.keyAt]+o.key)&0x1f
	}
	return out, buf
}
