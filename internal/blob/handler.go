package blob

import (
	"crypto/hmac"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/parleychat/parley/internal/errs"
)

// Handler serves the URLs that PresignPut and PresignGet return, at paths
// HandlerPrefix + key. It never needs a session: the signature in the URL
// is the authorisation.
//
// Responses:
//   - PUT: 200 when stored. 403 forbidden when the signature is wrong, the
//     URL has expired, or the request differs from what was signed: its
//     Content-Type (compared byte for byte) or its Content-Length. 412
//     conflict when the key holds an object already (a signed upload
//     writes once, as S3's If-None-Match: * does). 411 when the body has
//     no Content-Length (chunked). 400 invalid when the body ends before
//     its Content-Length. Nothing is stored on any refusal.
//   - GET and HEAD (with a GET URL): the object with its Content-Type,
//     Content-Disposition (attachment with the signed name, else inline),
//     X-Content-Type-Options: nosniff, a sandboxing Content-Security-Policy
//     (uploaded HTML or SVG never runs as this site), Cache-Control private
//     for no longer than the URL lives, and Range support. 403 as for PUT;
//     404 not_found when the object does not exist.
//   - 400 invalid when the path is not a valid key; 405 for other methods.
//
// Every error is JSON: {"error":{"code":"…","message":"…"}}. Only a
// failing disk gives a 500.
func (s *FileStore) Handler() http.Handler {
	return http.HandlerFunc(s.serveHTTP)
}

func (s *FileStore) serveHTTP(w http.ResponseWriter, r *http.Request) {
	key, ok := strings.CutPrefix(r.URL.Path, HandlerPrefix)
	if !ok {
		writeError(w, http.StatusNotFound, errs.NotFound, "no such blob URL")
		return
	}
	switch r.Method {
	case http.MethodPut, http.MethodGet, http.MethodHead:
	default:
		w.Header().Set("Allow", "GET, HEAD, PUT")
		writeError(w, http.StatusMethodNotAllowed, errs.Invalid, "method not allowed: use GET or PUT")
		return
	}
	if ValidKey(key) != nil {
		writeError(w, http.StatusBadRequest, errs.Invalid, "the path does not name a valid object key")
		return
	}
	if r.Method == http.MethodPut {
		s.servePut(w, r, key)
		return
	}
	s.serveGet(w, r, key)
}

// verify checks the signature (in constant time) and the expiry of a URL
// and returns its expiry. Any defect is reported as one 403 so that a
// prober learns nothing about which part was wrong, except expiry, which
// helps honest clients.
func (s *FileStore) verify(w http.ResponseWriter, q url.Values, method, key, size, contentType, name string) (time.Time, bool) {
	expRaw := q.Get("exp")
	got, err := hex.DecodeString(q.Get("sig"))
	want, _ := hex.DecodeString(s.sign(method, key, expRaw, size, contentType, name))
	if err != nil || !hmac.Equal(got, want) {
		writeError(w, http.StatusForbidden, errs.Forbidden, "invalid signature")
		return time.Time{}, false
	}
	exp, err := strconv.ParseInt(expRaw, 10, 64)
	if err != nil {
		writeError(w, http.StatusForbidden, errs.Forbidden, "invalid signature")
		return time.Time{}, false
	}
	expires := time.Unix(exp, 0)
	if !time.Now().Before(expires) {
		writeError(w, http.StatusForbidden, errs.Forbidden, "this link has expired")
		return time.Time{}, false
	}
	return expires, true
}

func (s *FileStore) servePut(w http.ResponseWriter, r *http.Request, key string) {
	q := r.URL.Query()
	sizeRaw, ct := q.Get("size"), q.Get("ct")
	if _, ok := s.verify(w, q, http.MethodPut, key, sizeRaw, ct, ""); !ok {
		return
	}
	size, err := strconv.ParseInt(sizeRaw, 10, 64)
	if err != nil || ValidSize(size) != nil || ValidContentType(ct) != nil {
		// Only a signing bug could get here.
		writeError(w, http.StatusForbidden, errs.Forbidden, "invalid signature")
		return
	}
	if got := r.Header.Get("Content-Type"); got != ct {
		writeError(w, http.StatusForbidden, errs.Forbidden, "Content-Type must be exactly "+strconv.Quote(ct))
		return
	}
	switch {
	case r.ContentLength < 0:
		writeError(w, http.StatusLengthRequired, errs.Invalid, "Content-Length is required")
		return
	case r.ContentLength != size:
		writeError(w, http.StatusForbidden, errs.Forbidden, "Content-Length must be exactly "+sizeRaw)
		return
	}
	// Write once: an object, once stored, is never replaced through a
	// signed URL (issue 12 defect 7). Checked before reading the body and
	// again, atomically, when the upload is renamed into place.
	s.mu.RLock()
	exists := s.exists(key)
	s.mu.RUnlock()
	if exists {
		writeError(w, http.StatusPreconditionFailed, errs.Conflict, "this file was uploaded already; an upload URL writes once")
		return
	}
	// The server already limits the body to Content-Length; ExactReader
	// (inside put) refuses anything shorter, and reading stops at size+1.
	body := io.LimitReader(bodyReader{r.Body}, size+1)
	if err := s.put(r.Context(), key, body, size, ct, true); err != nil {
		if errs.Is(err, errs.Conflict) {
			writeError(w, http.StatusPreconditionFailed, errs.Conflict, "this file was uploaded already; an upload URL writes once")
			return
		}
		if errs.Is(err, errs.Invalid) {
			writeError(w, http.StatusBadRequest, errs.Invalid, "the body does not match its Content-Length")
			return
		}
		if r.Context().Err() != nil {
			return // the client went away; nobody to answer
		}
		s.logger.Error("blob upload failed", "key", key, "err", err)
		writeError(w, http.StatusInternalServerError, errs.Internal, "could not store the file")
		return
	}
	w.WriteHeader(http.StatusOK)
}

// bodyReader classifies failures to read a request body as the client's
// fault (errs.Invalid), apart from disk errors.
type bodyReader struct{ r io.Reader }

func (b bodyReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF {
		err = errs.Wrap(errs.Invalid, err, "could not read the request body")
	}
	return n, err
}

func (s *FileStore) serveGet(w http.ResponseWriter, r *http.Request, key string) {
	q := r.URL.Query()
	name := q.Get("name")
	expires, ok := s.verify(w, q, http.MethodGet, key, "", "", name)
	if !ok {
		return
	}
	if ValidDownloadName(name) != nil {
		writeError(w, http.StatusForbidden, errs.Forbidden, "invalid signature")
		return
	}
	f, info, err := s.open(r.Context(), key)
	if err != nil {
		if errs.Is(err, errs.NotFound) {
			writeError(w, http.StatusNotFound, errs.NotFound, "file not found")
			return
		}
		s.logger.Error("blob download failed", "key", key, "err", err)
		writeError(w, http.StatusInternalServerError, errs.Internal, "could not read the file")
		return
	}
	defer f.Close()
	maxAge := int64(time.Until(expires) / time.Second)
	h := w.Header()
	h.Set("Content-Type", info.ContentType)
	h.Set("Content-Disposition", ContentDisposition(name))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox")
	h.Set("Cache-Control", "private, max-age="+strconv.FormatInt(max(maxAge, 0), 10))
	http.ServeContent(w, r, "", info.ModTime, f)
}

// writeError writes the API's JSON error shape.
func writeError(w http.ResponseWriter, status int, code errs.Kind, message string) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	type body struct {
		Code    errs.Kind `json:"code"`
		Message string    `json:"message"`
	}
	_ = json.NewEncoder(w).Encode(struct {
		Error body `json:"error"`
	}{body{code, message}})
}
