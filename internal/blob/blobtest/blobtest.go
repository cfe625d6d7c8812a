// Package blobtest is the contract suite of the blob port. Every adapter's
// tests call Run with a factory, so the embedded file store and the S3
// adapter are held to the same behaviour, including the HTTP behaviour of
// their pre-signed URLs, checked with a real http.Client.
package blobtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/blob"
	"github.com/parleychat/parley/internal/errs"
)

// Run runs the contract. newStore must return a new, empty store whose
// signed URLs this process can reach (for the file store: a store whose
// Handler is served by a test HTTP server at its base URL), and register
// its own cleanup with t.Cleanup. It is called once per subtest, and the
// subtests run in parallel.
//
// Signed URLs are expected to carry their key as the last part of the URL
// path and their signature in a query parameter named "sig" or
// "X-Amz-Signature": the tamper checks change those.
func Run(t *testing.T, newStore func(t *testing.T) blob.Store) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, s blob.Store)
	}{
		{"PutThenOpenAndStatReturnContentSizeAndType", testRoundTrip},
		{"PutReplacesAnExistingObject", testPutReplaces},
		{"PutOfAnEmptyObjectWorks", testPutEmpty},
		{"PutRefusesABodyOfAnotherLengthAndStoresNothing", testPutWrongLength},
		{"MissingKeysAreNotFound", testMissing},
		{"InvalidKeysAreRefusedByEveryMethod", testInvalidKeys},
		{"InvalidArgumentsAreRefused", testInvalidArguments},
		{"DeleteIsIdempotent", testDeleteIdempotent},
		{"DeletePrefixRemovesOnlyThatPrefix", testDeletePrefix},
		{"PingSucceeds", testPing},
		{"SignedPutOfExactSizeAndTypeStoresAReadableObject", testSignedPut},
		{"SignedPutRefusesAnotherSize", testSignedPutWrongSize},
		{"SignedPutRefusesAnotherContentType", testSignedPutWrongType},
		{"SignedPutRefusesATamperedURL", testSignedPutTampered},
		{"SignedGetRefusesATamperedURL", testSignedGetTampered},
		{"SignedGetOfAMissingObjectFails", testSignedGetMissing},
		{"ExpiredURLsAreRefused", testExpired},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, newStore(t))
		})
	}
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func put(t *testing.T, s blob.Store, key string, content []byte, contentType string) {
	t.Helper()
	if err := s.Put(ctxFor(t), key, bytes.NewReader(content), int64(len(content)), contentType); err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
}

// readAll opens key and returns its content and info.
func readAll(t *testing.T, s blob.Store, key string) ([]byte, blob.Info) {
	t.Helper()
	rc, info, err := s.Open(ctxFor(t), key)
	if err != nil {
		t.Fatalf("Open(%q): %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %q: %v", key, err)
	}
	return b, info
}

func checkInfo(t *testing.T, info blob.Info, key string, size int64, contentType string) {
	t.Helper()
	if info.Key != key || info.Size != size || info.ContentType != contentType {
		t.Errorf("info = {%q %d %q}, want {%q %d %q}", info.Key, info.Size, info.ContentType, key, size, contentType)
	}
	if d := time.Since(info.ModTime); info.ModTime.IsZero() || d < -time.Minute || d > time.Minute {
		t.Errorf("ModTime = %v, want about now", info.ModTime)
	}
}

// assertAbsent fails unless key does not exist.
func assertAbsent(t *testing.T, s blob.Store, key string) {
	t.Helper()
	if info, err := s.Stat(ctxFor(t), key); !errs.Is(err, errs.NotFound) {
		t.Errorf("Stat(%q) = %+v, %v; want a not_found error (nothing stored)", key, info, err)
	}
}

func assertKind(t *testing.T, what string, err error, kind errs.Kind) {
	t.Helper()
	if !errs.Is(err, kind) {
		t.Errorf("%s: error %v, want kind %s", what, err, kind)
	}
}

func testRoundTrip(t *testing.T, s blob.Store) {
	content := randomBytes(t, 100_000)
	const key, ct = "groups/g1/photo.png", "image/png"
	put(t, s, key, content, ct)

	got, info := readAll(t, s, key)
	if !bytes.Equal(got, content) {
		t.Errorf("Open returned %d bytes differing from the %d put", len(got), len(content))
	}
	checkInfo(t, info, key, int64(len(content)), ct)

	st, err := s.Stat(ctxFor(t), key)
	if err != nil {
		t.Fatalf("Stat: %v", err)
	}
	checkInfo(t, st, key, int64(len(content)), ct)
}

func testPutReplaces(t *testing.T, s blob.Store) {
	const key = "users/u1/avatar"
	put(t, s, key, []byte("first version, longer"), "image/png")
	put(t, s, key, []byte("second"), "image/webp")
	got, info := readAll(t, s, key)
	if string(got) != "second" {
		t.Errorf("content = %q, want the second version", got)
	}
	checkInfo(t, info, key, 6, "image/webp")
}

func testPutEmpty(t *testing.T, s blob.Store) {
	const key = "groups/g1/empty.txt"
	put(t, s, key, nil, "text/plain; charset=utf-8")
	got, info := readAll(t, s, key)
	if len(got) != 0 {
		t.Errorf("content = %q, want empty", got)
	}
	checkInfo(t, info, key, 0, "text/plain; charset=utf-8")
}

// onlyReader hides every method but Read, as a network body would.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

func testPutWrongLength(t *testing.T, s blob.Store) {
	ctx := ctxFor(t)
	body := []byte("0123456789")
	cases := []struct {
		name string
		r    io.Reader
		size int64
	}{
		{"seekable shorter", bytes.NewReader(body), 11},
		{"seekable longer", bytes.NewReader(body), 9},
		{"stream shorter", onlyReader{bytes.NewReader(body)}, 11},
		{"stream longer", onlyReader{bytes.NewReader(body)}, 9},
	}
	for _, c := range cases {
		err := s.Put(ctx, "groups/g1/wrong", c.r, c.size, "text/plain")
		assertKind(t, c.name, err, errs.Invalid)
	}
	assertAbsent(t, s, "groups/g1/wrong")

	// A refused replacement keeps the previous object.
	put(t, s, "groups/g1/kept", []byte("old"), "text/plain")
	err := s.Put(ctx, "groups/g1/kept", onlyReader{strings.NewReader("new content")}, 3, "text/plain")
	assertKind(t, "replacement too long", err, errs.Invalid)
	if got, _ := readAll(t, s, "groups/g1/kept"); string(got) != "old" {
		t.Errorf("after a refused Put the content is %q, want %q", got, "old")
	}
}

func testMissing(t *testing.T, s blob.Store) {
	ctx := ctxFor(t)
	_, _, err := s.Open(ctx, "groups/g1/missing")
	assertKind(t, "Open", err, errs.NotFound)
	_, err = s.Stat(ctx, "groups/g1/missing")
	assertKind(t, "Stat", err, errs.NotFound)
	_, err = s.Stat(ctx, "nowhere/at/all")
	assertKind(t, "Stat of a key under no existing prefix", err, errs.NotFound)
}

var badKeys = []string{
	"", "/abs", "trailing/", "a//b", "..", ".", "a/../b", "a/./b", "../escape",
	"with space", `back\slash`, "ümlaut", "quest?ion", "hash#", "per%2e", "tilde~data",
	"new\nline", strings.Repeat("k", blob.MaxSegmentLen+1), longKey + "k",
}

// longKey is a valid key of the greatest length.
var longKey = strings.Repeat(strings.Repeat("k", blob.MaxSegmentLen)+"/", 2) +
	strings.Repeat("k", blob.MaxKeyLen-2*(blob.MaxSegmentLen+1))

func testInvalidKeys(t *testing.T, s blob.Store) {
	ctx := ctxFor(t)
	for _, k := range badKeys {
		err := s.Put(ctx, k, strings.NewReader("x"), 1, "text/plain")
		assertKind(t, "Put "+k, err, errs.Invalid)
		_, _, err = s.Open(ctx, k)
		assertKind(t, "Open "+k, err, errs.Invalid)
		_, err = s.Stat(ctx, k)
		assertKind(t, "Stat "+k, err, errs.Invalid)
		assertKind(t, "Delete "+k, s.Delete(ctx, k), errs.Invalid)
		_, err = s.PresignPut(ctx, k, 1, "text/plain", time.Minute)
		assertKind(t, "PresignPut "+k, err, errs.Invalid)
		_, err = s.PresignGet(ctx, k, time.Minute, "")
		assertKind(t, "PresignGet "+k, err, errs.Invalid)
	}
	for _, p := range []string{"", "/", "/abs/", "a//", "../", "a/../"} {
		assertKind(t, "DeletePrefix "+p, s.DeletePrefix(ctx, p), errs.Invalid)
	}
	// The longest valid key works.
	put(t, s, longKey, []byte("x"), "text/plain")
	if _, err := s.Stat(ctx, longKey); err != nil {
		t.Errorf("Stat of a %d-character key: %v", len(longKey), err)
	}
}

func testInvalidArguments(t *testing.T, s blob.Store) {
	ctx := ctxFor(t)
	const key = "groups/g1/f"
	assertKind(t, "negative size", s.Put(ctx, key, strings.NewReader(""), -1, "text/plain"), errs.Invalid)
	for _, ct := range []string{"", "not a type", "text/plain\r\nX-Evil: 1", strings.Repeat("a", 250) + "/plain"} {
		assertKind(t, "Put content type "+ct, s.Put(ctx, key, strings.NewReader("x"), 1, ct), errs.Invalid)
		_, err := s.PresignPut(ctx, key, 1, ct, time.Minute)
		assertKind(t, "PresignPut content type "+ct, err, errs.Invalid)
	}
	_, err := s.PresignPut(ctx, key, blob.MaxSize+1, "text/plain", time.Minute)
	assertKind(t, "PresignPut over MaxSize", err, errs.TooLarge)
	_, err = s.PresignPut(ctx, key, 0, "text/plain", time.Minute)
	assertKind(t, "PresignPut of an empty object", err, errs.Invalid)
	_, err = s.PresignPut(ctx, key, -1, "text/plain", time.Minute)
	assertKind(t, "PresignPut of a negative size", err, errs.Invalid)
	for _, ttl := range []time.Duration{0, -time.Second, time.Millisecond, blob.MaxTTL + time.Second} {
		_, err := s.PresignPut(ctx, key, 1, "text/plain", ttl)
		assertKind(t, "PresignPut ttl "+ttl.String(), err, errs.Invalid)
		_, err = s.PresignGet(ctx, key, ttl, "")
		assertKind(t, "PresignGet ttl "+ttl.String(), err, errs.Invalid)
	}
	for _, name := range []string{"bad\nname", "bad\x00", string([]byte{0xff, 0xfe}), strings.Repeat("n", 256)} {
		_, err := s.PresignGet(ctx, key, time.Minute, name)
		assertKind(t, "PresignGet download name "+name, err, errs.Invalid)
	}
	assertAbsent(t, s, key)
}

func testDeleteIdempotent(t *testing.T, s blob.Store) {
	ctx := ctxFor(t)
	const key = "groups/g1/del"
	put(t, s, key, []byte("x"), "text/plain")
	for i := range 2 {
		if err := s.Delete(ctx, key); err != nil {
			t.Fatalf("Delete #%d: %v", i+1, err)
		}
		assertAbsent(t, s, key)
	}
	if err := s.Delete(ctx, "never/existed"); err != nil {
		t.Errorf("Delete of a key that never existed: %v", err)
	}
}

func testDeletePrefix(t *testing.T, s blob.Store) {
	ctx := ctxFor(t)
	gone := []string{"groups/g1/a", "groups/g1/sub/b", "groups/g1/sub/deeper/c"}
	kept := []string{"groups/g10/a", "groups/g2/a", "groups/g1x", "other/groups/g1/a", "groups/h1/g1/a"}
	for _, k := range append(append([]string{}, gone...), kept...) {
		put(t, s, k, []byte(k), "text/plain")
	}
	if err := s.DeletePrefix(ctx, "groups/g1/"); err != nil {
		t.Fatalf("DeletePrefix: %v", err)
	}
	for _, k := range gone {
		assertAbsent(t, s, k)
	}
	for _, k := range kept {
		if got, _ := readAll(t, s, k); string(got) != k {
			t.Errorf("%s: content %q after deleting another prefix", k, got)
		}
	}
	// A prefix is a plain string prefix, and matching nothing is fine.
	if err := s.DeletePrefix(ctx, "groups/g1"); err != nil {
		t.Fatalf("DeletePrefix without slash: %v", err)
	}
	assertAbsent(t, s, "groups/g10/a")
	assertAbsent(t, s, "groups/g1x")
	if err := s.DeletePrefix(ctx, "nothing/here/"); err != nil {
		t.Errorf("DeletePrefix matching nothing: %v", err)
	}
	if got, _ := readAll(t, s, "groups/g2/a"); string(got) != "groups/g2/a" {
		t.Errorf("groups/g2/a: content %q", got)
	}
}

func testPing(t *testing.T, s blob.Store) {
	if err := s.Ping(ctxFor(t)); err != nil {
		t.Errorf("Ping: %v", err)
	}
}
