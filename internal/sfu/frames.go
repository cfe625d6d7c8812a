package sfu

import (
	"encoding/json"
	"fmt"

	"github.com/google/uuid"
	"github.com/pion/webrtc/v4"

	"github.com/parleychat/parley/internal/errs"
)

// Kinds and sources of tracks (api/websocket.md).
const (
	KindAudio = "audio"
	KindVideo = "video"

	SourceMicrophone = "microphone"
	SourceCamera     = "camera"
	SourceScreen     = "screen"
)

// Close codes of the call socket beyond the standard ones
// (api/websocket.md "Connection, auth, close codes").
const (
	CloseNormal          = 1000
	CloseGoingAway       = 1001
	CloseTooSlow         = 1008
	CloseTooLarge        = 1009
	CloseInternalError   = 1011
	CloseServiceRestart  = 1012
	CloseTryAgainLater   = 1013
	CloseUnauthenticated = 4001
	CloseNotFound        = 4004
	CloseRateLimited     = 4008
	CloseCallFull        = 4009
)

// maxCandidateLen bounds an ICE candidate line; real ones are ~100 bytes.
const maxCandidateLen = 1024

// inFrame is a client frame after its type was read. Fields a type does
// not use stay zero; unknown fields are ignored.
type inFrame struct {
	Type string `json:"type"`

	// join; renegotiate's additions
	Audio      bool  `json:"audio"`
	Video      bool  `json:"video"`
	Screen     *bool `json:"screen"`
	IceRestart bool  `json:"iceRestart"`

	// answer
	SDP string `json:"sdp"`

	// candidate
	Candidate *webrtc.ICECandidateInit `json:"candidate"`

	// mute, moderate, subscribe
	ParticipantID string `json:"participantId"`
	Kind          string `json:"kind"`
	Muted         *bool  `json:"muted"`
	Enabled       *bool  `json:"enabled"`

	// view
	Width  *int `json:"width"`
	Height *int `json:"height"`
}

// parseFrame decodes and checks one client frame. Errors are errs.Invalid
// with a message for the client.
func parseFrame(b []byte) (inFrame, error) {
	var f inFrame
	if err := json.Unmarshal(b, &f); err != nil {
		return inFrame{}, errs.E(errs.Invalid, "frames must be JSON objects with a type and well-typed fields: %s", jsonProblem(err))
	}
	switch f.Type {
	case "join", "leave", "ping", "auth":
	case "answer":
		if f.SDP == "" {
			return inFrame{}, errs.E(errs.Invalid, "answer needs sdp")
		}
	case "candidate":
		if f.Candidate != nil && len(f.Candidate.Candidate) > maxCandidateLen {
			return inFrame{}, errs.E(errs.Invalid, "candidate is too long")
		}
	case "renegotiate":
	case "mute":
		if err := checkKind(f.Kind); err != nil {
			return inFrame{}, err
		}
		if f.Muted == nil {
			return inFrame{}, errs.E(errs.Invalid, "mute needs muted (a boolean)")
		}
	case "moderate":
		if err := checkKind(f.Kind); err != nil {
			return inFrame{}, err
		}
		if err := checkParticipantID(f.ParticipantID); err != nil {
			return inFrame{}, err
		}
		if f.Muted == nil {
			return inFrame{}, errs.E(errs.Invalid, "moderate needs muted (a boolean)")
		}
	case "subscribe":
		if err := checkKind(f.Kind); err != nil {
			return inFrame{}, err
		}
		if err := checkParticipantID(f.ParticipantID); err != nil {
			return inFrame{}, err
		}
		if f.Enabled == nil {
			return inFrame{}, errs.E(errs.Invalid, "subscribe needs enabled (a boolean)")
		}
	case "view":
		if err := checkParticipantID(f.ParticipantID); err != nil {
			return inFrame{}, err
		}
		if f.Width == nil || f.Height == nil || *f.Width < 0 || *f.Height < 0 || *f.Width > maxViewSide || *f.Height > maxViewSide {
			return inFrame{}, errs.E(errs.Invalid, "view needs width and height (0 to %d pixels)", maxViewSide)
		}
	case "":
		return inFrame{}, errs.E(errs.Invalid, "frames need a type")
	default:
		return inFrame{}, errs.E(errs.Invalid, "unknown frame type %q", clip(f.Type))
	}
	return f, nil
}

func checkKind(k string) error {
	if k != KindAudio && k != KindVideo {
		return errs.E(errs.Invalid, "kind must be audio or video")
	}
	return nil
}

// checkParticipantID accepts canonical UUIDs only (participant ids are
// ours, always lower case).
func checkParticipantID(id string) error {
	u, err := uuid.Parse(id)
	if err != nil || u.String() != id {
		return errs.E(errs.Invalid, "participantId must be a participant's id")
	}
	return nil
}

func jsonProblem(err error) string {
	var te *json.UnmarshalTypeError
	if e, ok := err.(*json.UnmarshalTypeError); ok {
		te = e
		return fmt.Sprintf("%s must be %s", te.Field, te.Type)
	}
	return "not valid JSON"
}

func clip(s string) string {
	if len(s) > 32 {
		return s[:32] + "…"
	}
	return s
}

// Participant is a participant as the protocol shows it.
type Participant struct {
	ParticipantID string     `json:"participantId"`
	UserID        string     `json:"userId"`
	Username      string     `json:"username"`
	Audio         TrackState `json:"audio"`
	Video         TrackState `json:"video"`
	Screen        bool       `json:"screen"`
}

// TrackState is whether one kind is muted and by which moderator (nil for a
// self-mute).
type TrackState struct {
	Muted   bool    `json:"muted"`
	MutedBy *string `json:"mutedBy"`
}

// CallState is the answer to GET /api/v1/calls/{groupId}.
type CallState struct {
	Active       bool          `json:"active"`
	StartedAt    *string       `json:"startedAt"`
	Participants []Participant `json:"participants"`
}

// Server frames.
type (
	joinedFrame struct {
		Type          string        `json:"type"`
		ParticipantID string        `json:"participantId"`
		Participants  []Participant `json:"participants"`
		ICEServers    []ICEServer   `json:"iceServers"`
	}
	sdpFrame struct {
		Type string `json:"type"`
		SDP  string `json:"sdp"`
	}
	trackFrame struct {
		Type          string `json:"type"`
		ParticipantID string `json:"participantId"`
		StreamID      string `json:"streamId"`
		TrackID       string `json:"trackId"`
		Kind          string `json:"kind"`
		Source        string `json:"source"`
	}
	participantFrame struct {
		Type        string      `json:"type"`
		Participant Participant `json:"participant"`
	}
	moderatedFrame struct {
		Type  string `json:"type"`
		Kind  string `json:"kind"`
		Muted bool   `json:"muted"`
		By    string `json:"by"`
	}
	errorFrame struct {
		Type  string    `json:"type"`
		Error errorBody `json:"error"`
	}
	errorBody struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	typeOnly struct {
		Type string `json:"type"`
	}
)

// encode marshals a server frame; our frames always encode.
func encode(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("sfu: encode frame: " + err.Error())
	}
	return b
}

// errorFrameFor is the error frame for err: its kind's code and its
// message when classified, a generic one otherwise.
func errorFrameFor(err error) []byte {
	e := errs.As(err)
	if e == nil || e.Kind == errs.Internal {
		return encode(errorFrame{Type: "error", Error: errorBody{Code: "internal", Message: "internal error"}})
	}
	return encode(errorFrame{Type: "error", Error: errorBody{Code: string(e.Kind), Message: e.Message}})
}
