// Package platformtest gives integration tests the real servers they run
// against: a fresh MariaDB/MySQL database, a fresh S3 bucket on the
// loopback S3 server, the loopback Kafka-protocol broker and Redis.
//
// Addresses come from the environment (PARLEY_TEST_*), with defaults that
// match what scripts/test-services.sh starts. A server that cannot be
// reached fails the test: contract suites never pass by skipping.
package platformtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"
)

// Defaults match scripts/test-services.sh.
const (
	DefaultMySQL = "mysql://root@127.0.0.1:3306/"
	DefaultS3    = "s3://parley:parleysecret@?endpoint=http://127.0.0.1:7070&region=us-east-1"
	DefaultKafka = "kafka://127.0.0.1:19092"
	DefaultRedis = "redis://127.0.0.1:6379/"
)

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// Name returns a short random lower-case name with the given prefix, for
// databases, buckets and topic prefixes that must not collide between
// tests or runs.
func Name(prefix string) string {
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// Reachable fails the test unless host:port accepts TCP connections.
func Reachable(t testing.TB, what, hostport string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", hostport, 3*time.Second)
	if err != nil {
		t.Fatalf("%s at %s is not reachable (%v): start the test servers with scripts/test-services.sh", what, hostport, err)
	}
	c.Close()
}

// MySQLServer returns the server URL (no database) from
// PARLEY_TEST_MYSQL_URL, failing the test when it is unreachable.
func MySQLServer(t testing.TB) string {
	t.Helper()
	raw := env("PARLEY_TEST_MYSQL_URL", DefaultMySQL)
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("PARLEY_TEST_MYSQL_URL: %v", err)
	}
	Reachable(t, "MariaDB/MySQL", u.Host)
	return raw
}

// MySQLDatabaseURL returns the URL of a database name on the test server,
// which the caller (the sqlstore package, which owns the driver) creates
// and drops. The name is unique to this test.
func MySQLDatabaseURL(t testing.TB) (serverURL, dbURL, dbName string) {
	t.Helper()
	serverURL = MySQLServer(t)
	u, _ := url.Parse(serverURL)
	dbName = Name("parley_test_")
	u.Path = "/" + dbName
	return serverURL, u.String(), dbName
}

// S3URL returns the S3 URL of the loopback S3 server with a fresh bucket
// name set as the host part; the blob adapter creates the bucket.
func S3URL(t testing.TB) string {
	t.Helper()
	raw := env("PARLEY_TEST_S3_URL", DefaultS3)
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("PARLEY_TEST_S3_URL: %v", err)
	}
	ep, err := url.Parse(u.Query().Get("endpoint"))
	if err != nil || ep.Host == "" {
		t.Fatalf("PARLEY_TEST_S3_URL needs endpoint=http://host:port, got %q", raw)
	}
	Reachable(t, "S3 server", ep.Host)
	u.Host = Name("parley-test-")
	return u.String()
}

// KafkaURL returns the kafka:// URL of the Kafka-protocol broker that runs
// as a separate process (cmd/parley-devbroker), from PARLEY_TEST_KAFKA_URL.
func KafkaURL(t testing.TB) string {
	t.Helper()
	raw := env("PARLEY_TEST_KAFKA_URL", DefaultKafka)
	hosts := strings.TrimPrefix(raw, "kafka://")
	Reachable(t, "Kafka-protocol broker", strings.Split(hosts, ",")[0])
	return raw
}

// RedisURL returns the redis:// URL from PARLEY_TEST_REDIS_URL.
func RedisURL(t testing.TB) string {
	t.Helper()
	raw := env("PARLEY_TEST_REDIS_URL", DefaultRedis)
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("PARLEY_TEST_REDIS_URL: %v", err)
	}
	Reachable(t, "Redis", u.Host)
	return raw
}

// Context returns a context cancelled when the test ends.
func Context(t testing.TB) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	return ctx
}
