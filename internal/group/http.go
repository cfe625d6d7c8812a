package group

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/httpapi"
	"github.com/parleychat/parley/internal/ids"
	"github.com/parleychat/parley/internal/picture"
)

// cacheVersioned is the Cache-Control of a picture: its URL never
// changes content.
const cacheVersioned = "public, max-age=31536000, immutable"

// HandlerConfig holds what a Handler needs.
type HandlerConfig struct {
	Service *Service
	// Require authenticates a request and puts its auth.Claims in the
	// context (auth.Verifier.Require); every route but the picture GET
	// goes through it.
	Require func(http.Handler) http.Handler
	// Logger receives internal errors, with the request id.
	Logger *slog.Logger
	// PublicURL is the URL users reach (unused for now; kept so that the
	// role can build absolute links later).
	PublicURL string
}

// Handler serves the groups, members and invites API (API.md "Groups,
// members, invites") under /api/v1.
type Handler struct {
	svc     *Service
	require func(http.Handler) http.Handler
	log     *slog.Logger
}

// NewHandler checks c and returns a Handler.
func NewHandler(c HandlerConfig) (*Handler, error) {
	if c.Service == nil || c.Require == nil {
		return nil, errors.New("group: NewHandler: Service and Require are required")
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return &Handler{svc: c.Service, require: c.Require, log: c.Logger}, nil
}

type authedFunc func(w http.ResponseWriter, r *http.Request, userID string)

// Register mounts every route of the role on mux.
func (h *Handler) Register(mux *http.ServeMux) {
	authed := func(f authedFunc) http.Handler {
		return auth.Signed(h.require, func(w http.ResponseWriter, r *http.Request, c auth.Claims) { f(w, r, c.UserID) })
	}
	mux.Handle("GET /api/v1/groups", authed(h.list))
	mux.Handle("POST /api/v1/groups", authed(h.create))
	mux.Handle("GET /api/v1/groups/{id}", authed(h.get))
	mux.Handle("PATCH /api/v1/groups/{id}", authed(h.rename))
	mux.Handle("DELETE /api/v1/groups/{id}", authed(h.delete))
	mux.Handle("PUT /api/v1/groups/{id}/picture", httpapi.Limit(picture.MaxUploadBody, authed(h.setPicture)))
	mux.Handle("DELETE /api/v1/groups/{id}/picture", authed(h.deletePicture))
	mux.HandleFunc("GET /api/v1/groups/{id}/picture", h.picture)
	mux.Handle("GET /api/v1/groups/{id}/members", authed(h.members))
	mux.Handle("PATCH /api/v1/groups/{id}/members/{userId}", authed(h.updateMember))
	mux.Handle("DELETE /api/v1/groups/{id}/members/{userId}", authed(h.removeMember))
	mux.Handle("POST /api/v1/groups/{id}/owner", authed(h.transfer))
	mux.Handle("POST /api/v1/groups/{id}/invites", authed(h.invite))
	mux.Handle("POST /api/v1/direct", authed(h.direct))
	mux.Handle("GET /api/v1/invites", authed(h.invites))
	mux.Handle("POST /api/v1/invites/{id}/accept", authed(h.accept))
	mux.Handle("POST /api/v1/invites/{id}/decline", authed(h.decline))
	mux.Handle("DELETE /api/v1/invites/{id}", authed(h.cancel))
}

// groupID, memberPath and inviteID read the ids of a path in canonical
// form (package ids). A segment that is not an id names nothing: it is the
// same 404 as an id that names nothing, before any lookup.
func groupID(r *http.Request) (string, error) {
	gid, ok := httpapi.PathID(r, "id")
	if !ok {
		return "", errNoGroup()
	}
	return gid, nil
}

func memberPath(r *http.Request) (string, string, error) {
	gid, err := groupID(r)
	if err != nil {
		return "", "", err
	}
	target, ok := httpapi.PathID(r, "userId")
	if !ok {
		return "", "", errs.E(errs.NotFound, "no such member")
	}
	return gid, target, nil
}

func inviteID(r *http.Request) (string, error) {
	id, ok := httpapi.PathID(r, "id")
	if !ok {
		return "", errNoInvite()
	}
	return id, nil
}

// decodeUser reads a {"userId"} body and canonicalises the id; a missing
// one is left to the service ("is required"), a malformed one is invalid.
func decodeUser(r *http.Request) (userBody, error) {
	in, err := httpapi.Decode[userBody](r)
	if err != nil || in.UserID == "" {
		return in, err
	}
	id, ok := ids.Canonical(in.UserID)
	if !ok {
		return in, errs.Field("userId", "is not a user id")
	}
	in.UserID = id
	return in, nil
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	httpapi.Error(w, r, h.log, err)
}

func (h *Handler) reply(w http.ResponseWriter, r *http.Request, status int, v any, err error) {
	httpapi.Reply(w, r, h.log, status, v, err)
}

func (h *Handler) list(w http.ResponseWriter, r *http.Request, uid string) {
	gs, err := h.svc.List(r.Context(), uid)
	h.reply(w, r, http.StatusOK, httpapi.Items[MyGroup]{Items: gs}, err)
}

type nameBody struct {
	Name string `json:"name"`
}

func (h *Handler) create(w http.ResponseWriter, r *http.Request, uid string) {
	in, err := httpapi.Decode[nameBody](r)
	var g MyGroup
	if err == nil {
		g, err = h.svc.Create(r.Context(), uid, in.Name)
	}
	h.reply(w, r, http.StatusCreated, g, err)
}

func (h *Handler) get(w http.ResponseWriter, r *http.Request, uid string) {
	gid, err := groupID(r)
	var d GroupDetail
	if err == nil {
		d, err = h.svc.Get(r.Context(), uid, gid)
	}
	h.reply(w, r, http.StatusOK, d, err)
}

func (h *Handler) rename(w http.ResponseWriter, r *http.Request, uid string) {
	gid, err := groupID(r)
	var in nameBody
	if err == nil {
		in, err = httpapi.Decode[nameBody](r)
	}
	var g MyGroup
	if err == nil {
		g, err = h.svc.Rename(r.Context(), uid, gid, in.Name)
	}
	h.reply(w, r, http.StatusOK, g, err)
}

func (h *Handler) delete(w http.ResponseWriter, r *http.Request, uid string) {
	gid, err := groupID(r)
	if err == nil {
		err = h.svc.Delete(r.Context(), uid, gid)
	}
	h.reply(w, r, http.StatusNoContent, nil, err)
}

func (h *Handler) setPicture(w http.ResponseWriter, r *http.Request, uid string) {
	gid, err := groupID(r)
	var data []byte
	if err == nil {
		data, err = picture.ReadUpload(r)
	}
	var g MyGroup
	if err == nil {
		g, err = h.svc.SetPicture(r.Context(), uid, gid, data)
	}
	h.reply(w, r, http.StatusOK, g, err)
}

func (h *Handler) deletePicture(w http.ResponseWriter, r *http.Request, uid string) {
	gid, err := groupID(r)
	if err == nil {
		err = h.svc.DeletePicture(r.Context(), uid, gid)
	}
	h.reply(w, r, http.StatusNoContent, nil, err)
}

// picture streams a group's picture. It needs no access token, so pages
// can show it with <img>, but its URL carries the picture's unguessable
// token (PictureURL); any other URL is 404. The answer may be cached for
// ever: a new picture has a new URL.
func (h *Handler) picture(w http.ResponseWriter, r *http.Request) {
	gid, err := groupID(r)
	var ref PictureRef
	if err == nil {
		ref, err = h.svc.Picture(r.Context(), gid, r.URL.Query().Get("v"))
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	etag := `"` + ref.Token + `"`
	hdr := w.Header()
	hdr.Set("ETag", etag)
	hdr.Set("X-Content-Type-Options", "nosniff")
	// Only the current picture's own URL gets here: it never changes.
	hdr.Set("Cache-Control", cacheVersioned)
	if etagMatches(r.Header.Values("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body, info, err := h.svc.OpenPicture(r.Context(), ref)
	if err != nil {
		hdr.Del("ETag")
		h.fail(w, r, err)
		return
	}
	defer body.Close()
	hdr.Set("Content-Type", info.ContentType)
	hdr.Set("Content-Length", strconv.FormatInt(info.Size, 10))
	w.WriteHeader(http.StatusOK)
	_, _ = io.Copy(w, body)
}

// etagMatches reports whether an If-None-Match header lists etag (weak
// comparison) or is "*".
func etagMatches(headers []string, etag string) bool {
	for _, h := range headers {
		for _, t := range strings.Split(h, ",") {
			t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
			if t == "*" || t == etag {
				return true
			}
		}
	}
	return false
}

func (h *Handler) members(w http.ResponseWriter, r *http.Request, uid string) {
	gid, err := groupID(r)
	var ms []Member
	if err == nil {
		ms, err = h.svc.Members(r.Context(), uid, gid)
	}
	h.reply(w, r, http.StatusOK, httpapi.Items[Member]{Items: ms}, err)
}

func (h *Handler) updateMember(w http.ResponseWriter, r *http.Request, uid string) {
	gid, target, err := memberPath(r)
	var in MemberPatch
	if err == nil {
		in, err = httpapi.Decode[MemberPatch](r)
	}
	var m Member
	if err == nil {
		m, err = h.svc.UpdateMember(r.Context(), uid, gid, target, in)
	}
	h.reply(w, r, http.StatusOK, m, err)
}

func (h *Handler) removeMember(w http.ResponseWriter, r *http.Request, uid string) {
	gid, target, err := memberPath(r)
	if err == nil {
		err = h.svc.RemoveMember(r.Context(), uid, gid, target)
	}
	h.reply(w, r, http.StatusNoContent, nil, err)
}

type userBody struct {
	UserID string `json:"userId"`
}

func (h *Handler) transfer(w http.ResponseWriter, r *http.Request, uid string) {
	gid, err := groupID(r)
	var in userBody
	if err == nil {
		in, err = decodeUser(r)
	}
	var g MyGroup
	if err == nil {
		g, err = h.svc.TransferOwnership(r.Context(), uid, gid, in.UserID)
	}
	h.reply(w, r, http.StatusOK, g, err)
}

func (h *Handler) invite(w http.ResponseWriter, r *http.Request, uid string) {
	gid, err := groupID(r)
	var in userBody
	if err == nil {
		in, err = decodeUser(r)
	}
	var inv Invite
	if err == nil {
		inv, err = h.svc.CreateInvite(r.Context(), uid, gid, in.UserID)
	}
	h.reply(w, r, http.StatusCreated, inv, err)
}

// direct is POST /direct {userId}: 201 with a new direct conversation, 200
// with the pair's existing one.
func (h *Handler) direct(w http.ResponseWriter, r *http.Request, uid string) {
	in, err := decodeUser(r)
	var g MyGroup
	created := false
	if err == nil {
		g, created, err = h.svc.StartDirect(r.Context(), uid, in.UserID)
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	h.reply(w, r, status, g, err)
}

func (h *Handler) invites(w http.ResponseWriter, r *http.Request, uid string) {
	q := r.URL.Query()
	iq := InviteQuery{Direction: q.Get("direction"), Status: q.Get("status"), Cursor: q.Get("cursor")}
	var err error
	if s := q.Get("limit"); s != "" {
		iq.Limit, err = strconv.Atoi(s)
		if err != nil || iq.Limit < 1 {
			err = errs.Field("limit", "must be 1 to 100")
		}
	}
	var page InvitePage
	if err == nil {
		page, err = h.svc.Invites(r.Context(), uid, iq)
	}
	h.reply(w, r, http.StatusOK, page, err)
}

type answer struct {
	Invite Invite   `json:"invite"`
	Group  *MyGroup `json:"group,omitempty"`
}

func (h *Handler) accept(w http.ResponseWriter, r *http.Request, uid string) {
	id, err := inviteID(r)
	var inv Invite
	var g MyGroup
	if err == nil {
		inv, g, err = h.svc.AcceptInvite(r.Context(), uid, id)
	}
	h.reply(w, r, http.StatusOK, answer{Invite: inv, Group: &g}, err)
}

func (h *Handler) decline(w http.ResponseWriter, r *http.Request, uid string) {
	id, err := inviteID(r)
	var inv Invite
	if err == nil {
		inv, err = h.svc.DeclineInvite(r.Context(), uid, id)
	}
	h.reply(w, r, http.StatusOK, answer{Invite: inv}, err)
}

func (h *Handler) cancel(w http.ResponseWriter, r *http.Request, uid string) {
	id, err := inviteID(r)
	if err == nil {
		err = h.svc.CancelInvite(r.Context(), uid, id)
	}
	h.reply(w, r, http.StatusNoContent, nil, err)
}
