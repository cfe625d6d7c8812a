// Package kafkabus is the event bus on Kafka (kafka://), for deployments
// where roles run as separate processes, many instances each. It speaks
// the Kafka protocol through franz-go, so it also runs on Redpanda and on
// franz-go's kfake (cmd/parley-devbroker).
//
// Mapping of the event.Bus port:
//
//   - A topic T is the Kafka topic "<prefix>T" (prefix "parley." by
//     default), created on first use with Config.Partitions partitions.
//     Records are keyed by Event.Key (Kafka's murmur2 partitioning) and
//     carry the JSON envelope as their value.
//   - Publish is a synchronous produce with acks=all.
//   - A consumer group G on topic T is the Kafka consumer group
//     "<prefix>T/G". Each Subscribe call is one group member with its own
//     client; a partition's records are handled in order by a goroutine
//     per partition, one at a time, or with Subscription.Batch every
//     record waiting (at most event.MaxBatch) in one call. Offsets are committed only after the
//     handler succeeded or the event was skipped (auto-commit is off), in
//     small batches and whenever the partition goes idle. When partitions
//     are revoked in a rebalance, the handler in progress finishes, what
//     was handled is committed, and the partition's remaining work stops
//     before it moves. A new group starts at the earliest offset.
//   - A broadcast subscription uses no group: Subscribe lists every
//     partition's end offset and consumes from exactly there.
//   - Failing handlers are retried with event.Backoff; the partition
//     waits (its fetching pauses when much is queued). Permanent errors
//     and records that are not an envelope are logged and skipped.
//
// Delivery is at-least-once: after a crash, a lost session or a failed
// commit, events since the last commit are handled again.
//
// Limits: no TLS or SASL yet; partitions added to a topic after a
// broadcast subscription started are not followed by it.
package kafkabus
