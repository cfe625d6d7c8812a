package node

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/parleychat/parley/internal/config"
)

// Check opens every adapter the configuration names — the event bus, each
// role database and the object store — and pings it, writing one line per
// adapter. It is `parley check`: an operator's way to see that a
// configuration reaches its servers before starting roles on it.
func Check(ctx context.Context, cfg *config.Config, log *slog.Logger, out io.Writer) error {
	probe := newBare(ctx, cfg, log, nil)
	defer probe.Close()
	failed := 0
	report := func(name, url string, ping func(context.Context) error, openErr error) {
		err := openErr
		if err == nil {
			pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			err = ping(pctx)
			cancel()
		}
		status := "ok"
		if err != nil {
			status = "FAILED: " + err.Error()
			failed++
		}
		fmt.Fprintf(out, "%-22s %-50s %s\n", name, config.Redact(url), status)
	}
	bus, err := probe.Bus(ctx)
	report("events_url", cfg.EventsURL, func(c context.Context) error { return bus.Ping(c) }, err)
	for _, key := range []string{"user.database_url", "group.database_url", "message.database_url"} {
		db, err := probe.SQL(ctx, key)
		report(key, cfg.Get(key), func(c context.Context) error { return db.PingContext(c) }, err)
	}
	store, err := probe.Blob(ctx)
	report("blob_url", cfg.BlobURL, func(c context.Context) error { return store.Ping(c) }, err)
	if failed > 0 {
		return fmt.Errorf("%d adapter(s) unreachable", failed)
	}
	return nil
}
