// The transactional outbox: messages for other services (billing-service)
// are written in the same transaction as the change that causes them, then
// delivered by the OutboxDispatcher, in order per key, with retries,
// exponential backoff and an idempotency key the receiver deduplicates on.
// A message that keeps failing is parked as dead, visible, never dropped; it
// holds back the later messages of its key, so order is never broken.
#ifndef ENT_WORKFLOW_OUTBOX_OUTBOX_H_
#define ENT_WORKFLOW_OUTBOX_OUTBOX_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace ent::workflow {

enum class OutboxState { kPending = 0, kDelivered = 1, kDead = 2 };

struct OutboxMessage {
  int64_t id = 0;
  std::string topic;            // e.g. "convention.activated"
  std::string key;              // ordering key, e.g. the convention's name
  std::string idempotency_key;  // unique; the receiver ignores repeats
  // What it carries: a protobuf message, serialized, and its full type name
  // (as the records at rest are: "ent.billing.v1.ConventionNotice"). A row
  // queued by release fbf17cd has no type and its payload is that release's
  // JSON, which the receiver still reads.
  std::string payload_type;
  std::string payload;
  absl::Time created;
  int attempts = 0;
  absl::Time next_attempt;
  std::string last_error;
  OutboxState state = OutboxState::kPending;
  // Set by List for an undelivered message: the dead message of the same key
  // that holds it back (per-key order), or 0.
  int64_t blocked_by = 0;
  // The epoch of the dispatch lease under which Deliverable returned it
  // (several instances: see PostgresOutboxStore); 0 with one process.
  int64_t lease_epoch = 0;
};

// Inside a host write transaction.
class OutboxWriter {
 public:
  virtual ~OutboxWriter() = default;
  // Enqueues a message created at `now` (the host's clock, perhaps
  // simulated); it is deliverable at once, whatever the dispatcher's clock.
  // A second message with the same idempotency key is ignored. The message's
  // id is the store's (not returned, so that a backend over the network can
  // send the insert with the transaction's next statement). `payload` is a
  // serialized protobuf message of type `payload_type` (its full name).
  virtual absl::Status Enqueue(const std::string& topic, const std::string& key,
                               const std::string& idempotency_key, const std::string& payload_type,
                               const std::string& payload, absl::Time now) = 0;
};

// What happened to one delivery attempt.
struct DeliveryOutcome {
  int64_t id = 0;
  bool delivered = false;
  absl::Time at;            // when the attempt finished
  // When not delivered:
  std::string error;
  absl::Time next_attempt;  // when to try again
  bool dead = false;        // give up: park the message
  int64_t lease_epoch = 0;  // the message's, as Deliverable returned it
};

// The dispatcher's view of the outbox storage. Thread-safe; every method but
// Retry blocks (the dispatcher's thread, or short reads).
class OutboxStore {
 public:
  virtual ~OutboxStore() = default;
  // Messages to try now: for each key whose oldest undelivered message is
  // pending (not dead), that message if its next attempt is due; by id, at
  // most `limit`.
  virtual absl::StatusOr<std::vector<OutboxMessage>> Deliverable(absl::Time now, int limit) = 0;
  // Records delivery attempts, on messages still pending only (a message
  // delivered or parked meanwhile keeps its state). Where a lease fences the
  // dispatchers, FAILED_PRECONDITION and nothing written when the outcomes'
  // lease epoch is no longer the current one (a deposed dispatcher's late
  // write).
  virtual absl::Status Record(const std::vector<DeliveryOutcome>& outcomes) = 0;
  virtual absl::StatusOr<std::optional<absl::Time>> NextAttempt() = 0;
  // For operators: messages in `state`, oldest first, each with the dead
  // message that blocks it, if any.
  virtual absl::StatusOr<std::vector<OutboxMessage>> List(OutboxState state, int limit) = 0;
  // For operators: the dead message `id` is delivered again from `at` with a
  // fresh count of attempts (and the messages it held back after it).
  // NOT_FOUND if unknown; a pending one is returned as it is (a retry of the
  // request); FAILED_PRECONDITION if it was delivered. Does not block:
  // `done` runs once the change is durable (on a store thread).
  virtual void Retry(int64_t id, absl::Time at,
                     std::function<void(absl::StatusOr<OutboxMessage>)> done) = 0;
};

// Where messages go (e.g. a gRPC client of billing-service). Deliver must be
// safe to repeat with the same idempotency key.
class OutboxSink {
 public:
  virtual ~OutboxSink() = default;
  virtual absl::Status Deliver(const OutboxMessage& message) = 0;
  // Several messages, of distinct keys, at once (one round trip, one write
  // on the other side): one status per message, in order. By default, one
  // Deliver after the other.
  virtual std::vector<absl::Status> DeliverBatch(const std::vector<OutboxMessage>& messages) {
    std::vector<absl::Status> out;
    for (const OutboxMessage& m : messages) out.push_back(Deliver(m));
    return out;
  }
};

}  // namespace ent::workflow

#endif  // ENT_WORKFLOW_OUTBOX_OUTBOX_H_
