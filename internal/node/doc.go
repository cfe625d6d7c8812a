// Package node is Parley's composition root. It holds the role table (the
// seed's nine services plus the web client, each with what it needs) and
// open.go, the single switch from URL scheme to adapter.
//
// A Node is one process: it runs the roles of PARLEY_ROLES ("all" by
// default, which is every implemented role), opens the adapters they need
// once each (a bus, a blob store, one SQL store per role database), and
// serves their routes behind the shared HTTP middleware together with
// /healthz and /readyz (ready or not). The admin listener (metrics_addr,
// off by default) serves /metrics and a /readyz that names every adapter
// check and its error; neither is on the public port.
//
// Nothing outside this package knows whether it runs in embedded mode
// (sqlite://, mem://, file://, …) or split mode (mysql://, kafka://, s3://,
// …): only the URLs in the configuration differ.
package node
