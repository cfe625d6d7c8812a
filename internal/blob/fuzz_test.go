package blob

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// fuzzStore is a file store in a temporary directory for the fuzz
// targets, with its handler.
func fuzzStore(f *testing.F) *FileStore {
	s, err := NewFileStore(f.TempDir(), "http://blobs.test/", []byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		f.Fatal(err)
	}
	return s
}

// checkAnswer fails unless rec is a success or an error answer with the
// API's JSON error shape; never a 5xx.
func checkAnswer(t *testing.T, what string, rec *httptest.ResponseRecorder) {
	t.Helper()
	if rec.Code >= 500 {
		t.Fatalf("%s: %d %s", what, rec.Code, rec.Body)
	}
	if rec.Code < 400 || rec.Code == http.StatusRequestedRangeNotSatisfiable {
		return
	}
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") ||
		json.Unmarshal(rec.Body.Bytes(), &e) != nil || e.Error.Code == "" || e.Error.Message == "" {
		t.Fatalf("%s: %d without the JSON error shape: %q", what, rec.Code, rec.Body)
	}
}

// FuzzSignedURL: a signed URL of the embedded file store, mutated in one
// byte anywhere in its path or query, never grants anything that was not
// signed: when the mutated URL still succeeds, it names the same key,
// expiry, signature bytes and the same name (GET) or size and type (PUT)
// as the original; every refusal is a JSON error, never a 5xx. Requests
// on arbitrary blob paths and queries never panic or 5xx either.
func FuzzSignedURL(f *testing.F) {
	s := fuzzStore(f)
	h := s.Handler()
	f.Add(false, "g/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b/f/x.txt", "report.pdf", "text/plain", int64(5), uint16(0), byte('0'))
	f.Add(true, "g/a/b", "", "image/png", int64(3), uint16(30), byte('A'))
	f.Add(false, "k", "", "", int64(1), uint16(9), byte('%'))
	f.Add(false, "k", "invoice\u202efdp.exe", "", int64(1), uint16(40), byte('&'))
	f.Add(true, "a/b/c", "", "text/plain; charset=utf-8", int64(4), uint16(65), byte('f'))
	f.Add(false, "k", "n", "", int64(1), uint16(200), byte('a')) // a hex digit in another case
	f.Add(true, "k", "", "application/json", int64(2), uint16(12), byte('/'))
	f.Fuzz(func(t *testing.T, put bool, key, name, ct string, size int64, pos uint16, b byte) {
		ctx := context.Background()
		size = 1 + (size&0x3f+0x40)%0x40 // 1..64: small bodies
		var (
			req SignedRequest
			err error
		)
		if put {
			_ = s.Delete(ctx, key) // a GET case may have stored it; uploads write once
			req, err = s.PresignPut(ctx, key, size, ct, time.Hour)
		} else {
			req, err = s.PresignGet(ctx, key, time.Hour, name)
		}
		if err != nil {
			return // nothing to sign; the arbitrary-path arm below still runs
		}
		if !put {
			if err := s.Put(ctx, key, bytes.NewReader([]byte("hello")), 5, "text/plain"); err != nil {
				t.Fatalf("put %q: %v", key, err)
			}
		}
		orig, _ := url.Parse(req.URL)
		raw := []byte(strings.TrimPrefix(req.URL, s.baseURL))
		mutated := bytes.Clone(raw)
		mutated[int(pos)%len(mutated)] = b
		for _, u := range [][]byte{raw, mutated} {
			r, err := http.NewRequest(req.Method, "http://blobs.test"+string(u), bytes.NewReader(make([]byte, size)))
			if err != nil || !strings.HasPrefix(r.URL.Path, HandlerPrefix) {
				continue
			}
			if put {
				r.ContentLength = size
				r.Header.Set("Content-Type", ct)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			checkAnswer(t, string(u), rec)
			same := bytes.Equal(u, raw)
			if same && rec.Code != http.StatusOK {
				t.Fatalf("the signed URL itself was refused: %s → %d %s", u, rec.Code, rec.Body)
			}
			if rec.Code/100 != 2 {
				continue
			}
			// Granted: it must be exactly the grant that was signed.
			q, oq := r.URL.Query(), orig.Query()
			gotSig, _ := hex.DecodeString(q.Get("sig"))
			wantSig, _ := hex.DecodeString(oq.Get("sig"))
			if r.URL.Path != orig.Path || q.Get("exp") != oq.Get("exp") || !bytes.Equal(gotSig, wantSig) ||
				q.Get("name") != oq.Get("name") || q.Get("size") != oq.Get("size") || q.Get("ct") != oq.Get("ct") {
				t.Fatalf("mutated URL %s was granted (%d); signed was %s", u, rec.Code, raw)
			}
			if put {
				_ = s.Delete(ctx, key) // so the next upload to this key may succeed
			}
		}
		if put {
			_ = s.Delete(ctx, key)
		}
	})
}

// FuzzBlobRequest: any method, path and query under the blob prefix is
// answered with a JSON error or (never, without a signature) a success;
// never a panic or a 5xx.
func FuzzBlobRequest(f *testing.F) {
	s := fuzzStore(f)
	h := s.Handler()
	for _, seed := range []string{
		"g/x?exp=1&sig=00", "../../etc/passwd", "a//b", "a/./b", "%2e%2e/x", "k?exp=99999999999999999999&sig=zz",
		"k?sig=" + strings.Repeat("a", 64) + "&exp=-1", "k?size=-1&ct=%00&sig=&exp=", strings.Repeat("a/", 300),
	} {
		f.Add("GET", seed)
		f.Add("PUT", seed)
	}
	f.Add("DELETE", "k")
	f.Fuzz(func(t *testing.T, method, rest string) {
		r, err := http.NewRequest(method, "http://blobs.test"+HandlerPrefix+rest, strings.NewReader("x"))
		if err != nil {
			return
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		checkAnswer(t, method+" "+rest, rec)
		if rec.Code/100 == 2 {
			t.Fatalf("%s %s succeeded without a signed URL: %d", method, rest, rec.Code)
		}
	})
}
