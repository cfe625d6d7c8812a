package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/email"
	"github.com/parleychat/parley/internal/email/smtpmail"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// start runs the sink on ephemeral ports and returns its SMTP address and
// HTTP base URL.
func start(t *testing.T, keep int) (string, string) {
	t.Helper()
	smtpLn, httpLn := listen(t), listen(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, smtpLn, httpLn, newStore(keep), quiet()) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return smtpLn.Addr().String(), "http://" + httpLn.Addr().String()
}

// mailService sends through the sink exactly as parley does with
// PARLEY_MAIL_URL=smtp://<addr>?tls=none.
func mailService(t *testing.T, rawURL string) *email.Service {
	t.Helper()
	m, err := smtpmail.Open(rawURL, "Parley <no-reply@localhost>", quiet())
	if err != nil {
		t.Fatal(err)
	}
	return email.NewService(m, "http://localhost:8080", quiet())
}

func messages(t *testing.T, url string) []message {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("GET %s: %s %s", url, resp.Status, resp.Header.Get("Content-Type"))
	}
	var out []message
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	if out == nil {
		t.Fatalf("GET %s: null, want a JSON array", url)
	}
	return out
}

func TestSinkShowsDecodedMailsNewestFirst(t *testing.T) {
	t.Parallel()
	smtpAddr, base := start(t, 1000)
	svc := mailService(t, "smtp://"+smtpAddr+"?tls=none")
	ctx := context.Background()
	if err := svc.Send(ctx, email.Request{Kind: email.KindVerification, To: "ada@example.com", Username: "ada", Code: "verify-code_1"}); err != nil {
		t.Fatalf("send verification: %v", err)
	}
	if err := svc.Send(ctx, email.Request{Kind: email.KindPasswordReset, To: "bob@example.com", Username: "bob", Code: "reset-code_2"}); err != nil {
		t.Fatalf("send reset: %v", err)
	}

	all := messages(t, base+"/messages")
	if len(all) != 2 {
		t.Fatalf("got %d messages, want 2", len(all))
	}
	reset, verify := all[0], all[1]
	if reset.Subject != "Reset your Parley password" || verify.Subject != "Confirm your email address for Parley" {
		t.Fatalf("subjects %q, %q: want the reset (newest) first", reset.Subject, verify.Subject)
	}
	if reset.From != "Parley <no-reply@localhost>" || len(reset.To) != 1 || reset.To[0] != "bob@example.com" {
		t.Errorf("reset mail from %q to %v", reset.From, reset.To)
	}
	const link = "http://localhost:8080/reset-password/reset-code_2"
	if !strings.Contains(reset.Text, link) || !strings.Contains(reset.HTML, `href="`+link+`"`) {
		t.Errorf("reset mail lacks its link in text or html:\n%s", reset.Text)
	}
	if strings.Contains(reset.Text, "\r") || strings.Contains(reset.Text, "=\n") {
		t.Errorf("text is not decoded:\n%q", reset.Text)
	}
	if time.Since(reset.Date) > time.Minute || reset.ID == "" || reset.ID == verify.ID {
		t.Errorf("date %v, ids %q %q", reset.Date, reset.ID, verify.ID)
	}

	ada := messages(t, base+"/messages?to=ADA@example.com")
	if len(ada) != 1 || !strings.Contains(ada[0].Text, "http://localhost:8080/verify/verify-code_1") {
		t.Fatalf("?to=ADA@example.com gave %+v, want the verification mail only", ada)
	}
	if none := messages(t, base+"/messages?to=nobody@example.com"); len(none) != 0 {
		t.Fatalf("?to=nobody gave %d messages", len(none))
	}

	resp, err := http.Get(base + "/messages/" + verify.ID + "/raw")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Contains(raw, []byte("multipart/alternative")) {
		t.Errorf("raw: %s\n%s", resp.Status, raw)
	}

	req, _ := http.NewRequest(http.MethodDelete, base+"/messages", nil)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("DELETE: %s", resp.Status)
	}
	if left := messages(t, base+"/messages"); len(left) != 0 {
		t.Fatalf("%d messages left after DELETE", len(left))
	}
}

func TestSinkAcceptsAnyCredentials(t *testing.T) {
	t.Parallel()
	smtpAddr, base := start(t, 10)
	svc := mailService(t, "smtp://someone:anything@"+smtpAddr+"?tls=none")
	if err := svc.Send(context.Background(), email.Request{Kind: email.KindVerification, To: "ada@example.com", Username: "ada", Code: "c"}); err != nil {
		t.Fatalf("send with credentials: %v", err)
	}
	if n := len(messages(t, base+"/messages")); n != 1 {
		t.Fatalf("got %d messages, want 1", n)
	}
}

func TestStoreKeepsOnlyTheMostRecent(t *testing.T) {
	t.Parallel()
	s := newStore(3)
	for i := range 5 {
		s.add(&message{Subject: fmt.Sprint(i)})
	}
	got := s.list("")
	if len(got) != 3 || got[0].Subject != "4" || got[2].Subject != "2" {
		t.Fatalf("kept %v, want subjects 4, 3, 2", got)
	}
	if s.get(got[0].ID) == nil || s.get("1") != nil {
		t.Fatal("get finds dropped messages or misses kept ones")
	}
}

func TestDecodeHandlesSinglePartAndBase64(t *testing.T) {
	t.Parallel()
	raw := "From: =?utf-8?q?Z=C3=B6e?= <zoe@example.com>\r\n" +
		"To: ada@example.com\r\n" +
		"Subject: =?utf-8?b?SMOpbGxv?=\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\n" +
		"SGVsbG8sIHdvcmxk\r\nIQ==\r\n"
	m := decode([]byte(raw), "bounce@example.com")
	if m.From != "Zöe <zoe@example.com>" || m.Subject != "Héllo" || m.Text != "Hello, world!" || m.HTML != "" {
		t.Fatalf("decoded %+v", m)
	}
	if !m.sentTo("ADA@example.com") {
		t.Fatal("the To header does not match ?to=")
	}
	if m := decode([]byte("not a mail"), "x@example.com"); m.From != "x@example.com" || m.Text == "" {
		t.Fatalf("undecodable mail: %+v", m)
	}
}

func TestRunRejectsBadFlags(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"-smtp", "127.0.0.1"},
		{"-http", "nohost:notaport"},
		{"-keep", "0"},
		{"-nope"},
		{"extra"},
	} {
		var out bytes.Buffer
		if err := run(context.Background(), args, &out, &out); err == nil {
			t.Errorf("run(%q) succeeded", args)
		}
	}
}

// syncBuffer is a bytes.Buffer safe to read while run writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestRunPrintsItsAddressesAndStopsWhenCancelled(t *testing.T) {
	t.Parallel()
	free := func() string {
		ln := listen(t)
		defer ln.Close()
		return ln.Addr().String()
	}
	smtpAddr, httpAddr := free(), free()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"-smtp", smtpAddr, "-http", httpAddr}, &stdout, io.Discard) }()

	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get("http://" + httpAddr + "/messages")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the sink never answered on %s: %v", httpAddr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if out := stdout.String(); !strings.Contains(out, smtpAddr) || !strings.Contains(out, httpAddr) {
		t.Errorf("start-up output %q lacks the addresses %s and %s", out, smtpAddr, httpAddr)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after its context was cancelled")
	}
}
