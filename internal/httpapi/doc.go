// Package httpapi is the HTTP plumbing every role shares: the JSON error
// model of API.md (one function maps error kinds to status codes), generic
// encode/decode with size limits, request ids, structured access logs,
// panic recovery that answers 500 without leaking, body-size limits,
// Prometheus metrics and the /healthz, /readyz and /metrics endpoints.
//
// It behaves the same in embedded and split mode: a process builds one
// handler chain around the routes of the roles it runs.
package httpapi
