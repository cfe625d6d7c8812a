// Package systest is the system-test harness: it starts Parley the way it
// runs in production and drives it over HTTP, so that every scenario runs
// in both modes.
//
//   - Embedded: one node with every role, a temp data dir, :0 ports,
//     embedded adapters (SQLite, memory bus, local files).
//   - Split: one node per role (in this process, each with its own HTTP
//     listener), talking over real HTTP, sharing a real MariaDB (a fresh
//     database per role), the Kafka-protocol broker (a fresh topic prefix)
//     and the S3 server (a fresh bucket), behind an in-process ingress that
//     routes by path exactly as deploy/nginx does.
//
// Scenarios call Start(t, mode) and use Cluster.URL; they never know which
// mode they run in.
package systest
