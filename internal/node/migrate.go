package node

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/parleychat/parley/internal/config"
	"github.com/parleychat/parley/internal/sqlstore"
)

// Migrate applies the migrations of every selected role to its database
// and reports the versions, for `parley migrate`. Roles start by migrating
// too, so running it is optional; it lets operators migrate before a
// rolling deploy.
func Migrate(ctx context.Context, cfg *config.Config, log *slog.Logger, out io.Writer) error {
	selected, err := selectRoles(cfg.Roles)
	if err != nil {
		return err
	}
	did := false
	for _, r := range selected {
		if r.db == "" {
			continue
		}
		did = true
		db, err := openSQL(ctx, r.db, cfg.Get(r.db))
		if err != nil {
			return err
		}
		err = r.migrate(ctx, db)
		if err == nil {
			for _, source := range r.sources {
				versions, verr := sqlstore.Applied(ctx, db, source)
				if verr != nil {
					err = verr
					break
				}
				latest := 0
				if len(versions) > 0 {
					latest = versions[len(versions)-1]
				}
				fmt.Fprintf(out, "%s: %s at version %d (%s)\n", r.name, source, latest, config.Redact(cfg.Get(r.db)))
			}
		}
		db.Close()
		if err != nil {
			return err
		}
	}
	if !did {
		fmt.Fprintf(out, "nothing to migrate: roles %v keep no SQL data\n", cfg.Roles)
	}
	return nil
}
