// Package event is Parley's event bus port: the Event envelope, the Bus
// interface every role publishes and subscribes through, and the embedded
// default, the in-process memory bus (mem://).
//
// # Semantics every implementation gives
//
//   - Events are partitioned by a hash of Event.Key. Events with the same
//     key on the same topic are handled in the order they were published,
//     by every consumer.
//   - A consumer group (Subscription.Group != "") shares a topic's
//     partitions among its subscribers, in every process: each event is
//     handled by one member. A group seen for the first time starts from the
//     oldest retained event.
//   - A broadcast subscription (Group == "") sees every event published
//     after Subscribe returned.
//   - Delivery is at-least-once. A handler error is retried with jittered
//     exponential backoff (Backoff) and the partition waits, so a later
//     event of the same key never overtakes a failing one. An error marked
//     with Permanent is logged and the event skipped.
//   - A consumer group whose Subscription sets Batch is handed every
//     event waiting on a partition (at most MaxBatch) in one call, in
//     order; it acknowledges a prefix, and the bus goes on (or retries)
//     from the first event it did not handle. A handler that takes a hot
//     key's backlog in one transaction thus pays one commit per batch.
//
// The contract suite in event/eventtest checks these on every
// implementation.
//
// # Embedded mode: the memory bus
//
// NewMemBus keeps, per topic and partition, an ordered in-memory log.
// An event stays in the log until every consumer group registered on the
// topic has handled it; events of a topic that no group has subscribed to
// yet are kept (a bounded number) so that a group subscribing a moment
// later still replays them. Broadcast subscribers each get their own
// bounded queue and do not hold retention. Close refuses new publishes,
// lets consumer groups drain what was already published (bounded by a
// timeout), and waits for handlers in progress.
//
// What the memory bus cannot do: it serves one process only; and events
// still unhandled when the process dies are lost. Upstream, the
// transactional outbox re-publishes what was never published, but nothing
// re-delivers an event that was published and not yet handled. Deployments
// that need more run with kafka:// (event/kafkabus).
//
// # Distributed mode
//
// event/kafkabus implements Bus on Kafka (or any Kafka-protocol broker)
// with the same semantics, durable across restarts.
package event
