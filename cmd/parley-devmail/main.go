// Command parley-devmail is an SMTP sink for development and tests: it
// accepts every mail, keeps the most recent ones in memory and shows them,
// decoded, as JSON over HTTP. The browser tests start it and read the
// verification and password-reset links from it; a developer can point
// PARLEY_MAIL_URL at it to see real SMTP traffic.
//
//	parley-devmail -smtp 127.0.0.1:2525 -http 127.0.0.1:8025
//	PARLEY_MAIL_URL='smtp://127.0.0.1:2525?tls=none' parley
//
// SMTP: no TLS; AUTH PLAIN is offered and any credentials are accepted;
// every sender and recipient is accepted; messages up to 10 MiB.
//
// HTTP:
//
//	GET    /messages             all kept messages, newest first
//	GET    /messages?to=<addr>   only those for that recipient (case-insensitive)
//	GET    /messages/{id}/raw    one message as received (message/rfc822)
//	DELETE /messages             forget every message (204)
//
// A message is {"id","from","to":[…],"subject","text","html","date"}: the
// From header and subject decoded, the envelope recipients, the text/plain
// and text/html parts with their transfer encoding undone, and the Date
// header (RFC 3339).
//
// It prints its addresses on start and stops on SIGINT or SIGTERM. Nothing
// is written to disk. It is not a mail server: never expose it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "parley-devmail:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("parley-devmail", flag.ContinueOnError)
	fs.SetOutput(stderr)
	smtpAddr := fs.String("smtp", "127.0.0.1:2525", "`host:port` the SMTP server listens on")
	httpAddr := fs.String("http", "127.0.0.1:8025", "`host:port` the JSON API listens on")
	keep := fs.Int("keep", 1000, "how many of the most recent messages to keep")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *keep < 1 {
		return errors.New("-keep must be at least 1")
	}
	smtpLn, err := net.Listen("tcp", *smtpAddr)
	if err != nil {
		return fmt.Errorf("-smtp: %w", err)
	}
	httpLn, err := net.Listen("tcp", *httpAddr)
	if err != nil {
		smtpLn.Close()
		return fmt.Errorf("-http: %w", err)
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	fmt.Fprintf(stdout, "parley-devmail: SMTP on %s (PARLEY_MAIL_URL=smtp://%s?tls=none), messages at http://%s/messages\n",
		smtpLn.Addr(), smtpLn.Addr(), httpLn.Addr())
	return serve(ctx, smtpLn, httpLn, newStore(*keep), log)
}

// serve runs both servers until ctx ends, then stops them.
func serve(ctx context.Context, smtpLn, httpLn net.Listener, st *store, log *slog.Logger) error {
	ss := newSMTPServer(st, log)
	hs := &http.Server{Handler: st.handler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 2)
	go func() { errc <- ss.Serve(smtpLn) }()
	go func() { errc <- hs.Serve(httpLn) }()

	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
		err = fmt.Errorf("server stopped: %w", err)
	}
	log.Info("parley-devmail stopping")
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = hs.Shutdown(shutdown)
	_ = ss.Close()
	return err
}
