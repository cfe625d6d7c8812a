package rpcauth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/parleychat/parley/internal/errs"
)

const procedure = "/parley.test.v1.TestService/Do"

// serve runs a one-method Connect service that answers with failWith.
func serve(t *testing.T, secret []byte, failWith error) string {
	t.Helper()
	h := connect.NewUnaryHandler(procedure, func(ctx context.Context, _ *connect.Request[emptypb.Empty]) (*connect.Response[emptypb.Empty], error) {
		if failWith != nil {
			return nil, ToConnect(failWith)
		}
		return connect.NewResponse(&emptypb.Empty{}), nil
	}, connect.WithInterceptors(ServerInterceptor(secret)))
	mux := http.NewServeMux()
	mux.Handle(procedure, h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

func call(base string, secret []byte) error {
	c := connect.NewClient[emptypb.Empty, emptypb.Empty](http.DefaultClient, base+procedure, connect.WithInterceptors(ClientInterceptor(secret)))
	_, err := c.CallUnary(context.Background(), connect.NewRequest(&emptypb.Empty{}))
	return FromConnect(err)
}

func TestSecretIsRequired(t *testing.T) {
	base := serve(t, []byte("right"), nil)
	if err := call(base, []byte("right")); err != nil {
		t.Fatalf("right secret refused: %v", err)
	}
	for _, s := range []string{"wrong", ""} {
		if err := call(base, []byte(s)); err == nil {
			t.Fatalf("secret %q accepted", s)
		}
	}
	// A server without a secret refuses everyone.
	if err := call(serve(t, nil, nil), nil); err == nil {
		t.Fatal("server with no secret accepted a call")
	}
}

func TestErrorKindsSurviveTheWire(t *testing.T) {
	secret := []byte("s")
	for _, kind := range []errs.Kind{errs.Invalid, errs.Unauthenticated, errs.Forbidden, errs.NotFound, errs.Conflict, errs.TooLarge, errs.RateLimited, errs.Unavailable} {
		t.Run(string(kind), func(t *testing.T) {
			sent := errs.E(kind, "because %s", kind).WithDetail("d-" + string(kind))
			err := call(serve(t, secret, fmt.Errorf("wrapped: %w", sent)), secret)
			got := errs.As(err)
			if got == nil || got.Kind != kind || got.Message != sent.Message || got.Detail != sent.Detail {
				t.Fatalf("got %#v", got)
			}
		})
	}
	err := call(serve(t, secret, errors.New("db password hunter2")), secret)
	if errs.KindOf(err) != errs.Internal || errs.As(err).Message == "db password hunter2" {
		t.Fatalf("internal error crossed the wire with its cause: %v", err)
	}
}

func TestUnreachableServerIsUnavailable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close()
	if err := call(base, []byte("s")); errs.KindOf(err) != errs.Unavailable {
		t.Fatalf("err = %v (%s)", err, errs.KindOf(err))
	}
}
