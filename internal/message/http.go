package message

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/httpapi"
	"github.com/parleychat/parley/internal/message/messagerule"
)

// HandlerConfig holds what a Handler needs.
type HandlerConfig struct {
	Service *Service
	// Require authenticates a request and puts its auth.Claims in the
	// context (auth.Verifier.Require); every route goes through it.
	Require func(http.Handler) http.Handler
	// Logger receives internal errors, with the request id.
	Logger *slog.Logger
	// Limiter, when set, limits how often one user sends messages and
	// asks for uploads through REST (429 with Retry-After beyond).
	Limiter Limiter
	// MembershipGrace is how long REST calls wait for the member
	// projection to learn of a group or member it does not know yet
	// (default 2 s; negative: no wait).
	MembershipGrace time.Duration
}

// Handler serves the messages and files API (API.md "Messages and files")
// under /api/v1. The author of anything it stores is the authenticated
// caller, never a field of the body.
type Handler struct {
	svc     *Service
	require func(http.Handler) http.Handler
	log     *slog.Logger
	limiter Limiter
	grace   time.Duration
}

// NewHandler checks c and returns a Handler.
func NewHandler(c HandlerConfig) (*Handler, error) {
	if c.Service == nil || c.Require == nil {
		return nil, errors.New("message: NewHandler: Service and Require are required")
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return &Handler{svc: c.Service, require: c.Require, log: c.Logger, limiter: c.Limiter, grace: c.MembershipGrace}, nil
}

type authedFunc func(w http.ResponseWriter, r *http.Request, userID string)

// Register mounts every route of the role on mux.
func (h *Handler) Register(mux *http.ServeMux) {
	authed := func(f authedFunc) http.Handler {
		return auth.Signed(h.require, func(w http.ResponseWriter, r *http.Request, c auth.Claims) { f(w, r, c.UserID) })
	}
	mux.Handle("GET /api/v1/groups/{id}/messages", authed(h.history))
	mux.Handle("POST /api/v1/groups/{id}/messages", authed(h.post))
	mux.Handle("PATCH /api/v1/groups/{id}/messages/{messageId}", authed(h.edit))
	mux.Handle("DELETE /api/v1/groups/{id}/messages/{messageId}", authed(h.delete))
	mux.Handle("PUT /api/v1/groups/{id}/messages/{messageId}/reactions/{emoji}", authed(h.react(true)))
	mux.Handle("DELETE /api/v1/groups/{id}/messages/{messageId}/reactions/{emoji}", authed(h.react(false)))
	mux.Handle("POST /api/v1/groups/{id}/messages/{messageId}/hide", authed(h.hide))
	mux.Handle("POST /api/v1/groups/{id}/uploads", authed(h.uploads))
	mux.Handle("POST /api/v1/groups/{id}/attachments/urls", authed(h.attachmentURLs))
	mux.Handle("POST /api/v1/groups/{id}/read", authed(h.markRead))
	mux.Handle("GET /api/v1/groups/{id}/read-receipts", authed(h.receipts))
	mux.Handle("GET /api/v1/read-state", authed(h.readState))
	mux.Handle("GET /api/v1/read-state/settings", authed(h.receiptSettings))
	mux.Handle("PUT /api/v1/read-state/settings", authed(h.setReceiptSettings))
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	httpapi.Error(w, r, h.log, err)
}

func (h *Handler) reply(w http.ResponseWriter, r *http.Request, status int, v any, err error) {
	httpapi.Reply(w, r, h.log, status, v, err)
}

// pathID is the path value name in canonical form (package ids), or ""
// when it is not an id, which the service answers as not found.
func pathID(r *http.Request, name string) string {
	id, _ := httpapi.PathID(r, name)
	return id
}

// seqParam parses a non-negative seq from the query.
func seqParam(r *http.Request, name string) (int64, bool, error) {
	raw := r.URL.Query().Get(name)
	if raw == "" {
		return 0, false, nil
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || n < 0 {
		return 0, false, errs.Field(name, "must be a non-negative integer")
	}
	return n, true, nil
}

func (h *Handler) history(w http.ResponseWriter, r *http.Request, uid string) {
	if !h.allow(w, r, "message:read:user:", uid, limitRead) {
		return
	}
	before, hasBefore, err := seqParam(r, "before")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	after, hasAfter, err := seqParam(r, "after")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if hasBefore && hasAfter {
		h.fail(w, r, errs.E(errs.Invalid, "give before or after, not both"))
		return
	}
	limit := DefaultLimit
	if raw := r.URL.Query().Get("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > MaxLimit {
			h.fail(w, r, errs.Field("limit", "must be 1 to 100"))
			return
		}
		limit = n
	}
	if hasBefore && before == 0 {
		h.fail(w, r, errs.Field("before", "must be at least 1"))
		return
	}
	c := Cursor{Limit: limit, After: after, IsAfter: hasAfter, Before: before}
	var p Page
	err = h.graced(r.Context(), func() (err error) { p, err = h.svc.History(r.Context(), pathID(r, "id"), uid, c); return })
	h.reply(w, r, http.StatusOK, p, err)
}

type postBody struct {
	ClientMsgID string          `json:"clientMsgId"`
	Text        string          `json:"text"`
	Attachments []AttachmentRef `json:"attachments"`
	ReplyToID   string          `json:"replyToId"`
	Mentions    []string        `json:"mentions"`
}

// canonicalRefs puts the ids of a body in canonical form (package ids),
// as the edge does with every id it receives.
func canonicalRefs(replyToID string, mentions []string) (string, []string, error) {
	r, ms, p := messagerule.CanonicalRefs(replyToID, mentions)
	if p != nil {
		return "", nil, errs.Field(p.Field, p.Why)
	}
	return r, ms, nil
}

func (h *Handler) post(w http.ResponseWriter, r *http.Request, uid string) {
	if !h.allow(w, r, "message:send:user:", uid, limitSend) {
		return
	}
	b, err := httpapi.Decode[postBody](r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if b.ReplyToID, b.Mentions, err = canonicalRefs(b.ReplyToID, b.Mentions); err != nil {
		h.fail(w, r, err)
		return
	}
	var m Message
	err = h.graced(r.Context(), func() (err error) {
		m, err = h.svc.Post(r.Context(), Submitted{GroupID: pathID(r, "id"), AuthorID: uid, ClientMsgID: b.ClientMsgID, Text: b.Text, Attachments: b.Attachments,
			ReplyToID: b.ReplyToID, Mentions: b.Mentions})
		return
	})
	h.reply(w, r, http.StatusCreated, m, err)
}

type editBody struct {
	Text     *string  `json:"text"`
	Mentions []string `json:"mentions"`
}

// edit is PATCH …/messages/{messageId}: rate limited with sends.
func (h *Handler) edit(w http.ResponseWriter, r *http.Request, uid string) {
	if !h.allow(w, r, "message:send:user:", uid, limitSend) {
		return
	}
	b, err := httpapi.Decode[editBody](r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if b.Text == nil {
		h.fail(w, r, errs.Field("text", "is required"))
		return
	}
	if _, b.Mentions, err = canonicalRefs("", b.Mentions); err != nil {
		h.fail(w, r, err)
		return
	}
	var m Message
	err = h.graced(r.Context(), func() (err error) {
		m, err = h.svc.Edit(r.Context(), pathID(r, "id"), pathID(r, "messageId"), uid, Edit{Text: *b.Text, Mentions: b.Mentions})
		return
	})
	h.reply(w, r, http.StatusOK, m, err)
}

// react is PUT (add) or DELETE …/reactions/{emoji}; the mux unescapes
// the emoji from the path.
func (h *Handler) react(add bool) authedFunc {
	return func(w http.ResponseWriter, r *http.Request, uid string) {
		if !h.allow(w, r, "message:react:user:", uid, limitReact) {
			return
		}
		err := h.graced(r.Context(), func() error {
			return h.svc.React(r.Context(), pathID(r, "id"), pathID(r, "messageId"), uid, r.PathValue("emoji"), add)
		})
		h.reply(w, r, http.StatusNoContent, nil, err)
	}
}

func (h *Handler) delete(w http.ResponseWriter, r *http.Request, uid string) {
	err := h.svc.Delete(r.Context(), pathID(r, "id"), pathID(r, "messageId"), uid)
	h.reply(w, r, http.StatusNoContent, nil, err)
}

func (h *Handler) hide(w http.ResponseWriter, r *http.Request, uid string) {
	err := h.svc.Hide(r.Context(), pathID(r, "id"), pathID(r, "messageId"), uid)
	h.reply(w, r, http.StatusNoContent, nil, err)
}

type uploadsBody struct {
	Files []FileSpec `json:"files"`
}

func (h *Handler) uploads(w http.ResponseWriter, r *http.Request, uid string) {
	if !h.allow(w, r, "message:uploads:user:", uid, limitUploads) {
		return
	}
	b, err := httpapi.Decode[uploadsBody](r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var ts []UploadTicket
	err = h.graced(r.Context(), func() (err error) { ts, err = h.svc.Uploads(r.Context(), pathID(r, "id"), uid, b.Files); return })
	h.reply(w, r, http.StatusCreated, httpapi.Items[UploadTicket]{Items: ts}, err)
}

type urlsBody struct {
	Keys []string `json:"keys"`
}

func (h *Handler) attachmentURLs(w http.ResponseWriter, r *http.Request, uid string) {
	if !h.allow(w, r, "message:read:user:", uid, limitRead) {
		return
	}
	b, err := httpapi.Decode[urlsBody](r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	us, err := h.svc.AttachmentURLs(r.Context(), pathID(r, "id"), uid, b.Keys)
	h.reply(w, r, http.StatusOK, httpapi.Items[DownloadURL]{Items: us}, err)
}

// graced runs fn and, while it fails with "no such group", runs it again
// for up to membershipGrace: the member projection follows the group role
// through events, so a member the group role has just added (or a group
// just created) may not be known here for a moment. A real non-member
// gets the same 404, a little later. A service that asks the group role
// on a miss (Config.Members) answers at once: its 404 is the owner's.
func (h *Handler) graced(ctx context.Context, fn func() error) error {
	grace := h.grace
	if grace == 0 {
		grace = membershipGrace
	}
	deadline := time.Now().Add(grace)
	for {
		err := fn()
		if !isNoGroup(err) || grace < 0 || h.svc.members != nil || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(50 * time.Millisecond):
		}
	}
}
