package node

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/parleychat/parley/internal/blob"
	"github.com/parleychat/parley/internal/blob/s3blob"
	"github.com/parleychat/parley/internal/config"
	"github.com/parleychat/parley/internal/event"
	"github.com/parleychat/parley/internal/event/kafkabus"
	"github.com/parleychat/parley/internal/sqlstore"
)

// This file is the one place that maps URL schemes to adapters. Each
// opener is a switch over the scheme; the schemes it accepts are the ones
// config.Config declares for the key (a test keeps the two in step).

func unknownScheme(key, scheme string, valid ...string) error {
	return fmt.Errorf("%s: unknown scheme %q (valid schemes: %s)", key, scheme, strings.Join(valid, ", "))
}

func parseURL(key, raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %q is not a URL", key, config.Redact(raw))
	}
	return u, nil
}

// Bus returns the node's event bus, opening it on first use.
func (n *Node) Bus(ctx context.Context) (event.Bus, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.bus != nil {
		return n.bus, nil
	}
	bus, err := openBus(ctx, n.cfg.EventsURL, n)
	if err != nil {
		return nil, err
	}
	n.bus = bus
	n.closers = append(n.closers, bus.Close)
	n.health.Add("events", bus.Ping)
	return bus, nil
}

func openBus(ctx context.Context, raw string, n *Node) (event.Bus, error) {
	u, err := parseURL("events_url", raw)
	if err != nil {
		return nil, err
	}
	switch u.Scheme {
	case "mem":
		return event.NewMemBus(event.MemOptions{Logger: n.log.With("adapter", "membus")}), nil
	case "kafka":
		cfg, err := kafkabus.ParseURL(raw)
		if err != nil {
			return nil, fmt.Errorf("events_url: %w", err)
		}
		cfg.Logger = n.log.With("adapter", "kafkabus")
		return kafkabus.Open(ctx, cfg)
	default:
		return nil, unknownScheme("events_url", u.Scheme, "mem", "kafka")
	}
}

// SQL returns the SQL store named by a database key (e.g.
// "user.database_url"), opening it on first use.
func (n *Node) SQL(ctx context.Context, key string) (*sqlstore.DB, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if db, ok := n.dbs[key]; ok {
		return db, nil
	}
	db, err := openSQL(ctx, key, n.cfg.Get(key))
	if err != nil {
		return nil, err
	}
	n.dbs[key] = db
	n.closers = append(n.closers, db.Close)
	n.health.Add(strings.TrimSuffix(key, "_url"), db.PingContext)
	return db, nil
}

func openSQL(ctx context.Context, key, raw string) (*sqlstore.DB, error) {
	u, err := parseURL(key, raw)
	if err != nil {
		return nil, err
	}
	var db *sqlstore.DB
	switch u.Scheme {
	case "sqlite":
		db, err = sqlstore.OpenSQLite(ctx, sqlstore.SQLitePathFromURL(u))
	case "mysql":
		db, err = sqlstore.OpenMySQL(ctx, raw)
	default:
		return nil, unknownScheme(key, u.Scheme, "sqlite", "mysql")
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	return db, nil
}

// Blob returns the node's object store, opening it on first use. The
// embedded file store's signed URLs are served by this node under
// /api/v1/blobs/.
func (n *Node) Blob(ctx context.Context) (blob.Store, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.blob != nil {
		return n.blob, nil
	}
	u, err := parseURL("blob_url", n.cfg.BlobURL)
	if err != nil {
		return nil, err
	}
	switch u.Scheme {
	case "file":
		dir := u.Host + u.Path
		secret, err := n.secret("blob.key")
		if err != nil {
			return nil, err
		}
		fsStore, err := blob.NewFileStore(dir, n.cfg.PublicURL, secret)
		if err != nil {
			return nil, fmt.Errorf("blob_url: %w", err)
		}
		n.mux.Handle("/api/v1/blobs/", fsStore.Handler())
		n.blob = fsStore
	case "s3":
		s3, err := s3blob.Open(ctx, n.cfg.BlobURL, n.log.With("adapter", "s3blob"))
		if err != nil {
			return nil, fmt.Errorf("blob_url: %w", err)
		}
		n.blob = s3
	default:
		return nil, unknownScheme("blob_url", u.Scheme, "file", "s3")
	}
	n.health.Add("blob", n.blob.Ping)
	return n.blob, nil
}

// secret returns a 32-byte key kept in <data_dir>/secrets/<name>,
// creating it on first use. Embedded mode needs no key management; in
// split mode the processes that share a key share the data directory or
// get the key from their configuration.
func (n *Node) secret(name string) ([]byte, error) {
	dir := filepath.Join(n.cfg.DataDir, "secrets")
	path := filepath.Join(dir, name)
	key, err := os.ReadFile(path)
	if err == nil && len(key) == 32 {
		return key, nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read secret %s: %w", path, err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create %s: %w", dir, err)
	}
	key = make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, key, 0o600); err != nil {
		return nil, fmt.Errorf("write secret: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return nil, fmt.Errorf("write secret: %w", err)
	}
	return key, nil
}
