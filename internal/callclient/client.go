// Package callclient is a call participant made of pion and a WebSocket,
// for tests, the system harness and the call load tool: it speaks the
// call signalling protocol (api/websocket.md) like a browser does, answers
// every offer, publishes synthetic Opus and VP8 media, and counts the RTP
// packets it receives from each participant and source. Media offers the
// same sources and counters to a PeerConnection another SFU's client
// library drives (tools/lkload, LiveKit).
//
// It is a test client, not a product: it trusts the server's frames,
// keeps every frame it receives for assertions, and fails loudly.
package callclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/pion/webrtc/v4"
)

// Options configure a client.
type Options struct {
	// LoopbackOnly gathers candidates on the loopback interface only
	// (tests against a loopback SFU).
	LoopbackOnly bool
	// VideoBitrate of the synthetic camera and screen, in bits per second
	// (300 kbps when zero).
	VideoBitrate int
	// Header is sent with the WebSocket upgrade (e.g. Origin).
	Header http.Header
	// Simulcast publishes the camera in three layers (rids q, h, f at a
	// quarter, half and all of VideoBitrate, 320×180, 640×360 and
	// 1280×720), when the SFU asks for them.
	Simulcast bool
	// RelayOnly uses the ICE servers of the joined frame and relayed
	// candidates only (TURN), as a client behind a strict NAT would.
	RelayOnly bool
	// AcceptReplays turns SRTP replay protection off, so that a packet
	// the SFU sends again (a NACK's answer) is counted even when the
	// first copy arrived (Late).
	AcceptReplays bool
}

// Frame is one server frame: its type and its raw JSON.
type Frame struct {
	Type string
	Raw  json.RawMessage
	At   time.Time
}

// Decode unmarshals the frame into v.
func (f Frame) Decode(v any) error { return json.Unmarshal(f.Raw, v) }

// Participant is the protocol's participant.
type Participant struct {
	ParticipantID string `json:"participantId"`
	UserID        string `json:"userId"`
	Username      string `json:"username"`
	Audio         struct {
		Muted   bool    `json:"muted"`
		MutedBy *string `json:"mutedBy"`
	} `json:"audio"`
	Video struct {
		Muted   bool    `json:"muted"`
		MutedBy *string `json:"mutedBy"`
	} `json:"video"`
	Screen bool `json:"screen"`
}

// Client is one call connection.
type Client struct {
	ws   *websocket.Conn
	opts Options

	mu         sync.Mutex
	cond       *sync.Cond
	frames     []Frame
	closed     bool
	closeErr   error
	pc         *webrtc.PeerConnection
	pendingCan []webrtc.ICECandidateInit
	toAttach   []*source // local sources waiting for a receiving m-line
	joinedAt   time.Time
	pcErr      error
	candTypes  []string
	hold       bool     // keep offers unanswered (HoldAnswers)
	held       []string // offers kept

	amu  sync.Mutex    // serialises answering offers
	keep keepReceivers // guarded by amu

	// ParticipantID is set once joined.
	ParticipantID string

	media *mediaState
	wmu   sync.Mutex // serialises writes
}

// Dial connects to a call socket URL (ws://…/api/v1/calls/{groupId}/ws)
// and sends auth with token.
func Dial(ctx context.Context, url, token string, opts Options) (*Client, error) {
	ws, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: opts.Header})
	if err != nil {
		return nil, fmt.Errorf("callclient: dial %s: %w", url, err)
	}
	ws.SetReadLimit(1 << 20)
	c := &Client{ws: ws, opts: opts, media: newMediaState(opts.VideoBitrate, opts.Simulcast)}
	c.cond = sync.NewCond(&c.mu)
	go c.read()
	if err := c.Send(map[string]string{"type": "auth", "token": token}); err != nil {
		ws.CloseNow()
		return nil, err
	}
	return c, nil
}

// URL builds the call socket URL of a group from the server's base URL.
func URL(base, groupID string) string {
	return strings.Replace(strings.TrimRight(base, "/"), "http", "ws", 1) + "/api/v1/calls/" + groupID + "/ws"
}

// Send writes one frame.
func (c *Client) Send(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return c.SendRaw(b)
}

// SendRaw writes one text frame as it is.
func (c *Client) SendRaw(b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return c.ws.Write(ctx, websocket.MessageText, b)
}

// SendBinary writes one binary frame (which the protocol does not use).
func (c *Client) SendBinary(b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return c.ws.Write(ctx, websocket.MessageBinary, b)
}

func (c *Client) read() {
	for {
		_, b, err := c.ws.Read(context.Background())
		if err != nil {
			c.mu.Lock()
			c.closed, c.closeErr = true, err
			c.cond.Broadcast()
			c.mu.Unlock()
			return
		}
		var t struct {
			Type string `json:"type"`
		}
		_ = json.Unmarshal(b, &t)
		f := Frame{Type: t.Type, Raw: b, At: time.Now()}
		c.mu.Lock()
		c.frames = append(c.frames, f)
		c.cond.Broadcast()
		c.mu.Unlock()
		c.handle(f)
	}
}

// Frames returns a copy of every frame received so far.
func (c *Client) Frames() []Frame {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Frame(nil), c.frames...)
}

// Mark returns a position in the frame log: Wait from it sees only later
// frames.
func (c *Client) Mark() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.frames)
}

// ErrClosed is returned by Wait when the socket closed first.
var ErrClosed = errors.New("callclient: socket closed")

// Wait returns the first frame at or after position from that matches
// (type and, if given, pred), waiting up to the context's deadline.
func (c *Client) Wait(ctx context.Context, from int, typ string, pred func(Frame) bool) (Frame, error) {
	stop := context.AfterFunc(ctx, func() {
		c.mu.Lock()
		c.cond.Broadcast()
		c.mu.Unlock()
	})
	defer stop()
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := from; ; {
		for ; i < len(c.frames); i++ {
			f := c.frames[i]
			if f.Type == typ && (pred == nil || pred(f)) {
				return f, nil
			}
		}
		if c.closed {
			return Frame{}, fmt.Errorf("%w (%v) before a %s frame", ErrClosed, c.closeErr, typ)
		}
		if ctx.Err() != nil {
			return Frame{}, fmt.Errorf("no %s frame: %w", typ, ctx.Err())
		}
		c.cond.Wait()
	}
}

// WaitClosed waits for the socket to close and returns its close status
// (-1 when it closed without one).
func (c *Client) WaitClosed(ctx context.Context) (websocket.StatusCode, error) {
	stop := context.AfterFunc(ctx, func() {
		c.mu.Lock()
		c.cond.Broadcast()
		c.mu.Unlock()
	})
	defer stop()
	c.mu.Lock()
	defer c.mu.Unlock()
	for !c.closed {
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		c.cond.Wait()
	}
	return websocket.CloseStatus(c.closeErr), nil
}

// Joined is the joined frame.
type Joined struct {
	ParticipantID string        `json:"participantId"`
	Participants  []Participant `json:"participants"`
	ICEServers    []struct {
		URLs []string `json:"urls"`
	} `json:"iceServers"`
}

// Join sends join, waits for joined and prepares the PeerConnection; the
// offers that follow are answered in the background. Publishing starts
// once the media flows.
func (c *Client) Join(ctx context.Context, audio, video bool) (Joined, error) {
	c.mu.Lock()
	if audio {
		c.toAttach = append(c.toAttach, c.media.mic)
	}
	if video {
		c.toAttach = append(c.toAttach, c.media.camera)
	}
	c.joinedAt = time.Now()
	c.mu.Unlock()
	mark := c.Mark()
	if err := c.Send(map[string]any{"type": "join", "audio": audio, "video": video}); err != nil {
		return Joined{}, err
	}
	f, err := c.Wait(ctx, mark, "joined", nil)
	if err == nil {
		_, err = c.waitPC(ctx)
	}
	if err != nil {
		if e, werr := c.Wait(context.Background(), mark, "error", nil); werr == nil {
			return Joined{}, fmt.Errorf("%w: %s", err, e.Raw)
		}
		return Joined{}, err
	}
	var j Joined
	if err := f.Decode(&j); err != nil {
		return Joined{}, err
	}
	c.mu.Lock()
	c.ParticipantID = j.ParticipantID
	c.mu.Unlock()
	return j, nil
}

// waitPC waits for the PeerConnection, which the joined frame creates.
func (c *Client) waitPC(ctx context.Context) (*webrtc.PeerConnection, error) {
	stop := context.AfterFunc(ctx, func() {
		c.mu.Lock()
		c.cond.Broadcast()
		c.mu.Unlock()
	})
	defer stop()
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.pc == nil && c.pcErr == nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		c.cond.Wait()
	}
	return c.pc, c.pcErr
}

// Mute sends mute.
func (c *Client) Mute(kind string, muted bool) error {
	return c.Send(map[string]any{"type": "mute", "kind": kind, "muted": muted})
}

// Moderate sends moderate.
func (c *Client) Moderate(participantID, kind string, muted bool) error {
	return c.Send(map[string]any{"type": "moderate", "participantId": participantID, "kind": kind, "muted": muted})
}

// Subscribe sends subscribe.
func (c *Client) Subscribe(participantID, kind string, enabled bool) error {
	return c.Send(map[string]any{"type": "subscribe", "participantId": participantID, "kind": kind, "enabled": enabled})
}

// StartScreen starts publishing a synthetic screen share.
func (c *Client) StartScreen() error {
	c.mu.Lock()
	c.toAttach = append(c.toAttach, c.media.screen)
	c.mu.Unlock()
	return c.Send(map[string]any{"type": "renegotiate", "screen": true})
}

// SetSpeaking makes the audio level extension of the published microphone
// say speech (true) or silence (false).
func (c *Client) SetSpeaking(on bool) { c.media.mic.speaking.Store(on) }

// StartCamera publishes a camera after a join without video
// (renegotiate {video: true}); it stays muted until Mute("video", false).
func (c *Client) StartCamera() error {
	c.mu.Lock()
	c.toAttach = append(c.toAttach, c.media.camera)
	c.mu.Unlock()
	return c.Send(map[string]any{"type": "renegotiate", "video": true})
}

// StopScreen ends the screen share.
func (c *Client) StopScreen() error {
	return c.Send(map[string]any{"type": "renegotiate", "screen": false})
}

// HoldAnswers makes the client keep the offers it receives unanswered
// until ReleaseAnswers (to observe how the server coalesces changes).
func (c *Client) HoldAnswers() {
	c.mu.Lock()
	c.hold = true
	c.mu.Unlock()
}

// ReleaseAnswers answers the offers held, in order, and stops holding.
func (c *Client) ReleaseAnswers() {
	c.mu.Lock()
	held := c.held
	c.hold, c.held = false, nil
	c.mu.Unlock()
	for _, sdp := range held {
		c.answer(sdp)
	}
}

// Leave sends leave.
func (c *Client) Leave() error { return c.Send(map[string]string{"type": "leave"}) }

// Close drops the socket and the PeerConnection.
func (c *Client) Close() {
	c.media.stop()
	_ = c.ws.CloseNow()
	c.mu.Lock()
	pc := c.pc
	c.mu.Unlock()
	if pc != nil {
		_ = pc.Close()
	}
}

// PeerConnection returns the client's PeerConnection (nil before Join).
func (c *Client) PeerConnection() *webrtc.PeerConnection {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pc
}
