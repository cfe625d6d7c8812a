package callclient

import (
	"time"

	"github.com/pion/webrtc/v4"
)

// Media is the synthetic media of a participant — the sources a Client
// publishes and the counters of what it receives — for a PeerConnection
// that another SFU's client library drives: parley-callload's LiveKit
// driver (tools/lkload) publishes and counts with it, so that both
// targets send the same packets and count them the same way.
type Media struct{ m *mediaState }

// NewMedia makes the media of one participant: Opus, and VP8 at
// videoBitrate (300 kbps when zero), single-layer.
func NewMedia(videoBitrate int) *Media { return &Media{m: newMediaState(videoBitrate, false)} }

// Track is the local track of source ("microphone", "camera" or
// "screen"), to add to a PeerConnection.
func (m *Media) Track(source string) *webrtc.TrackLocalStaticRTP {
	return m.source(source).encodings[0].track
}

// Start begins sending source on sender, the RTPSender its track was
// added with (it also reads the sender's RTCP for keyframe requests).
func (m *Media) Start(source string, sender *webrtc.RTPSender) { m.source(source).start(sender) }

// Count reads a received track until it ends, counting its packets as
// participantID's source; since is when the join began (FirstMedia).
func (m *Media) Count(remote *webrtc.TrackRemote, participantID, source string, since time.Time) {
	go m.m.count(remote, m.m.counter(participantID, source), since)
}

// Sent returns how many RTP packets source published.
func (m *Media) Sent(source string) uint64 { return m.source(source).sent.Load() }

// Received returns how many RTP packets arrived from participantID's
// source.
func (m *Media) Received(participantID, source string) uint64 {
	return m.m.counter(participantID, source).n.Load()
}

// FirstMedia returns how long after since the first packet of
// participantID's source arrived (0 if none yet).
func (m *Media) FirstMedia(participantID, source string) time.Duration {
	return time.Duration(m.m.counter(participantID, source).first.Load())
}

// Stop stops sending.
func (m *Media) Stop() { m.m.stop() }

func (m *Media) source(name string) *source {
	switch name {
	case "microphone":
		return m.m.mic
	case "camera":
		return m.m.camera
	default:
		return m.m.screen
	}
}
