package sfu

import (
	"strings"
	"time"
)

// Simulcast: the SFU's offer asks for the camera in three layers (rids
// q, h, f: quarter, half and full resolution); a browser that supports it
// answers with the same rids and sends all three. Each subscriber gets one
// layer of each camera: the smallest whose resolution covers the tile the
// subscriber shows it in (view frames), capped by what the subscriber's
// link carries (REMB when it sends one, else its receiver reports' loss),
// and only layers the publisher is sending. A switch waits for a keyframe
// of the new layer, which the SFU asks for, so the picture never breaks.

// controlEvery is the controller's period.
const controlEvery = 500 * time.Millisecond

// Loss thresholds of the loss-based cap: above lossHigh the cap steps
// down; below lossLow for lossCalm it steps back up.
const (
	lossHigh = 26 // of 256: 10 %
	lossLow  = 5  // of 256: 2 %
	lossCalm = 5 * time.Second
)

// view is the size at which a subscriber shows a participant's camera.
type view struct{ width, height int }

// maxViewSide bounds what a view frame may say.
const maxViewSide = 16384

// addSimulcastRecv adds the receive simulcast attributes to the camera's
// receiving m-lines (by mid) that lack them. pion, as the offerer, does
// not declare receive simulcast in an initial offer (it copies what the
// last answer declared into later ones); these lines are the ones it
// writes itself then, so that the SFU's view and the client's agree after
// the answer.
func addSimulcastRecv(sdp string, mids map[string]bool) string {
	if len(mids) == 0 {
		return sdp
	}
	sections := strings.SplitAfter(sdp, "\r\nm=")
	for i, sec := range sections {
		if i == 0 || !strings.HasPrefix(sec, "video ") || strings.Contains(sec, "a=simulcast:") || !strings.Contains(sec, "a=recvonly") {
			continue
		}
		mid := ""
		for _, line := range strings.Split(sec, "\r\n") {
			if v, ok := strings.CutPrefix(line, "a=mid:"); ok {
				mid = v
			}
		}
		if !mids[mid] {
			continue
		}
		var add strings.Builder
		for _, r := range layerRIDs {
			add.WriteString("a=rid:" + r + " recv\r\n")
		}
		add.WriteString("a=simulcast:recv " + strings.Join(layerRIDs[:], ";") + "\r\n")
		// Insert before the next section's "m=" (which SplitAfter left at
		// the end of this one) or at the very end.
		if strings.HasSuffix(sec, "\r\nm=") {
			sections[i] = strings.TrimSuffix(sec, "m=") + add.String() + "m="
		} else {
			sections[i] = sec + add.String()
		}
	}
	return strings.Join(sections, "")
}

// sanitizeAnswer drops, from a client's answer, receive-simulcast lines
// ("a=rid:x recv", "a=simulcast:recv …"): an answer to our receiving
// m-line can only declare what the client sends, and some answerers (pion
// among them) echo the offer's receive lines, which would make the SFU
// wait for layers that never come.
func sanitizeAnswer(sdp string) string {
	if !strings.Contains(sdp, " recv") {
		return sdp
	}
	lines := strings.SplitAfter(sdp, "\n")
	out := lines[:0]
	for _, l := range lines {
		t := strings.TrimRight(l, "\r\n")
		if strings.HasPrefix(t, "a=simulcast:recv") {
			continue
		}
		if rid, ok := strings.CutPrefix(t, "a=rid:"); ok {
			if f := strings.Fields(rid); len(f) > 1 && f[1] == "recv" {
				continue
			}
		}
		out = append(out, l)
	}
	return strings.Join(out, "")
}

// control runs the simulcast controller and the speaker detector until the
// server stops.
func (s *Server) control() {
	t := time.NewTicker(controlEvery)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case now := <-t.C:
			s.mu.Lock()
			for _, r := range s.rooms {
				r.chooseLayers(now)
				r.detectSpeaker()
			}
			s.mu.Unlock()
		}
	}
}

// chooseLayers measures each simulcast track's layers and sets each
// subscriber's target layer. The lock is held.
func (r *room) chooseLayers(now time.Time) {
	for _, p := range r.parts {
		u := p.uptracks[SourceCamera]
		if u == nil || !u.simulcast() {
			continue
		}
		for i := range maxLayers {
			if l := u.layers[i].Load(); l != nil {
				n, b := l.packets.Load(), l.bytes.Load()
				l.active.Store(n > l.seenByTick)
				l.bitrate.Store((b - l.bytesByTick) * 8 * uint64(time.Second) / uint64(controlEvery))
				l.seenByTick, l.bytesByTick = n, b
			}
		}
		for _, d := range *u.downs.Load() {
			d.sub.chooseLayer(d, now)
		}
	}
}

// chooseLayer picks d's target layer. The lock is held.
func (p *participant) chooseLayer(d *downtrack, now time.Time) {
	u := d.up
	want := maxLayers - 1
	if v, ok := p.views[u.owner.id]; ok {
		want = u.layerFor(v)
	}
	// The loss-based cap.
	st := p.linkState(d)
	switch loss := d.lossFraction.Load(); {
	case loss > lossHigh && now.Sub(st.changed) > time.Second:
		st.maxLayer, st.changed = max(0, int(d.current.Load())-1), now
	case loss < lossLow && now.Sub(st.changed) > lossCalm && st.maxLayer < maxLayers-1:
		st.maxLayer, st.changed = st.maxLayer+1, now
	}
	want = min(want, st.maxLayer)
	// REMB, when the subscriber sends it: the best layer it can carry.
	if remb := d.remb.Load(); remb > 0 {
		for want > 0 {
			l := u.layers[want].Load()
			if l == nil || l.bitrate.Load() <= remb {
				break
			}
			want--
		}
	}
	// Only layers the publisher sends: the nearest flowing one below, else
	// above.
	t := -1
	for i := want; i >= 0 && t < 0; i-- {
		if u.layerFlowing(i) {
			t = i
		}
	}
	for i := want + 1; i < maxLayers && t < 0; i++ {
		if u.layerFlowing(i) {
			t = i
		}
	}
	if t < 0 || int32(t) == d.target.Load() {
		return
	}
	d.target.Store(int32(t))
	if int32(t) != d.current.Load() {
		u.requestKeyframe(t)
	}
}

// layerFor is the smallest layer whose known resolution covers v (with a
// quarter of slack), else the largest layer. Layers of unknown size count
// as the usual halves: f, f/2, f/4.
func (u *uptrack) layerFor(v view) int {
	if v.width <= 0 || v.height <= 0 {
		return 0 // not shown
	}
	top := u.layers[maxLayers-1].Load()
	for i := range maxLayers {
		l := u.layers[i].Load()
		if l == nil {
			continue
		}
		w, h := int(l.width.Load()), int(l.height.Load())
		if w == 0 && top != nil && top.width.Load() > 0 {
			div := 1 << (maxLayers - 1 - i)
			w, h = int(top.width.Load())/div, int(top.height.Load())/div
		}
		if w == 0 {
			continue
		}
		if w*4 >= v.width*3 && h*4 >= v.height*3 {
			return i
		}
	}
	return maxLayers - 1
}

// linkState is a subscriber's loss-based cap for one downtrack.
type linkState struct {
	maxLayer int
	changed  time.Time
}

func (p *participant) linkState(d *downtrack) *linkState {
	st, ok := p.links[d]
	if !ok {
		st = &linkState{maxLayer: maxLayers - 1}
		p.links[d] = st
	}
	return st
}
