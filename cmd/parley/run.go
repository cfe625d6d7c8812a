package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime/debug"
	"strings"

	"github.com/parleychat/parley/internal/config"
	"github.com/parleychat/parley/internal/node"
)

// version is set at build time (-ldflags "-X main.version=…").
var version = "dev"

const usage = `Usage: parley [command] [flags]

Commands:
  serve     run the roles of --roles (default: all) — the default command
  migrate   apply the database migrations of the selected roles and exit
  config    print the effective configuration (secrets redacted)
  check     open every configured adapter, ping it and report
  roles     list the roles and whether this build implements them
  version   print the version

Every configuration key is also a flag and a PARLEY_* environment variable;
see "parley config" and README.md.
`

// run is the whole program, with its dependencies passed in so tests can
// run it in-process.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "version":
		fmt.Fprintln(stdout, "parley", buildVersion())
		return nil
	case "roles":
		fmt.Fprint(stdout, node.RoleTable())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	case "serve", "migrate", "config", "check":
	default:
		return fmt.Errorf("unknown command %q\n\n%s", cmd, usage)
	}

	cfg, rest, err := config.Load(args, getenv)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, usage)
		return nil
	}
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("unexpected arguments: %s", strings.Join(rest, " "))
	}
	log := newLogger(cfg, stderr)

	switch cmd {
	case "config":
		return cfg.WriteYAML(stdout)
	case "migrate":
		return node.Migrate(ctx, cfg, log, stdout)
	case "check":
		return node.Check(ctx, cfg, log, stdout)
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("addr (PARLEY_ADDR): %w", err)
	}
	n, err := node.New(ctx, cfg, log)
	if err != nil {
		ln.Close()
		return err
	}
	fmt.Fprintf(stdout, "Parley %s is running at %s (roles: %s; listening on %s). Press Ctrl+C to stop.\n",
		buildVersion(), cfg.PublicURL, strings.Join(n.Roles(), ","), ln.Addr())
	return n.Serve(ctx, ln)
}

func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func buildVersion() string {
	if version != "dev" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return "dev-" + s.Value[:12]
			}
		}
	}
	return version
}
