// Package outbox is the transactional outbox (ARCHITECTURE.md §4): a role
// that changes its database and emits events writes both in one
// transaction, and a relay publishes the events once the transaction has
// committed. There are no dual writes: an event is published if and only
// if its transaction committed.
//
// A role migrates the outbox tables into its own database (Migrate), calls
// Add inside its transactions, and runs one Relay per instance, calling
// Notify after each commit that added events.
//
// # Guarantees
//
//   - Order. The relay publishes events in outbox id order, which is commit
//     order for events of one aggregate: on SQLite writers are serialised;
//     on MySQL, transactions that emit events for the same key conflict on
//     the aggregate's row, provided Add comes after the statement that
//     changes it. After a failed publish the relay backs off and retries
//     from the first unpublished event, so a later event never overtakes
//     an earlier one.
//   - At least once. An event is deleted only after Publish returned nil.
//     A crash (or a lost database connection) between the publish and the
//     delete publishes the event again, with the same event id. Consumers
//     must deduplicate by event id, or be idempotent by natural keys.
//   - One publisher per role. Among all relays on one database with the
//     same Options.Name, in every process, only the holder of the lease
//     (a row in outbox_lease) publishes. The holder renews it every third
//     of LeaseTTL and releases it when Run returns, so another instance
//     takes over within PollInterval; if the holder dies without releasing,
//     another takes over once the lease expires, within LeaseTTL. A publish
//     is abandoned after a third of LeaseTTL, so a holder never publishes
//     on an expired lease, provided the instances' clocks agree to well
//     within the TTL.
//   - Latency. Notify makes the leading relay publish at once; events
//     committed by an instance that does not lead are found by the leader
//     within PollInterval.
//   - Unordered relays (Options.Unordered, for mail): each event is
//     published on its own and fails on its own. A failed event is retried
//     after its own backoff (RetryMin doubling to RetryMax) while the
//     others go on; after MaxAttempts failures, or at once when the
//     publisher says event.Permanent, it moves to outbox_parked (a dead
//     letter an operator can read and replay), is logged and reported to
//     OnPark. No event ever holds up another; order is not kept.
//
// # Modes
//
// Embedded (SQLite): the role's single process leads; Notify after commit
// publishes to the in-process bus immediately. Distributed (MySQL/MariaDB):
// every instance of the role runs a relay on the shared database and one
// of them publishes to Kafka; the others stand by.
package outbox
