package callclient

import (
	"strings"

	"github.com/pion/webrtc/v4"
)

// keepReceivers works around pion's answerer (v4.2.26; pion/webrtc#2226):
// each time a remote offer has an m-line inactive, pion stops that
// transceiver, receiver included. The first such offer is right to: the
// sender left, and pion gives the m-line a fresh receiver when its track's
// SSRC vanishes. Every later offer that still carries the m-line inactive
// (the SFU keeps a freed m-line inactive until a new track takes it, and
// sends offers for other reasons meanwhile) stops that fresh receiver too,
// and the track that finally takes the m-line is then read from a closed
// receiver: never received. Browsers follow the spec and keep receiving.
//
// So an m-line that was inactive in the previous offer already and is
// inactive again is handed to pion as sendonly without a track (pion then
// keeps the transceiver receiving, with nothing to receive yet) and the
// answer says inactive for it, as pion would have: the SFU sees the same
// answer either way. Only receiving m-lines are touched (no local track).
type keepReceivers struct {
	inactive map[string]bool // the m-lines inactive in the last offer, as the SFU sent it
	mids     map[string]bool // the m-lines rewritten in the offer being answered
}

// offer rewrites the repeated inactive receiving m-lines of sdp.
func (k *keepReceivers) offer(pc *webrtc.PeerConnection, sdp string) string {
	wasInactive := k.inactive
	k.mids, k.inactive = nil, map[string]bool{}
	secs := sections(sdp)
	for _, s := range secs {
		if mid := s.attr("mid"); mid != "" && s.has("inactive") {
			k.inactive[mid] = true
		}
	}
	sending := map[string]bool{} // m-lines of a local track: not touched
	for _, tr := range pc.GetTransceivers() {
		if tr.Sender() != nil && tr.Sender().Track() != nil {
			sending[tr.Mid()] = true
		}
	}
	for i, s := range secs {
		mid := s.attr("mid")
		if mid != "" && wasInactive[mid] && !sending[mid] && s.has("inactive") {
			secs[i] = s.replace("inactive", "sendonly")
			if k.mids == nil {
				k.mids = map[string]bool{}
			}
			k.mids[mid] = true
		}
	}
	return join(secs)
}

// answer puts back inactive, in the answer to send, for the m-lines offer
// rewrote.
func (k *keepReceivers) answer(sdp string) string {
	if len(k.mids) == 0 {
		return sdp
	}
	secs := sections(sdp)
	for i, s := range secs {
		if k.mids[s.attr("mid")] {
			secs[i] = s.replace("recvonly", "inactive")
		}
	}
	return join(secs)
}

// section is the lines of one part of an SDP: the session part, then one
// per m-line.
type section []string

// sections splits sdp (CRLF lines) at its m-lines.
func sections(sdp string) []section {
	var out []section
	cur := section{}
	for _, ln := range strings.SplitAfter(sdp, "\r\n") {
		if ln == "" {
			continue
		}
		if strings.HasPrefix(ln, "m=") {
			out = append(out, cur)
			cur = section{}
		}
		cur = append(cur, ln)
	}
	return append(out, cur)
}

func join(secs []section) string {
	var b strings.Builder
	for _, s := range secs {
		for _, ln := range s {
			b.WriteString(ln)
		}
	}
	return b.String()
}

// attr is the value of the section's a=name: line ("" when absent).
func (s section) attr(name string) string {
	for _, ln := range s {
		if v, ok := strings.CutPrefix(ln, "a="+name+":"); ok {
			return strings.TrimRight(v, "\r\n")
		}
	}
	return ""
}

// has reports whether the section has the flag a=name.
func (s section) has(name string) bool {
	for _, ln := range s {
		if strings.TrimRight(ln, "\r\n") == "a="+name {
			return true
		}
	}
	return false
}

// replace returns the section with the flag a=from replaced by a=to.
func (s section) replace(from, to string) section {
	out := make(section, len(s))
	for i, ln := range s {
		if strings.TrimRight(ln, "\r\n") == "a="+from {
			ln = "a=" + to + "\r\n"
		}
		out[i] = ln
	}
	return out
}
