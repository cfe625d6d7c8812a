package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
)

// MySQL pool limits. MariaDB's default max_connections is 151; a role
// instance keeps well below its share.
const (
	mysqlMaxOpen     = 20
	mysqlMaxIdle     = 10
	mysqlMaxLifetime = 5 * time.Minute
	mysqlMaxIdleTime = time.Minute
)

// Timeouts used when the URL does not set them. The read timeout must
// exceed the 60 s Migrate waits for the migration lock.
const (
	mysqlDialTimeout  = 5 * time.Second
	mysqlReadTimeout  = 90 * time.Second
	mysqlWriteTimeout = 30 * time.Second
)

const (
	mysqlCharset   = "utf8mb4"
	mysqlCollation = "utf8mb4_unicode_ci"
)

// The driver logs broken connections to the standard error itself; the
// same failures reach the caller as errors, which are logged once where
// they are handled. Set at package init: the driver reads its logger
// whenever a DSN is parsed, so setting it later (once, on the first
// OpenMySQL) raced with a concurrent DropMySQLDatabase.
func init() { _ = mysql.SetLogger(log.New(io.Discard, "", 0)) }

var dbNameRE = regexp.MustCompile(`^[A-Za-z0-9_]{1,64}$`)

// OpenMySQL opens the database named in a
// mysql://user:pass@host:port/dbname?params URL, creating it (utf8mb4,
// utf8mb4_unicode_ci) when it does not exist, and checks that it answers.
// The port defaults to 3306. Connections use utf8mb4 with the unicode
// collation, UTC, parseTime and microsecond time truncation whatever the
// parameters say. Works on MariaDB 10.6+ and MySQL 8. Errors name the user,
// host and database but never the password.
func OpenMySQL(ctx context.Context, rawURL string) (*DB, error) {
	cfg, err := mysqlConfig(rawURL)
	if err != nil {
		return nil, err
	}
	if cfg.DBName == "" {
		return nil, fmt.Errorf("sqlstore: MySQL URL %s names no database: want mysql://user:pass@host:3306/parley_<role>", where(cfg))
	}
	if err := checkDBName(cfg.DBName); err != nil {
		return nil, err
	}
	db, err := openMySQLPool(ctx, cfg)
	if mysqlErrno(err) == 1049 { // ER_BAD_DB_ERROR: unknown database
		if err := createMySQLDatabase(ctx, cfg); err != nil {
			return nil, err
		}
		db, err = openMySQLPool(ctx, cfg)
	}
	if err != nil {
		return nil, redactErr(cfg.Passwd, fmt.Errorf("sqlstore: open mysql %s: %w", where(cfg), err))
	}
	db.SetMaxOpenConns(mysqlMaxOpen)
	db.SetMaxIdleConns(mysqlMaxIdle)
	db.SetConnMaxLifetime(mysqlMaxLifetime)
	db.SetConnMaxIdleTime(mysqlMaxIdleTime)
	return &DB{DB: db, Dialect: MySQL}, nil
}

// DropMySQLDatabase drops the database name on the server at serverURL (a
// mysql:// URL whose database part, if any, is ignored). Dropping a
// database that does not exist is not an error. Tests use it to clean up.
func DropMySQLDatabase(ctx context.Context, serverURL, name string) error {
	cfg, err := mysqlConfig(serverURL)
	if err != nil {
		return err
	}
	if err := checkDBName(name); err != nil {
		return err
	}
	cfg.DBName = ""
	db, err := openMySQLPool(ctx, cfg)
	if err != nil {
		return redactErr(cfg.Passwd, fmt.Errorf("sqlstore: drop database %s: connect %s: %w", name, where(cfg), err))
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "DROP DATABASE IF EXISTS `"+name+"`"); err != nil {
		return redactErr(cfg.Passwd, fmt.Errorf("sqlstore: drop database %s: %w", name, err))
	}
	return nil
}

// mysqlConfig turns a mysql:// URL into a driver configuration with
// Parley's fixed settings applied.
func mysqlConfig(rawURL string) (*mysql.Config, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		// Not the parser's reason: it quotes the part of the URL it
		// choked on, which is often the start of a password with a "/"
		// or "?" in it ("invalid port \":s3cret\" after host").
		return nil, errors.New("sqlstore: invalid MySQL URL: it does not parse (characters such as / ? # @ or a space in the password must be percent-encoded)")
	}
	pass, _ := u.User.Password()
	bad := func(format string, args ...any) error {
		return errors.New(redact("sqlstore: invalid MySQL URL: "+fmt.Sprintf(format, args...), pass))
	}
	if u.Scheme != "mysql" {
		return nil, bad("scheme is %q, want mysql://user:pass@host:3306/dbname", u.Scheme)
	}
	if u.Opaque != "" || u.Hostname() == "" {
		return nil, bad("no host, want mysql://user:pass@host:3306/dbname")
	}
	if p := u.Port(); p != "" {
		if _, err := net.LookupPort("tcp", p); err != nil {
			return nil, bad("bad port %q", p)
		}
	}
	if u.User == nil || u.User.Username() == "" {
		return nil, bad("no user, want mysql://user:pass@host:3306/dbname")
	}
	if u.Fragment != "" {
		return nil, bad("unexpected fragment")
	}

	// The driver parses the query parameters (tls, timeouts, session
	// variables); user, password, address and database are set directly so
	// that no character of the password is ever reinterpreted.
	dsn := "/"
	if u.RawQuery != "" {
		dsn += "?" + u.RawQuery
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, bad("parameters: %v", err)
	}
	cfg.User = u.User.Username()
	cfg.Passwd = pass
	cfg.Net = "tcp"
	cfg.Addr = u.Host
	if u.Port() == "" {
		cfg.Addr = net.JoinHostPort(u.Hostname(), "3306")
	}
	cfg.DBName = strings.TrimPrefix(u.Path, "/")
	if cfg.TLS != nil && !cfg.TLS.InsecureSkipVerify && cfg.TLSConfig == "true" {
		cfg.TLS.ServerName = u.Hostname() // ParseDSN filled it from its default address
	}

	cfg.ParseTime = true
	cfg.Loc = time.UTC
	cfg.InterpolateParams = true // safe with utf8mb4; saves a round trip per query
	cfg.MultiStatements = false
	if cfg.Timeout == 0 {
		cfg.Timeout = mysqlDialTimeout
	}
	if cfg.ReadTimeout == 0 {
		cfg.ReadTimeout = mysqlReadTimeout
	}
	if cfg.WriteTimeout == 0 {
		cfg.WriteTimeout = mysqlWriteTimeout
	}
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	if _, ok := cfg.Params["time_zone"]; !ok {
		cfg.Params["time_zone"] = "'+00:00'"
	}
	if err := cfg.Apply(mysql.Charset(mysqlCharset, mysqlCollation), mysql.TimeTruncate(time.Microsecond)); err != nil {
		return nil, bad("%v", err)
	}
	return cfg, nil
}

// openMySQLPool opens a pool for cfg and pings it.
func openMySQLPool(ctx context.Context, cfg *mysql.Config) (*sql.DB, error) {
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(conn)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func createMySQLDatabase(ctx context.Context, cfg *mysql.Config) error {
	server := cfg.Clone()
	server.DBName = ""
	db, err := openMySQLPool(ctx, server)
	if err != nil {
		return redactErr(cfg.Passwd, fmt.Errorf("sqlstore: create database %s: connect %s: %w", cfg.DBName, where(server), err))
	}
	defer db.Close()
	q := "CREATE DATABASE IF NOT EXISTS `" + cfg.DBName + "` CHARACTER SET " + mysqlCharset + " COLLATE " + mysqlCollation
	if _, err := db.ExecContext(ctx, q); err != nil {
		return redactErr(cfg.Passwd, fmt.Errorf("sqlstore: create database %s on %s: %w", cfg.DBName, where(server), err))
	}
	return nil
}

func checkDBName(name string) error {
	if !dbNameRE.MatchString(name) {
		return fmt.Errorf("sqlstore: invalid MySQL database name %q: use 1 to 64 letters, digits and underscores", name)
	}
	return nil
}

// where describes a connection without its password: user@host:port/db.
func where(cfg *mysql.Config) string {
	return cfg.User + "@" + cfg.Addr + "/" + cfg.DBName
}

// mysqlErrno returns the server error number in err's chain, or 0.
func mysqlErrno(err error) uint16 {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number
	}
	return 0
}

// redactErr returns err unchanged when its message does not contain the
// password, and otherwise a new error with the password masked (dropping
// the chain, which would still carry it).
func redactErr(password string, err error) error {
	msg := err.Error()
	if red := redact(msg, password); red != msg {
		return errors.New(red)
	}
	return err
}

// redact masks every occurrence of the secrets (raw and URL-escaped) in msg.
func redact(msg string, secrets ...string) string {
	for _, secret := range secrets {
		if secret == "" {
			continue
		}
		for _, s := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret), url.UserPassword("u", secret).String()[2:]} {
			if s != "" {
				msg = strings.ReplaceAll(msg, s, "xxxxx")
			}
		}
	}
	return msg
}
