package token_test

import (
	"testing"
	"time"

	"github.com/parleychat/parley/internal/sqlstore"
	"github.com/parleychat/parley/internal/sqlstore/sqlstoretest"
	"github.com/parleychat/parley/internal/token"
	"github.com/parleychat/parley/internal/token/tokentest"
)

// The contract suite wants an empty store per case, so it opens its
// databases itself with the same helpers sqlstoretest.Each uses: a fresh
// SQLite file, and a fresh database on the MariaDB test server.
func TestSQLStoreContract(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		tokentest.Run(t, func(t *testing.T) token.Store { return migrated(t, sqlstoretest.SQLite(t)) })
	})
	t.Run("mysql", func(t *testing.T) {
		tokentest.Run(t, func(t *testing.T) token.Store { return migrated(t, sqlstoretest.MySQL(t)) })
	})
}

func TestSQLStoreMigrationIsIdempotentAndSharedByInstances(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		a := migrated(t, db)
		b := migrated(t, sqlstoretest.Reopen(t, db)) // a second instance migrates again
		at := sqlstore.Now().Truncate(time.Second)
		f := token.Family{ID: "0198c0de-0000-7000-8000-000000000001", UserID: "u", CreatedAt: at, ExpiresAt: at.Add(time.Hour)}
		first := token.Hash{1}
		if err := a.CreateFamily(t.Context(), f, first); err != nil {
			t.Fatal(err)
		}
		got, err := b.Rotate(t.Context(), f.ID, first, token.Hash{2}, at, 0)
		if err != nil {
			t.Fatalf("rotate through the second instance: %v", err)
		}
		if got.UserID != "u" || !got.ExpiresAt.Equal(f.ExpiresAt) {
			t.Fatalf("family = %+v, want %+v", got, f)
		}
	})
}

func migrated(t *testing.T, db *sqlstore.DB) *token.SQLStore {
	t.Helper()
	if err := token.Migrate(t.Context(), db); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return token.NewSQLStore(db)
}
