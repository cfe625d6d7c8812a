package rpcauth

import (
	"context"
	"errors"

	"connectrpc.com/connect"

	"github.com/parleychat/parley/internal/errs"
)

// Header carries the internal secret on every internal RPC request.
const Header = "X-Parley-Internal"

type interceptor struct {
	secret []byte
	server bool
}

// ServerInterceptor refuses, as Unauthenticated, every call that does not
// carry the secret. The comparison takes constant time.
func ServerInterceptor(secret []byte) connect.Interceptor {
	return &interceptor{secret: secret, server: true}
}

// ClientInterceptor adds the secret to every outgoing call.
func ClientInterceptor(secret []byte) connect.Interceptor {
	return &interceptor{secret: secret}
}

func (i *interceptor) check(got string) error {
	if !validSecret(i.secret, got) {
		return connect.NewError(connect.CodeUnauthenticated, errRefused)
	}
	return nil
}

func (i *interceptor) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		if i.server {
			if err := i.check(req.Header().Get(Header)); err != nil {
				return nil, err
			}
		} else {
			req.Header().Set(Header, string(i.secret))
		}
		return next(ctx, req)
	}
}

func (i *interceptor) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return func(ctx context.Context, spec connect.Spec) connect.StreamingClientConn {
		conn := next(ctx, spec)
		conn.RequestHeader().Set(Header, string(i.secret))
		return conn
	}
}

func (i *interceptor) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		if err := i.check(conn.RequestHeader().Get(Header)); err != nil {
			return err
		}
		return next(ctx, conn)
	}
}

var kindToCode = map[errs.Kind]connect.Code{
	errs.Invalid:          connect.CodeInvalidArgument,
	errs.Unauthenticated:  connect.CodeUnauthenticated,
	errs.Forbidden:        connect.CodePermissionDenied,
	errs.NotFound:         connect.CodeNotFound,
	errs.Conflict:         connect.CodeAlreadyExists,
	errs.TooLarge:         connect.CodeResourceExhausted,
	errs.RateLimited:      connect.CodeResourceExhausted,
	errs.Unavailable:      connect.CodeUnavailable,
	errs.UnsupportedMedia: connect.CodeInvalidArgument,
}

// metaKind and metaDetail carry the exact kind and detail across the wire,
// since two kinds share a code.
const (
	metaKind   = "Parley-Error-Kind"
	metaDetail = "Parley-Error-Detail"
)

// ToConnect turns a handler's error into a Connect error: classified errors
// keep their kind, message and detail; anything else becomes Internal with
// a generic message (the cause stays in the server's log).
func ToConnect(err error) error {
	if err == nil {
		return nil
	}
	var ce *connect.Error
	if errors.As(err, &ce) {
		return ce
	}
	e := errs.As(err)
	if e == nil || e.Kind == errs.Internal {
		return connect.NewError(connect.CodeInternal, errors.New("internal error"))
	}
	code, ok := kindToCode[e.Kind]
	if !ok {
		code = connect.CodeUnknown
	}
	out := connect.NewError(code, errors.New(e.Message))
	out.Meta().Set(metaKind, string(e.Kind))
	if e.Detail != "" {
		out.Meta().Set(metaDetail, e.Detail)
	}
	return out
}

// FromConnect turns a client-side Connect error back into an *errs.Error of
// the same kind. Transport failures (the other role is down or
// unreachable) become Unavailable.
func FromConnect(err error) error {
	if err == nil {
		return nil
	}
	var ce *connect.Error
	if !errors.As(err, &ce) {
		return errs.Wrap(errs.Unavailable, err, "internal service unavailable")
	}
	if k := errs.Kind(ce.Meta().Get(metaKind)); k != "" {
		return &errs.Error{Kind: k, Message: ce.Message(), Detail: ce.Meta().Get(metaDetail), Err: err}
	}
	switch ce.Code() {
	case connect.CodeUnavailable, connect.CodeDeadlineExceeded, connect.CodeCanceled, connect.CodeAborted:
		return errs.Wrap(errs.Unavailable, err, "internal service unavailable")
	case connect.CodeUnauthenticated:
		return errs.Wrap(errs.Internal, err, "internal RPC refused: check internal_secret")
	default:
		return errs.Wrap(errs.Internal, err, "internal RPC failed")
	}
}
