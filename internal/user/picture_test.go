package user

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/sqlstore"
)

// multipartBody builds a multipart/form-data body with one file part.
func multipartBody(t *testing.T, field, filename, contentType string, data []byte) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	h := make(map[string][]string)
	h["Content-Disposition"] = []string{`form-data; name="` + field + `"; filename="` + filename + `"`}
	h["Content-Type"] = []string{contentType}
	w, err := mw.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), mw.FormDataContentType()
}

// picture draws a w×h test picture; transparent makes its left half
// half-transparent.
func picture(w, h int, transparent bool) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			a := uint8(255)
			if transparent && x < w/2 {
				a = 128
			}
			img.SetNRGBA(x, y, color.NRGBA{uint8(x), uint8(y), 100, a})
		}
	}
	return img
}

func encodePNG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodeJPEG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodeGIF(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := gif.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// pngHeaderOnly returns the start of a PNG that claims w×h pixels: a
// valid signature and IHDR chunk followed by garbage instead of image
// data. Decoding it fully fails; only a check of the header can tell its
// size.
func pngHeaderOnly(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2 // 8-bit RGB
	binary.Write(&b, binary.BigEndian, uint32(len(ihdr)))
	chunk := append([]byte("IHDR"), ihdr...)
	b.Write(chunk)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	b.WriteString("not image data at all")
	return b.Bytes()
}

func (e *env) upload(access string, data []byte, filename, contentType string) *httptest.ResponseRecorder {
	e.t.Helper()
	body, ct := multipartBody(e.t, "picture", filename, contentType, data)
	return e.do(req{method: "PUT", path: "/api/v1/users/me/picture", bearer: access, body: body, contentType: ct})
}

func TestPictures(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		t.Run("accepts each format and stores a re-encoded, scaled-down picture", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			for _, tc := range []struct {
				name     string
				data     []byte
				wantType string
				w, h     int
			}{
				{"big opaque PNG", encodePNG(t, picture(1000, 800, false)), "image/jpeg", 512, 410},
				{"tall transparent PNG", encodePNG(t, picture(300, 900, true)), "image/png", 171, 512},
				{"JPEG", encodeJPEG(t, picture(64, 48, false)), "image/jpeg", 64, 48},
				{"GIF", encodeGIF(t, picture(40, 30, false)), "image/jpeg", 40, 30},
				{"lossless WebP with alpha", webpLosslessAlpha, "image/png", 8, 6},
				{"lossy WebP", webpLossyOpaque, "image/jpeg", 16, 12},
			} {
				t.Run(tc.name, func(t *testing.T) {
					u := e.verified("pic")
					s := e.login(u)
					rec := e.upload(s.access, tc.data, "upload.bin", "application/octet-stream")
					wantStatus(t, rec, http.StatusOK)
					me := decode[Me](t, rec)
					want := "/api/v1/users/" + u.ID + "/picture?v=1"
					if me.PictureURL == nil || *me.PictureURL != want {
						t.Fatalf("pictureUrl %v, want %s", me.PictureURL, want)
					}
					got := e.do(req{method: "GET", path: want})
					wantStatus(t, got, http.StatusOK)
					if ct := got.Header().Get("Content-Type"); ct != tc.wantType {
						t.Fatalf("Content-Type %q, want %q", ct, tc.wantType)
					}
					cfg, format, err := image.DecodeConfig(bytes.NewReader(got.Body.Bytes()))
					if err != nil || "image/"+format != tc.wantType || cfg.Width != tc.w || cfg.Height != tc.h {
						t.Fatalf("stored %s %dx%d (%v), want %s %dx%d", format, cfg.Width, cfg.Height, err, tc.wantType, tc.w, tc.h)
					}
				})
			}
		})

		t.Run("serves pictures cacheably by version, with ETag and 304", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			u := e.verified("cache")
			s := e.login(u)
			wantStatus(t, e.upload(s.access, encodePNG(t, picture(20, 20, false)), "a.png", "image/png"), http.StatusOK)
			path := "/api/v1/users/" + u.ID + "/picture"
			rec := e.do(req{method: "GET", path: path + "?v=1"})
			wantStatus(t, rec, http.StatusOK)
			if cc := rec.Header().Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
				t.Errorf("Cache-Control %q", cc)
			}
			etag := rec.Header().Get("ETag")
			if etag == "" || rec.Header().Get("X-Content-Type-Options") != "nosniff" || rec.Header().Get("Content-Length") == "" {
				t.Errorf("headers %v", rec.Header())
			}
			rec = e.do(req{method: "GET", path: path + "?v=1", headers: map[string]string{"If-None-Match": etag}})
			wantStatus(t, rec, http.StatusNotModified)
			if rec.Body.Len() != 0 {
				t.Error("304 with a body")
			}
			// A new upload: new version, the old URL shows the new picture
			// but only briefly cacheable, the old object is gone.
			rec = e.upload(s.access, encodePNG(t, picture(30, 30, false)), "b.png", "image/png")
			wantStatus(t, rec, http.StatusOK)
			if me := decode[Me](t, rec); *me.PictureURL != path+"?v=2" {
				t.Fatalf("pictureUrl %s", *me.PictureURL)
			}
			rec = e.do(req{method: "GET", path: path + "?v=1", headers: map[string]string{"If-None-Match": etag}})
			wantStatus(t, rec, http.StatusOK)
			if cc := rec.Header().Get("Cache-Control"); strings.Contains(cc, "immutable") {
				t.Errorf("stale version cached for ever: %q", cc)
			}
			if rec.Header().Get("ETag") == etag {
				t.Error("ETag unchanged by a new picture")
			}
			if _, err := e.blob.Stat(context.Background(), pictureKey(u.ID, 1)); !errs.Is(err, errs.NotFound) {
				t.Errorf("old picture object still there: %v", err)
			}
			rec = e.do(req{method: "GET", path: path})
			wantStatus(t, rec, http.StatusOK)
			if cc := rec.Header().Get("Cache-Control"); strings.Contains(cc, "immutable") {
				t.Errorf("unversioned URL cached for ever: %q", cc)
			}
		})

		t.Run("emits user.updated on upload and delete", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			u := e.verified("evpic")
			s := e.login(u)
			wantStatus(t, e.upload(s.access, encodeJPEG(t, picture(10, 10, false)), "a.jpg", "image/jpeg"), http.StatusOK)
			wantStatus(t, e.do(req{method: "DELETE", path: "/api/v1/users/me/picture", bearer: s.access}), http.StatusNoContent)
			evs := e.events(u.ID)
			if len(evs) != 4 || evs[2].Type != EventUpdated || evs[3].Type != EventUpdated {
				t.Fatalf("events %+v", evs)
			}
			var set, cleared Changed
			json.Unmarshal(evs[2].Payload, &set)
			json.Unmarshal(evs[3].Payload, &cleared)
			if set.PictureURL == nil || *set.PictureURL != "/api/v1/users/"+u.ID+"/picture?v=1" || cleared.PictureURL != nil || cleared.Username != u.Username {
				t.Fatalf("payloads %s / %s", evs[2].Payload, evs[3].Payload)
			}
		})

		t.Run("delete removes the picture and is 404 when there is none", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			u := e.verified("del")
			s := e.login(u)
			wantStatus(t, e.do(req{method: "DELETE", path: "/api/v1/users/me/picture", bearer: s.access}), http.StatusNotFound)
			wantStatus(t, e.upload(s.access, encodePNG(t, picture(10, 10, true)), "a.png", "image/png"), http.StatusOK)
			wantStatus(t, e.do(req{method: "DELETE", path: "/api/v1/users/me/picture", bearer: s.access}), http.StatusNoContent)
			wantStatus(t, e.do(req{method: "DELETE", path: "/api/v1/users/me/picture", bearer: s.access}), http.StatusNotFound)
			wantStatus(t, e.do(req{method: "GET", path: "/api/v1/users/" + u.ID + "/picture?v=1"}), http.StatusNotFound)
			me := decode[Me](t, e.do(req{method: "GET", path: "/api/v1/users/me", bearer: s.access}))
			if me.PictureURL != nil {
				t.Fatalf("pictureUrl %v after delete", *me.PictureURL)
			}
			if _, err := e.blob.Stat(context.Background(), pictureKey(u.ID, 1)); !errs.Is(err, errs.NotFound) {
				t.Errorf("object still there: %v", err)
			}
			// Versions never repeat, even after a delete.
			rec := e.upload(s.access, encodePNG(t, picture(10, 10, true)), "a.png", "image/png")
			if me := decode[Me](t, rec); !strings.HasSuffix(*me.PictureURL, "?v=2") {
				t.Fatalf("pictureUrl %s", *me.PictureURL)
			}
		})

		t.Run("refuses what is not an acceptable image", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			s := e.login(e.verified("bad"))
			truncated := encodePNG(t, picture(50, 50, false))
			truncated = truncated[:len(truncated)/2]
			for _, tc := range []struct {
				name, mention string
				data          []byte
			}{
				{"text renamed .png", "PNG, JPEG, GIF or WebP", []byte("hello, I am a text file\n")},
				{"SVG", "PNG, JPEG, GIF or WebP", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)},
				{"empty", "PNG, JPEG, GIF or WebP", nil},
				{"truncated PNG", "not a valid PNG", truncated},
				{"5000×5000 PNG, refused from its header", "4096", pngHeaderOnly(5000, 5000)},
				{"wide PNG", "4096", pngHeaderOnly(4097, 10)},
				{"JPEG magic then garbage", "not a valid JPEG", []byte("\xff\xd8\xffgarbage garbage")},
				{"WebP magic then garbage", "not a valid WebP", []byte("RIFF\x10\x00\x00\x00WEBPVP8 garbage")},
			} {
				t.Run(tc.name, func(t *testing.T) {
					b := wantStatus(t, e.upload(s.access, tc.data, "picture.png", "image/png"), http.StatusBadRequest)
					if b.Error.Code != "invalid" || !strings.Contains(b.Error.Fields["picture"], tc.mention) {
						t.Fatalf("%+v, want a picture field error mentioning %q", b.Error, tc.mention)
					}
				})
			}
		})

		t.Run("refuses malformed uploads", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			s := e.login(e.verified("form"))
			img := encodePNG(t, picture(4, 4, false))
			// Not multipart at all.
			wantStatus(t, e.do(req{method: "PUT", path: "/api/v1/users/me/picture", bearer: s.access, body: img, contentType: "image/png"}), http.StatusUnsupportedMediaType)
			// Another field name.
			body, ct := multipartBody(t, "avatar", "a.png", "image/png", img)
			b := wantStatus(t, e.do(req{method: "PUT", path: "/api/v1/users/me/picture", bearer: s.access, body: body, contentType: ct}), http.StatusBadRequest)
			if b.Error.Fields["picture"] == "" {
				t.Fatalf("%+v", b.Error)
			}
			// A broken multipart body.
			wantStatus(t, e.do(req{method: "PUT", path: "/api/v1/users/me/picture", bearer: s.access, body: "--x\r\nbroken", contentType: "multipart/form-data; boundary=x"}), http.StatusBadRequest)
			// No token.
			wantStatus(t, e.upload("", img, "a.png", "image/png"), http.StatusUnauthorized)
		})

		t.Run("answers 413 for more than 5 MB", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			s := e.login(e.verified("huge"))
			big := append(encodePNG(t, picture(4, 4, false)), bytes.Repeat([]byte{0}, 6<<20)...)
			b := wantStatus(t, e.upload(s.access, big, "big.png", "image/png"), http.StatusRequestEntityTooLarge)
			if b.Error.Code != "too_large" {
				t.Fatalf("%+v", b.Error)
			}
			// Just over the picture limit but within the body cap.
			over := append(encodePNG(t, picture(4, 4, false)), bytes.Repeat([]byte{0}, MaxPictureBytes)...)
			wantStatus(t, e.upload(s.access, over[:MaxPictureBytes+1], "big.png", "image/png"), http.StatusRequestEntityTooLarge)
		})

		t.Run("GET picture is 404 for unknown users, unverified users and bad ids", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			u := e.register("nopicunver")
			for _, id := range []string{u.ID, "0190d6e2-0000-7000-8000-000000000000", "not-an-id", "..%2F..%2Fetc"} {
				wantStatus(t, e.do(req{method: "GET", path: "/api/v1/users/" + id + "/picture"}), http.StatusNotFound)
			}
			v := e.verified("nopic")
			wantStatus(t, e.do(req{method: "GET", path: "/api/v1/users/" + v.ID + "/picture"}), http.StatusNotFound)
		})
	})
}
