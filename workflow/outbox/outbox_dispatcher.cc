#include "workflow/outbox/outbox_dispatcher.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/log_sink.h"
#include "common/metrics/metrics.h"
#include "common/resource_names.h"

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

void OutboxDispatcher::LogFailure(const OutboxMessage& m, const DeliveryOutcome& o) {
  // A dead letter is always logged; failed attempts at most 10 a minute (an
  // outage of billing-service fails every message at every backoff).
  int64_t suppressed = 0;
  if (!o.dead && !failure_log_.Allow(&suppressed)) return;
  LogLine line(o.dead ? "error" : "warn", o.dead ? "outbox_dead" : "outbox_attempt_failed");
  line.Add("id", m.id).Add("topic", m.topic).Add("key", QuoteInput(m.key, 100))
      .Add("attempt", m.attempts + 1);
  if (!o.dead) line.Add("retry_in_s", absl::ToInt64Seconds(o.next_attempt - o.at));
  line.Add("error", QuoteInput(o.error, 300));
  if (suppressed > 0) line.Add("suppressed_since_last", suppressed);
  line.Write();
}

absl::StatusOr<int> OutboxDispatcher::DeliverOnce() {
  absl::StatusOr<std::vector<OutboxMessage>> batch =
      store_.Deliverable(clock_.Now(), options_.batch);
  if (!batch.ok()) return batch.status();
  last_batch_size_ = static_cast<int>(batch->size());
  std::vector<DeliveryOutcome> outcomes;
  int delivered = 0;
  // At most one message per key (Deliverable): the batch keeps per-key order.
  const std::vector<absl::Status> statuses =
      batch->empty() ? std::vector<absl::Status>() : sink_.DeliverBatch(*batch);
  for (size_t i = 0; i < batch->size(); ++i) {
    const OutboxMessage& m = (*batch)[i];
    const absl::Status st = i < statuses.size()
                                ? statuses[i]
                                : absl::InternalError("the sink gave no status for this message");
    DeliveryOutcome o;
    o.id = m.id;
    o.lease_epoch = m.lease_epoch;
    o.at = clock_.Now();
    o.delivered = st.ok();
    if (st.ok()) {
      ++delivered;
      Metrics::Instance().NoticeAttempt("delivered");
      LogLine("info", "notice_delivered").Add("id", m.id).Add("topic", m.topic)
          .Add("key", QuoteInput(m.key, 100)).Add("attempt", m.attempts + 1).Write();
    } else {
      o.error = st.ToString();
      o.dead = m.attempts + 1 >= options_.max_attempts;
      o.next_attempt = o.at + Backoff(m.attempts + 1);
      Metrics::Instance().NoticeAttempt(o.dead ? "dead" : "failed");
      LogFailure(m, o);
    }
    outcomes.push_back(std::move(o));
  }
  if (!outcomes.empty()) {
    if (auto st = store_.Record(outcomes); !st.ok()) return st;
  }
  return delivered;
}

void OutboxDispatcher::Loop() {
  absl::Duration idle = options_.idle_min;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      woken_ = false;
    }
    absl::StatusOr<int> delivered = DeliverOnce();
    absl::Duration wait = options_.max_sleep;
    if (delivered.ok() && *delivered >= options_.batch) {
      continue;  // a full batch went through: there may be more at once
    }
    if (!delivered.ok()) {
      LogLine("error", "outbox_failed").Add("error", delivered.status().ToString()).Write();
    } else {
      auto next = store_.NextAttempt();
      if (next.ok() && next->has_value()) {
        absl::Duration until = std::max(absl::ZeroDuration(), **next - clock_.Now());
        if (until == absl::ZeroDuration() && last_batch_size_ == 0) {
          // Due, yet nothing was deliverable here: another instance holds the
          // lease, or the notice waits behind a dead one of its key. Look
          // again later, not at once.
          until = idle;
          idle = std::min(idle * 2, options_.max_sleep);
        } else {
          idle = options_.idle_min;
        }
        wait = std::min(wait, until);
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
