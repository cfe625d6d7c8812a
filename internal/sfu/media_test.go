package sfu_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"

	"github.com/parleychat/parley/internal/callclient"
	"github.com/parleychat/parley/internal/rights"
)

// call starts a call of n participants in a fresh group (the first is its
// creator, the others plain members), each publishing audio and video, and
// waits until everyone receives everyone.
func call(t *testing.T, e *env, n int) (string, []*callclient.Client) {
	t.Helper()
	g := newID()
	var cs []*callclient.Client
	for i := range n {
		role := rights.RoleMember
		if i == 0 {
			role = rights.RoleCreator
		}
		c, _ := e.join(g, e.member(g, fmt.Sprintf("user%d", i), role, rights.Rights{}), true, true)
		cs = append(cs, c)
	}
	for _, rx := range cs {
		for _, tx := range cs {
			if rx != tx {
				flowing(t, rx, tx.ParticipantID, "microphone")
				flowing(t, rx, tx.ParticipantID, "camera")
			}
		}
	}
	return g, cs
}

func TestThreeParticipantsExchangeAudioAndVideo(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	g := newID()
	ann := e.member(g, "ann", rights.RoleCreator, rights.Rights{})
	a, ja := e.join(g, ann, true, true)
	if len(ja.Participants) != 1 || ja.Participants[0].ParticipantID != ja.ParticipantID || ja.Participants[0].Username != "ann" || ja.Participants[0].UserID != ann {
		t.Fatalf("joined of the first participant: %+v", ja)
	}
	if len(ja.ICEServers) != 1 || ja.ICEServers[0].URLs[0] != "stun:stun.example.org:3478" {
		t.Fatalf("iceServers: %+v", ja.ICEServers)
	}
	mark := a.Mark()
	b, _ := e.join(g, e.member(g, "bob", rights.RoleMember, rights.Rights{}), true, true)
	c, jc := e.join(g, e.member(g, "cat", rights.RoleMember, rights.Rights{}), true, true)
	if len(jc.Participants) != 3 || jc.Participants[2].ParticipantID != jc.ParticipantID {
		t.Fatalf("the third joiner's list: %+v", jc.Participants)
	}
	for _, pid := range []string{b.ParticipantID, c.ParticipantID} {
		if _, err := a.WaitParticipant(ctx(t), mark, "participant.joined", pid, nil); err != nil {
			t.Fatal(err)
		}
	}
	cs := []*callclient.Client{a, b, c}
	for _, rx := range cs {
		for _, tx := range cs {
			if rx != tx {
				flowing(t, rx, tx.ParticipantID, "microphone")
				flowing(t, rx, tx.ParticipantID, "camera")
			}
		}
	}
	// Every forwarded track was announced by a track frame before the
	// offer that carries it, with the msid the offer uses.
	for _, rx := range cs {
		checkTracksAnnounced(t, rx, 4)
	}
}

// checkTracksAnnounced checks, in rx's frame log, that each track frame
// comes before an offer whose SDP carries its stream and track ids, and
// that there were want of them.
func checkTracksAnnounced(t *testing.T, rx *callclient.Client, want int) {
	t.Helper()
	frames := rx.Frames()
	n := 0
	for i, f := range frames {
		if f.Type != "track" {
			continue
		}
		n++
		var tr struct{ ParticipantID, StreamID, TrackID, Kind, Source string }
		if err := f.Decode(&tr); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(tr.StreamID, tr.ParticipantID) || tr.TrackID != tr.ParticipantID+"."+tr.Source {
			t.Fatalf("track frame ids: %+v", tr)
		}
		msid := "a=msid:" + tr.StreamID + " " + tr.TrackID
		found := false
		for _, o := range frames[i+1:] {
			if o.Type == "offer" && strings.Contains(string(o.Raw), msid) {
				found = true
				break
			}
		}
		if !found {
			t.Fatalf("no offer after track frame %+v carries %q", tr, msid)
		}
	}
	if n != want {
		t.Fatalf("%d track frames, want %d", n, want)
	}
}

func TestAReceiveOnlyParticipantGetsTracksThatStartAfterItJoined(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	g := newID()
	// The listener joins first, alone, publishing nothing: its first
	// offer waits for an m-line.
	sub, _ := e.join(g, e.member(g, "listener", rights.RoleCreator, rights.Rights{}), false, false)
	pub, _ := e.join(g, e.member(g, "speaker", rights.RoleMember, rights.Rights{}), true, true)
	flowing(t, sub, pub.ParticipantID, "microphone")
	flowing(t, sub, pub.ParticipantID, "camera")
	// And one that joins right after a publisher, before its media flows.
	sub2, _ := e.join(g, e.member(g, "late", rights.RoleMember, rights.Rights{}), false, false)
	flowing(t, sub2, pub.ParticipantID, "camera")
}

func TestSubscribeStopsAndResumesForwardingToOneClient(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	_, cs := call(t, e, 3)
	a, b, c := cs[0], cs[1], cs[2]
	if err := a.Subscribe(b.ParticipantID, "video", false); err != nil {
		t.Fatal(err)
	}
	silent(t, a, b, "camera")
	flowing(t, a, b.ParticipantID, "microphone") // only the kind asked
	flowing(t, c, b.ParticipantID, "camera")     // only for this client
	if err := a.Subscribe(b.ParticipantID, "audio", false); err != nil {
		t.Fatal(err)
	}
	silent(t, a, b, "microphone")
	if err := a.Subscribe(b.ParticipantID, "video", true); err != nil {
		t.Fatal(err)
	}
	if err := a.Subscribe(b.ParticipantID, "audio", true); err != nil {
		t.Fatal(err)
	}
	flowing(t, a, b.ParticipantID, "camera")
	flowing(t, a, b.ParticipantID, "microphone")
	// subscribe sends no reply frame.
	for _, f := range a.Frames() {
		if f.Type == "error" {
			t.Fatalf("subscribe answered %s", f.Raw)
		}
	}
}

func TestOwnMuteStopsForwardingAndTellsEveryone(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	_, cs := call(t, e, 3)
	a, b, c := cs[0], cs[1], cs[2]
	marks := []int{a.Mark(), b.Mark(), c.Mark()}
	if err := b.Mute("audio", true); err != nil {
		t.Fatal(err)
	}
	for i, x := range cs {
		p, err := x.WaitParticipant(ctx(t), marks[i], "participant.updated", b.ParticipantID, func(p callclient.Participant) bool { return p.Audio.Muted })
		if err != nil {
			t.Fatal(err)
		}
		if p.Audio.MutedBy != nil || p.Video.Muted {
			t.Fatalf("self-mute shows %+v", p)
		}
	}
	silent(t, a, b, "microphone")
	silent(t, c, b, "microphone")
	flowing(t, a, b.ParticipantID, "camera")
	mark := a.Mark()
	if err := b.Mute("audio", false); err != nil {
		t.Fatal(err)
	}
	if _, err := a.WaitParticipant(ctx(t), mark, "participant.updated", b.ParticipantID, func(p callclient.Participant) bool { return !p.Audio.Muted }); err != nil {
		t.Fatal(err)
	}
	flowing(t, a, b.ParticipantID, "microphone")
	flowing(t, c, b.ParticipantID, "microphone")
}

func TestScreenShareIsASecondVideoTrack(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	_, cs := call(t, e, 2)
	a, b := cs[0], cs[1]
	mark := a.Mark()
	if err := b.StartScreen(); err != nil {
		t.Fatal(err)
	}
	if _, err := a.WaitParticipant(ctx(t), mark, "participant.updated", b.ParticipantID, func(p callclient.Participant) bool { return p.Screen }); err != nil {
		t.Fatal(err)
	}
	f, err := a.Wait(ctx(t), mark, "track", func(f callclient.Frame) bool { return strings.Contains(string(f.Raw), `"source":"screen"`) })
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(f.Raw), `"streamId":"`+b.ParticipantID+`.screen"`) || !strings.Contains(string(f.Raw), `"kind":"video"`) {
		t.Fatalf("screen track frame: %s", f.Raw)
	}
	flowing(t, a, b.ParticipantID, "screen")
	flowing(t, a, b.ParticipantID, "camera") // the camera goes on
	mark = a.Mark()
	if err := b.StopScreen(); err != nil {
		t.Fatal(err)
	}
	if _, err := a.WaitParticipant(ctx(t), mark, "participant.updated", b.ParticipantID, func(p callclient.Participant) bool { return !p.Screen }); err != nil {
		t.Fatal(err)
	}
	silent(t, a, b, "screen")
	// The screen's m-line is inactive in the next offer.
	o, err := a.Wait(ctx(t), mark, "offer", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(o.Raw), `a=inactive`) {
		t.Fatalf("the offer after the share ended has no inactive m-line")
	}
	// A second share reuses the same receiving m-line and flows again.
	if err := b.StartScreen(); err != nil {
		t.Fatal(err)
	}
	flowingAgain(t, a, b.ParticipantID, "screen")
}

// flowingAgain waits for at least 20 more packets of a source.
func flowingAgain(t *testing.T, rx *callclient.Client, from, source string) {
	t.Helper()
	n := rx.Received(from, source)
	eventually(t, fmt.Sprintf("%s of %s does not flow again", source, from), func() bool { return rx.Received(from, source) >= n+20 })
}

func TestOffersAreCoalescedWhileOneIsOutstanding(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	g := newID()
	a, _ := e.join(g, e.member(g, "ann", rights.RoleCreator, rights.Rights{}), true, true)
	first, err := a.Wait(ctx(t), 0, "offer", nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = first
	// a holds its next offer unanswered while three others join and
	// start their media: six new tracks for a.
	eventually(t, "a never connected", func() bool { return a.PeerConnection().ConnectionState().String() == "connected" })
	a.HoldAnswers()
	mark := a.Mark()
	var others []*callclient.Client
	for i := range 3 {
		c, _ := e.join(g, e.member(g, fmt.Sprintf("u%d", i), rights.RoleMember, rights.Rights{}), true, true)
		others = append(others, c)
	}
	eventually(t, "a was not told of the six tracks", func() bool {
		n := 0
		for _, f := range a.Frames()[mark:] {
			if f.Type == "track" {
				n++
			}
		}
		return n == 6
	})
	offers := func() []callclient.Frame {
		var out []callclient.Frame
		for _, f := range a.Frames()[mark:] {
			if f.Type == "offer" {
				out = append(out, f)
			}
		}
		return out
	}
	eventually(t, "no offer after the joins", func() bool { return len(offers()) >= 1 })
	a.ReleaseAnswers()
	for _, o := range others {
		flowing(t, a, o.ParticipantID, "camera")
		flowing(t, a, o.ParticipantID, "microphone")
	}
	got := offers()
	if len(got) > 2 {
		t.Fatalf("six changes while an offer was outstanding gave %d offers, want at most 2 (the outstanding one, then one for the rest)", len(got))
	}
	last := string(got[len(got)-1].Raw)
	for _, o := range others {
		if !regexp.MustCompile(`a=msid:` + o.ParticipantID + ` `).MatchString(last) {
			t.Fatalf("the last offer lacks %s's tracks", o.ParticipantID)
		}
	}
}

func TestICERestartKeepsMediaFlowing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	_, cs := call(t, e, 2)
	a, b := cs[0], cs[1]
	ufrag := func(f callclient.Frame) string {
		return regexp.MustCompile(`a=ice-ufrag:(\S+)`).FindStringSubmatch(strings.ReplaceAll(string(f.Raw), `\r\n`, "\n"))[1]
	}
	before, err := a.Wait(ctx(t), 0, "offer", nil)
	if err != nil {
		t.Fatal(err)
	}
	mark := a.Mark()
	if err := a.Send(map[string]any{"type": "renegotiate", "iceRestart": true}); err != nil {
		t.Fatal(err)
	}
	after, err := a.Wait(ctx(t), mark, "offer", nil)
	if err != nil {
		t.Fatal(err)
	}
	if ufrag(before) == ufrag(after) {
		t.Fatal("the offer after renegotiate {iceRestart} keeps the ICE credentials")
	}
	flowingAgain(t, a, b.ParticipantID, "camera")
	flowingAgain(t, b, a.ParticipantID, "microphone")
}

func TestRenegotiateAddsAKindJoinDidNotAnnounce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	g := newID()
	a, _ := e.join(g, e.member(g, "ann", rights.RoleCreator, rights.Rights{}), true, true)
	b, jb := e.join(g, e.member(g, "bob", rights.RoleMember, rights.Rights{}), true, false)
	if p := jb.Participants[1]; !p.Video.Muted || p.Audio.Muted {
		t.Fatalf("an audio-only joiner shows %+v", p)
	}
	flowing(t, a, b.ParticipantID, "microphone")
	mark := b.Mark()
	if err := b.StartCamera(); err != nil {
		t.Fatal(err)
	}
	o, err := b.Wait(ctx(t), mark, "offer", nil)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(string(o.Raw), "a=recvonly") != 2 {
		t.Fatalf("the offer after renegotiate {video} has %d receiving m-lines, want 2", strings.Count(string(o.Raw), "a=recvonly"))
	}
	// The new kind stays muted until the client unmutes it.
	silent(t, a, b, "camera")
	mark = a.Mark()
	if err := b.Mute("video", false); err != nil {
		t.Fatal(err)
	}
	if _, err := a.WaitParticipant(ctx(t), mark, "participant.updated", b.ParticipantID, func(p callclient.Participant) bool { return !p.Video.Muted }); err != nil {
		t.Fatal(err)
	}
	flowing(t, a, b.ParticipantID, "camera")
}

// TestASubscribersNACKGetsThePacketAgain: a subscriber asking (RTCP
// NACK) for a video packet it already received gets it again, from the
// downtrack's history.
func TestASubscribersNACKGetsThePacketAgain(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	g := newID()
	pub, _ := e.join(g, e.member(g, "speaker", rights.RoleCreator, rights.Rights{}), true, true)
	// A subscriber that counts replayed packets: SRTP's replay protection
	// would drop a second copy of a packet it already has.
	sub, err := callclient.Dial(ctx(t), callclient.URL(e.url, g), "tok:"+e.member(g, "listener", rights.RoleMember, rights.Rights{}),
		callclient.Options{LoopbackOnly: true, AcceptReplays: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sub.Close)
	if _, err := sub.Join(ctx(t), false, false); err != nil {
		t.Fatal(err)
	}
	flowing(t, sub, pub.ParticipantID, "camera")
	var ssrc uint32
	for _, r := range sub.PeerConnection().GetReceivers() {
		if tr := r.Track(); tr != nil && tr.Kind() == webrtc.RTPCodecTypeVideo && tr.StreamID() == pub.ParticipantID {
			ssrc = uint32(tr.SSRC())
		}
	}
	if ssrc == 0 {
		t.Fatal("no video track from the publisher")
	}
	late0, last := sub.Late(pub.ParticipantID, "camera")
	nack := &rtcp.TransportLayerNack{MediaSSRC: ssrc, Nacks: []rtcp.NackPair{{PacketID: last - 3, LostPackets: 0b101}}}
	if err := sub.PeerConnection().WriteRTCP([]rtcp.Packet{nack}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the NACKed packets arrive again", func() bool {
		late, _ := sub.Late(pub.ParticipantID, "camera")
		return late-late0 >= 3
	})
}

// An m-line freed by a participant who left stays inactive through every
// offer until a new track takes it; the track that takes it is received,
// however many offers carried it inactive (a pion answerer stops the
// receiver of an inactive m-line at each such offer: callclient's
// answer keeps it alive, see keepReceivers).
func TestAFreedMLineCarriesANewTrackAfterSeveralOffers(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	g, cs := call(t, e, 3)
	a, b, c := cs[0], cs[1], cs[2]
	b.Close()
	inactive := func() int {
		n := 0
		for _, tr := range c.PeerConnection().GetTransceivers() {
			if tr.Direction() == webrtc.RTPTransceiverDirectionInactive {
				n++
			}
		}
		return n
	}
	eventually(t, "c's m-lines of b never went inactive", func() bool { return inactive() >= 2 })
	// An offer that reuses only the audio m-line: the video one is inactive in it again.
	d, _ := e.join(g, e.member(g, "dora", rights.RoleMember, rights.Rights{}), true, false)
	flowing(t, c, d.ParticipantID, "microphone")
	// A second one: b's video m-line, inactive in two offers, now carries d2's camera.
	d2, _ := e.join(g, e.member(g, "dan", rights.RoleMember, rights.Rights{}), false, true)
	flowing(t, c, d2.ParticipantID, "camera")
	flowing(t, a, d2.ParticipantID, "camera")
}
