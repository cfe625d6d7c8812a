package user

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/httpapi"
	pictures "github.com/parleychat/parley/internal/picture"
)

// Cookie and header names (API.md "Conventions").
const (
	RefreshCookie = "parley_refresh"
	RefreshPath   = "/api/v1/auth"
	CSRFHeader    = "X-Parley-CSRF"
)

// defaultRefreshLifetime is the cookie lifetime when the token role does
// not say when a refresh token expires.
const defaultRefreshLifetime = 30 * 24 * time.Hour

// maxPictureBody caps a picture upload request: the picture and the
// multipart framing around it.
const maxPictureBody = MaxPictureBytes + 64<<10

// Picture cache lifetimes: a versioned URL never changes content; any
// other URL of a picture may show another one soon.
const (
	cacheVersioned   = "public, max-age=31536000, immutable"
	cacheUnversioned = "public, max-age=60"
)

// HandlerConfig holds what a Handler needs.
type HandlerConfig struct {
	Service *Service
	// Require authenticates a request and puts its auth.Claims in the
	// context, or answers 401 itself: auth.Verifier.Require.
	Require func(http.Handler) http.Handler
	// ClientAddr is the client address the abuse limits count against
	// (httpapi.ClientIP with the trusted proxies). Nil means the address
	// of the TCP peer.
	ClientAddr func(*http.Request) netip.Addr
	// PublicURL is the URL users reach. The refresh cookie is Secure
	// unless it is http://.
	PublicURL string
	// Logger receives internal errors (with the request id). Nil discards
	// them.
	Logger *slog.Logger
}

// Handler serves the accounts and sessions API (API.md "Accounts and
// sessions") under /api/v1.
type Handler struct {
	svc        *Service
	require    func(http.Handler) http.Handler
	clientAddr func(*http.Request) netip.Addr
	secure     bool
	log        *slog.Logger
}

// NewHandler checks c and returns a Handler.
func NewHandler(c HandlerConfig) (*Handler, error) {
	if c.Service == nil || c.Require == nil {
		return nil, errors.New("user: NewHandler: Service and Require are required")
	}
	u, err := url.Parse(c.PublicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("user: NewHandler: public URL %q must be an http or https URL", c.PublicURL)
	}
	if c.ClientAddr == nil {
		c.ClientAddr = peerAddr
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return &Handler{svc: c.Service, require: c.Require, clientAddr: c.ClientAddr, secure: u.Scheme != "http", log: c.Logger}, nil
}

func peerAddr(r *http.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

// Register mounts every route of the role on mux.
func (h *Handler) Register(mux *http.ServeMux) {
	authed := func(f func(http.ResponseWriter, *http.Request, auth.Claims)) http.Handler {
		return auth.Signed(h.require, f)
	}
	mux.HandleFunc("POST /api/v1/users", h.register)
	mux.HandleFunc("POST /api/v1/users/verify", h.verify)
	mux.HandleFunc("POST /api/v1/users/verify/resend", h.resend)
	mux.HandleFunc("POST /api/v1/auth/login", h.login)
	mux.HandleFunc("POST /api/v1/auth/refresh", h.refresh)
	mux.Handle("POST /api/v1/auth/logout", authed(h.logout))
	mux.HandleFunc("POST /api/v1/auth/password/forgot", h.forgot)
	mux.HandleFunc("POST /api/v1/auth/password/reset", h.reset)
	mux.Handle("GET /api/v1/users/me", authed(h.me))
	mux.Handle("PATCH /api/v1/users/me", authed(h.updateMe))
	mux.Handle("PUT /api/v1/users/me/password", authed(h.changePassword))
	mux.Handle("PUT /api/v1/users/me/picture", httpapi.Limit(maxPictureBody, authed(h.setPicture)))
	mux.Handle("DELETE /api/v1/users/me/picture", authed(h.deletePicture))
	mux.Handle("GET /api/v1/users/{id}", authed(h.get))
	mux.HandleFunc("GET /api/v1/users/{id}/picture", h.picture)
}

// fail answers err, with Retry-After when a limit refused the request.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	var rl interface{ RetryAfter() time.Duration }
	if errors.As(err, &rl) {
		err = &httpapi.RetryAfter{Seconds: int(math.Ceil(rl.RetryAfter().Seconds())), Err: err}
	}
	httpapi.Error(w, r, h.log, err)
}

func noContent(w http.ResponseWriter, status int) {
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
}

func (h *Handler) register(w http.ResponseWriter, r *http.Request) {
	in, err := httpapi.Decode[Registration](r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	me, err := h.svc.Register(r.Context(), in, h.clientAddr(r))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpapi.Encode(w, http.StatusCreated, me)
}

type codeRequest struct {
	Code string `json:"code"`
}

type emailRequestBody struct {
	Email string `json:"email"`
}

func (h *Handler) verify(w http.ResponseWriter, r *http.Request) {
	in, err := httpapi.Decode[codeRequest](r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	me, err := h.svc.Verify(r.Context(), in.Code)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpapi.Encode(w, http.StatusOK, me)
}

func (h *Handler) resend(w http.ResponseWriter, r *http.Request) {
	in, err := httpapi.Decode[emailRequestBody](r)
	if err == nil {
		err = h.svc.ResendVerification(r.Context(), in.Email, h.clientAddr(r))
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	noContent(w, http.StatusAccepted)
}

func (h *Handler) forgot(w http.ResponseWriter, r *http.Request) {
	in, err := httpapi.Decode[emailRequestBody](r)
	if err == nil {
		err = h.svc.ForgotPassword(r.Context(), in.Email, h.clientAddr(r))
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	noContent(w, http.StatusAccepted)
}

type resetRequest struct {
	Code     string `json:"code"`
	Password string `json:"password"`
}

func (h *Handler) reset(w http.ResponseWriter, r *http.Request) {
	in, err := httpapi.Decode[resetRequest](r)
	if err == nil {
		err = h.svc.ResetPassword(r.Context(), in.Code, in.Password)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	noContent(w, http.StatusNoContent)
}

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// accessResponse is the answer of login (with User) and refresh.
type accessResponse struct {
	AccessToken string    `json:"accessToken"`
	ExpiresAt   time.Time `json:"expiresAt"`
	User        *Me       `json:"user,omitempty"`
}

func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	in, err := httpapi.Decode[loginRequest](r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	sess, err := h.svc.Login(r.Context(), in.Email, in.Password, h.clientAddr(r))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.setRefreshCookie(w, sess.Tokens.RefreshToken, sess.Tokens.RefreshExpiresAt)
	httpapi.Encode(w, http.StatusOK, accessResponse{AccessToken: sess.Tokens.AccessToken, ExpiresAt: sess.Tokens.AccessExpiresAt.UTC(), User: &sess.User})
}

func (h *Handler) refresh(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get(CSRFHeader) != "1" {
		h.fail(w, r, errs.E(errs.Forbidden, "missing %s header", CSRFHeader))
		return
	}
	c, err := r.Cookie(RefreshCookie)
	if err != nil || c.Value == "" {
		h.fail(w, r, errs.E(errs.Unauthenticated, "no refresh cookie; log in again"))
		return
	}
	pair, err := h.svc.Refresh(r.Context(), c.Value)
	if err != nil {
		if errs.Is(err, errs.Unauthenticated) {
			h.clearRefreshCookie(w)
		}
		h.fail(w, r, err)
		return
	}
	h.setRefreshCookie(w, pair.RefreshToken, pair.RefreshExpiresAt)
	httpapi.Encode(w, http.StatusOK, accessResponse{AccessToken: pair.AccessToken, ExpiresAt: pair.AccessExpiresAt.UTC()})
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request, c auth.Claims) {
	var refresh string
	if ck, err := r.Cookie(RefreshCookie); err == nil {
		refresh = ck.Value
	}
	if err := h.svc.Logout(r.Context(), c.SessionID, refresh); err != nil {
		h.fail(w, r, err)
		return
	}
	h.clearRefreshCookie(w)
	noContent(w, http.StatusNoContent)
}

func (h *Handler) cookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name: RefreshCookie, Value: value, Path: RefreshPath, MaxAge: maxAge,
		HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteStrictMode,
	}
}

func (h *Handler) setRefreshCookie(w http.ResponseWriter, token string, expires time.Time) {
	life := defaultRefreshLifetime
	if !expires.IsZero() {
		life = time.Until(expires)
	}
	http.SetCookie(w, h.cookie(token, max(1, int(life.Seconds()))))
}

func (h *Handler) clearRefreshCookie(w http.ResponseWriter) {
	http.SetCookie(w, h.cookie("", -1))
}

func (h *Handler) me(w http.ResponseWriter, r *http.Request, c auth.Claims) {
	me, err := h.svc.Me(r.Context(), c.UserID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpapi.Encode(w, http.StatusOK, me)
}

// mePatch is the body of PATCH /users/me. displayName must be present:
// a string sets it, null or an empty string clears it.
type mePatch struct {
	DisplayName json.RawMessage `json:"displayName"`
}

func (h *Handler) updateMe(w http.ResponseWriter, r *http.Request, c auth.Claims) {
	in, err := httpapi.Decode[mePatch](r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if len(in.DisplayName) == 0 {
		h.fail(w, r, errs.Field("displayName", "is required (null clears it)"))
		return
	}
	var name *string
	if err := json.Unmarshal(in.DisplayName, &name); err != nil {
		h.fail(w, r, errs.Field("displayName", "must be a string or null"))
		return
	}
	if name == nil {
		name = new(string)
	}
	me, err := h.svc.SetDisplayName(r.Context(), c.UserID, *name)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpapi.Encode(w, http.StatusOK, me)
}

func (h *Handler) get(w http.ResponseWriter, r *http.Request, _ auth.Claims) {
	id, _ := httpapi.PathID(r, "id") // "" when not an id: not found
	u, err := h.svc.Get(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpapi.Encode(w, http.StatusOK, u)
}

func (h *Handler) changePassword(w http.ResponseWriter, r *http.Request, c auth.Claims) {
	in, err := httpapi.Decode[PasswordChange](r)
	if err == nil {
		err = h.svc.ChangePassword(r.Context(), c.UserID, c.SessionID, in)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	noContent(w, http.StatusNoContent)
}

func (h *Handler) setPicture(w http.ResponseWriter, r *http.Request, c auth.Claims) {
	data, err := pictures.ReadUpload(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	me, err := h.svc.SetPicture(r.Context(), c.UserID, data)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpapi.Encode(w, http.StatusOK, me)
}

func (h *Handler) deletePicture(w http.ResponseWriter, r *http.Request, c auth.Claims) {
	if err := h.svc.DeletePicture(r.Context(), c.UserID); err != nil {
		h.fail(w, r, err)
		return
	}
	noContent(w, http.StatusNoContent)
}

// picture streams a user's picture. It needs no token, so pages can show
// it with <img>. The answer for the current version's URL may be cached
// for ever; for any other URL, briefly.
func (h *Handler) picture(w http.ResponseWriter, r *http.Request) {
	id, _ := httpapi.PathID(r, "id") // "" when not an id: not found
	ref, err := h.svc.Picture(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	etag := `"` + strconv.FormatInt(ref.Version, 10) + `"`
	hdr := w.Header()
	hdr.Set("ETag", etag)
	hdr.Set("X-Content-Type-Options", "nosniff")
	if r.URL.Query().Get("v") == strconv.FormatInt(ref.Version, 10) {
		hdr.Set("Cache-Control", cacheVersioned)
	} else {
		hdr.Set("Cache-Control", cacheUnversioned)
	}
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
	if r.Method != http.MethodHead {
		_, _ = io.Copy(w, body)
	}
}

// etagMatches reports whether an If-None-Match header lists etag (weak
// comparison, RFC 9110 §13.1.2) or is "*".
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
