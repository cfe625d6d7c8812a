package email_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"connectrpc.com/connect"

	emailv1 "github.com/parleychat/parley/api/gen/parley/email/v1"
	"github.com/parleychat/parley/api/gen/parley/email/v1/emailv1connect"
	"github.com/parleychat/parley/internal/email"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/rpcauth"
)

var secret = []byte("test-internal-secret")

// serve starts the email role's RPC over HTTP/2 with TLS, so that every
// Connect protocol (gRPC included) works, and returns its base URL and an
// HTTP client that trusts it.
func serve(t *testing.T, m email.Mailer) (string, *http.Client) {
	t.Helper()
	svc := email.NewService(m, "https://chat.example.com", discard())
	path, h := email.NewHandler(svc, connect.WithInterceptors(rpcauth.ServerInterceptor(secret)))
	mux := http.NewServeMux()
	mux.Handle(path, h)
	srv := httptest.NewUnstartedServer(mux)
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv.URL, srv.Client()
}

func TestClientSendsThroughTheHandler(t *testing.T) {
	t.Parallel()
	for name, opt := range map[string]connect.ClientOption{
		"connect": connect.WithProtoJSON(),
		"grpc":    connect.WithGRPC(),
		"grpcweb": connect.WithGRPCWeb(),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m := &fakeMailer{}
			url, hc := serve(t, m)
			c := email.NewClient(hc, url, opt, connect.WithInterceptors(rpcauth.ClientInterceptor(secret)))
			r := valid()
			r.Kind = email.KindPasswordReset
			if err := c.Send(context.Background(), r); err != nil {
				t.Fatalf("Send: %v", err)
			}
			sent := m.sent()
			if len(sent) != 1 || sent[0].To != r.To ||
				!strings.Contains(sent[0].Text, "https://chat.example.com/reset-password/"+r.Code) {
				t.Fatalf("mailer got %+v, want one reset mail to %s", sent, r.To)
			}
		})
	}
}

func TestInvalidStaysInvalidAcrossTheWire(t *testing.T) {
	t.Parallel()
	m := &fakeMailer{}
	url, hc := serve(t, m)
	c := email.NewClient(hc, url, connect.WithInterceptors(rpcauth.ClientInterceptor(secret)))
	for name, mutate := range map[string]func(r *email.Request){
		"bad address":      func(r *email.Request) { r.To = "ada@example.com\r\nBcc: eve@example.com" },
		"long username":    func(r *email.Request) { r.Username = strings.Repeat("x", 33) },
		"unsafe code":      func(r *email.Request) { r.Code = "a/b" },
		"unknown kind":     func(r *email.Request) { r.Kind = "newsletter" },
		"missing username": func(r *email.Request) { r.Username = "" },
	} {
		t.Run(name, func(t *testing.T) {
			r := valid()
			mutate(&r)
			err := c.Send(context.Background(), r)
			if !errs.Is(err, errs.Invalid) {
				t.Fatalf("Send(%+v) = %v, want errs.Invalid", r, err)
			}
		})
	}
	if n := len(m.sent()); n != 0 {
		t.Fatalf("mailer got %d mails from invalid requests", n)
	}

	// A kind the server does not know (here the zero value, as a newer or
	// older client could send) is refused as invalid too.
	raw := emailv1connect.NewEmailServiceClient(hc, url, connect.WithInterceptors(rpcauth.ClientInterceptor(secret)))
	_, err := raw.Send(context.Background(), connect.NewRequest(&emailv1.SendRequest{To: "ada@example.com", Username: "ada", Code: "abc"}))
	if connect.CodeOf(err) != connect.CodeInvalidArgument || !errs.Is(rpcauth.FromConnect(err), errs.Invalid) {
		t.Fatalf("unspecified kind: %v, want InvalidArgument/errs.Invalid", err)
	}
}

func TestMailServerFailureIsRetryableAcrossTheWire(t *testing.T) {
	t.Parallel()
	url, hc := serve(t, &fakeMailer{err: errors.New("dial tcp 10.0.0.1:587: connection refused")})
	c := email.NewClient(hc, url, connect.WithInterceptors(rpcauth.ClientInterceptor(secret)))
	err := c.Send(context.Background(), valid())
	if !errs.Is(err, errs.Unavailable) {
		t.Fatalf("Send = %v, want errs.Unavailable", err)
	}
	if strings.Contains(err.Error(), "10.0.0.1") {
		t.Errorf("the mail server's address leaked to the caller: %v", err)
	}
}

func TestHandlerRefusesCallsWithoutTheInternalSecret(t *testing.T) {
	t.Parallel()
	m := &fakeMailer{}
	url, hc := serve(t, m)
	for name, opts := range map[string][]connect.ClientOption{
		"no secret":    nil,
		"wrong secret": {connect.WithInterceptors(rpcauth.ClientInterceptor([]byte("guess")))},
	} {
		t.Run(name, func(t *testing.T) {
			raw := emailv1connect.NewEmailServiceClient(hc, url, opts...)
			_, err := raw.Send(context.Background(), connect.NewRequest(&emailv1.SendRequest{
				Kind: emailv1.Kind_KIND_VERIFICATION, To: "ada@example.com", Username: "ada", Code: "abc",
			}))
			if connect.CodeOf(err) != connect.CodeUnauthenticated {
				t.Fatalf("Send = %v, want code Unauthenticated", err)
			}
			err = email.NewClient(hc, url, opts...).Send(context.Background(), valid())
			if err == nil || errs.Is(err, errs.Invalid) {
				t.Fatalf("Client.Send = %v, want a (non-Invalid) refusal", err)
			}
		})
	}
	if n := len(m.sent()); n != 0 {
		t.Fatalf("mailer got %d mails from unauthenticated calls", n)
	}
}

func TestUnreachableEmailRoleIsUnavailable(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	c := email.NewClient(http.DefaultClient, url, connect.WithInterceptors(rpcauth.ClientInterceptor(secret)))
	if err := c.Send(context.Background(), valid()); !errs.Is(err, errs.Unavailable) {
		t.Fatalf("Send = %v, want errs.Unavailable", err)
	}
}
