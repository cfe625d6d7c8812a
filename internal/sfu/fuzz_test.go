package sfu

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pion/webrtc/v4"

	"github.com/parleychat/parley/internal/errs"
)

// FuzzParseFrame: no client frame makes parseFrame panic; a refused frame
// is Invalid with an error frame that is JSON; an accepted one is well
// formed for its type.
func FuzzParseFrame(f *testing.F) {
	for _, s := range []string{
		`{"type":"join","audio":true,"video":false}`, `{"type":"leave"}`, `{"type":"ping"}`,
		`{"type":"answer","sdp":"v=0\r\n"}`, `{"type":"candidate","candidate":{"candidate":"candidate:1 1 udp 1 127.0.0.1 5000 typ host","sdpMid":"0","sdpMLineIndex":0}}`,
		`{"type":"candidate","candidate":null}`, `{"type":"renegotiate","screen":true}`, `{"type":"renegotiate","iceRestart":true}`,
		`{"type":"mute","kind":"audio","muted":true}`, `{"type":"moderate","participantId":"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b","kind":"video","muted":false}`,
		`{"type":"subscribe","participantId":"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b","kind":"audio","enabled":true}`,
		`{"type":"mute","kind":"smell","muted":1}`, `{}`, `[]`, `null`, `{"type":"\u0000"}`, "\xff\xfe",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, err := parseFrame(b)
		if err != nil {
			if !errs.Is(err, errs.Invalid) {
				t.Fatalf("refused with %v, want Invalid", err)
			}
			var e struct {
				Type  string                `json:"type"`
				Error struct{ Code string } `json:"error"`
			}
			if json.Unmarshal(errorFrameFor(err), &e) != nil || e.Type != "error" || e.Error.Code != "invalid" {
				t.Fatalf("error frame %s", errorFrameFor(err))
			}
			return
		}
		switch fr.Type {
		case "mute", "moderate", "subscribe":
			if fr.Kind != KindAudio && fr.Kind != KindVideo {
				t.Fatalf("accepted kind %q", fr.Kind)
			}
			if fr.Type != "mute" && checkParticipantID(fr.ParticipantID) != nil {
				t.Fatalf("accepted participant id %q", fr.ParticipantID)
			}
			if (fr.Type == "subscribe") != (fr.Enabled != nil) || (fr.Type != "subscribe") != (fr.Muted != nil) {
				t.Fatalf("accepted %s without its boolean", fr.Type)
			}
		case "answer":
			if fr.SDP == "" {
				t.Fatal("accepted an answer without sdp")
			}
		case "candidate":
			if fr.Candidate != nil && len(fr.Candidate.Candidate) > maxCandidateLen {
				t.Fatal("accepted an overlong candidate")
			}
		case "join", "leave", "ping", "auth", "renegotiate":
		default:
			t.Fatalf("accepted type %q", fr.Type)
		}
	})
}

// FuzzAnswer: an SDP answer from a client, however malformed, never makes
// the SFU's PeerConnection panic; it applies or is refused.
func FuzzAnswer(f *testing.F) {
	m, err := newMedia(mediaConfig{UDPAddr: "127.0.0.1:0"})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { m.Close() })
	offer := func() (*webrtc.PeerConnection, string) {
		pc, err := m.api.NewPeerConnection(webrtc.Configuration{})
		if err != nil {
			f.Fatal(err)
		}
		for _, k := range []webrtc.RTPCodecType{webrtc.RTPCodecTypeAudio, webrtc.RTPCodecTypeVideo} {
			if _, err := pc.AddTransceiverFromKind(k, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
				f.Fatal(err)
			}
		}
		o, err := pc.CreateOffer(nil)
		if err != nil {
			f.Fatal(err)
		}
		if err := pc.SetLocalDescription(o); err != nil {
			f.Fatal(err)
		}
		return pc, o.SDP
	}
	// A real answer, made by a pion client for the offer, and mangled
	// variants of it.
	pc, sdp := offer()
	client, _ := webrtc.NewPeerConnection(webrtc.Configuration{})
	_ = client.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: sdp})
	a, _ := client.CreateAnswer(nil)
	client.Close()
	pc.Close()
	f.Add(a.SDP)
	f.Add(a.SDP[:len(a.SDP)/2])
	f.Add("v=0\r\n")
	f.Add("v=0\r\no=- 0 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n")
	f.Add("m=video 0\r\na=mid:\r\na=fingerprint:sha-256 zz\r\n")
	f.Fuzz(func(t *testing.T, answer string) {
		pc, _ := offer()
		// An answer that applies starts ICE and DTLS towards nobody; Close
		// then waits for them to give up, so it runs in the background.
		defer func() { go pc.Close() }()
		_ = pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer})
	})
}

// FuzzCandidate: a client's candidate frame, however malformed, goes
// through the frame check and, when accepted, into a PeerConnection whose
// answer is applied (where the SFU adds it) without a panic; a candidate
// the frame check lets through is bounded in length. The SFU's UDP socket
// is on loopback, so a candidate elsewhere is never sent to.
func FuzzCandidate(f *testing.F) {
	m, err := newMedia(mediaConfig{UDPAddr: "127.0.0.1:0"})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { m.Close() })
	offer := func() *webrtc.PeerConnection {
		pc, err := m.api.NewPeerConnection(webrtc.Configuration{})
		if err != nil {
			f.Fatal(err)
		}
		for _, k := range []webrtc.RTPCodecType{webrtc.RTPCodecTypeAudio, webrtc.RTPCodecTypeVideo} {
			if _, err := pc.AddTransceiverFromKind(k, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
				f.Fatal(err)
			}
		}
		o, err := pc.CreateOffer(nil)
		if err != nil {
			f.Fatal(err)
		}
		if err := pc.SetLocalDescription(o); err != nil {
			f.Fatal(err)
		}
		return pc
	}
	// One real answer, made by a pion client; it applies to every fresh
	// offer of the same shape.
	pc := offer()
	client, _ := webrtc.NewPeerConnection(webrtc.Configuration{})
	_ = client.SetRemoteDescription(*pc.LocalDescription())
	answer, _ := client.CreateAnswer(nil)
	client.Close()
	pc.Close()
	for _, s := range []string{
		"candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host",
		"candidate:842163049 1 udp 1677729535 203.0.113.7 61234 typ srflx raddr 0.0.0.0 rport 0 generation 0 ufrag abcd network-cost 999",
		"candidate:3 1 tcp 1518280447 127.0.0.1 9 typ host tcptype active",
		"candidate:4 1 udp 41885439 198.51.100.1 3478 typ relay raddr 203.0.113.7 rport 61234",
		"candidate:5 1 udp 2122260223 abcdef01-2345-6789-abcd-ef0123456789.local 54400 typ host",
		"candidate:6 1 udp 2122260223 ::1 54400 typ host", "candidate:7 1 udp 1 127.0.0.1 99999 typ host",
		"candidate:8 1 udp 1 127.0.0.1 1 typ bogus", "candidate:", "1 1 udp 1 127.0.0.1 5000 typ host", "",
		"candidate:9 1 udp 1 127.0.0.1 5000 typ host " + strings.Repeat("x y ", 300),
	} {
		f.Add(s, "0", uint16(0), true)
		f.Add(s, "", uint16(7), false)
	}
	f.Fuzz(func(t *testing.T, cand, mid string, mline uint16, useMid bool) {
		init := webrtc.ICECandidateInit{Candidate: cand, SDPMLineIndex: &mline}
		if useMid {
			init.SDPMid = &mid
		}
		raw, err := json.Marshal(map[string]any{"type": "candidate", "candidate": init})
		if err != nil {
			return
		}
		fr, err := parseFrame(raw)
		if err != nil {
			return
		}
		if fr.Type != "candidate" || fr.Candidate == nil || len(fr.Candidate.Candidate) > maxCandidateLen {
			t.Fatalf("frame %s parsed as %+v", raw, fr)
		}
		if fr.Candidate.Candidate == "" {
			return // end of candidates: ignored
		}
		pc := offer()
		defer func() { go pc.Close() }()
		if err := pc.SetRemoteDescription(answer); err != nil {
			t.Fatalf("the seed answer does not apply: %v", err)
		}
		_ = pc.AddICECandidate(*fr.Candidate)
	})
}
