#include "workflow/outbox/outbox_dispatcher.h"

#include <cstdio>

namespace ent::workflow {

OutboxDispatcher::~OutboxDispatcher() { Stop(); }

void OutboxDispatcher::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void OutboxDispatcher::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void OutboxDispatcher::Wake() {
  absl::MutexLock lock(&mu_);
  woken_ = true;
}

absl::Duration OutboxDispatcher::Backoff(int attempts) const {
  absl::Duration d = options_.base_backoff;
  for (int i = 1; i < attempts && d < options_.max_backoff; ++i) d *= 2;
  return std::min(d, options_.max_backoff);
}

absl::StatusOr<int> OutboxDispatcher::DeliverOnce() {
  absl::StatusOr<std::vector<OutboxMessage>> batch =
      store_.Deliverable(clock_.Now(), options_.batch);
  if (!batch.ok()) return batch.status();
  std::vector<DeliveryOutcome> outcomes;
  int delivered = 0;
  for (const OutboxMessage& m : *batch) {
    const absl::Status st = sink_.Deliver(m);
    DeliveryOutcome o;
    o.id = m.id;
    o.at = clock_.Now();
    o.delivered = st.ok();
    if (st.ok()) {
      ++delivered;
    } else {
      o.error = st.ToString();
      o.dead = m.attempts + 1 >= options_.max_attempts;
      o.next_attempt = o.at + Backoff(m.attempts + 1);
      if (o.dead) {
        std::fprintf(stderr, "outbox: message %lld (%s, %s) is dead after %d attempts: %s\n",
                     static_cast<long long>(m.id), m.topic.c_str(), m.idempotency_key.c_str(),
                     m.attempts + 1, o.error.c_str());
      }
    }
    outcomes.push_back(std::move(o));
  }
  if (!outcomes.empty()) {
    if (auto st = store_.Record(outcomes); !st.ok()) return st;
  }
  return delivered;
}

void OutboxDispatcher::Loop() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      woken_ = false;
    }
    absl::StatusOr<int> delivered = DeliverOnce();
    absl::Duration wait = options_.max_sleep;
    if (!delivered.ok()) {
      std::fprintf(stderr, "outbox: %s\n", delivered.status().ToString().c_str());
    } else {
      auto next = store_.NextAttempt();
      if (next.ok() && next->has_value()) {
        wait = std::min(wait, std::max(absl::ZeroDuration(), **next - clock_.Now()));
      }
    }
    absl::MutexLock lock(&mu_);
    auto woken_or_stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return woken_ || stopping_;
    };
    if (wait > absl::ZeroDuration()) mu_.AwaitWithTimeout(absl::Condition(&woken_or_stopping), wait);
  }
}

}  // namespace ent::workflow
