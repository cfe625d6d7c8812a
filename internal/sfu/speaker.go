package sfu

import (
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
)

// Active speaker: publishers send each audio packet's level in the RFC
// 6464 header extension; the SFU smooths it per track and, every
// controlEvery, tells the room (speaker frame) when another unmuted
// participant has become the loudest one speaking. Levels are never
// forwarded.

// speakingLevel is the smoothed loudness above which a participant counts
// as speaking (127 − dBov: 77 is −50 dBov; speech is around −20 to −40).
const speakingLevel = 77

// audioLevelExtension returns the id the publisher's PeerConnection
// negotiated for the audio level extension, or 0.
func audioLevelExtension(u *uptrack) uint8 {
	if u.kind != KindAudio {
		return 0
	}
	for _, e := range u.recv.GetParameters().HeaderExtensions {
		if e.URI == sdp.AudioLevelURI {
			return uint8(e.ID)
		}
	}
	return 0
}

// noteLevel folds one packet's level into the track's smoothed loudness.
func (u *uptrack) noteLevel(h *rtp.Header, id uint8) {
	b := h.GetExtension(id)
	if len(b) == 0 {
		return
	}
	loud := int32(127 - b[0]&0x7f)
	old := u.level.Load()
	u.level.Store((old*7 + loud) / 8)
}

// speakerFrame announces the room's active speaker.
type speakerFrame struct {
	Type          string `json:"type"`
	ParticipantID string `json:"participantId"`
}

// detectSpeaker sends a speaker frame when the loudest unmuted participant
// speaking is not the last one announced. The lock is held.
func (r *room) detectSpeaker() {
	best, bestLevel := "", int32(speakingLevel)
	for _, p := range r.parts {
		u := p.uptracks[SourceMicrophone]
		if u == nil || p.audio.muted {
			continue
		}
		if l := u.level.Load(); l > bestLevel {
			best, bestLevel = p.id, l
		}
	}
	if best == "" || best == r.speaker {
		return
	}
	r.speaker = best
	r.broadcast(encode(speakerFrame{Type: "speaker", ParticipantID: best}), nil)
}
