#include "convention-service/grpc/event_watch_reactor.h"

#include "common/grpc/status_conversion.h"
#include "convention-service/grpc/proto_conversion.h"

namespace ent::convention {

EventWatchReactor::EventWatchReactor(ConventionCommands& conventions, StreamGuard& guard,
                                     EventFilter filter, int64_t after_sequence,
                                     absl::Status invalid, CallCredentials credentials,
                                     Principal caller, bool only_new)
    : conventions_(conventions), guard_(guard), filter_(std::move(filter)), cursor_(after_sequence) {
  // With only_new there is no history to read: what the hub hands over from
  // its subscription on is the stream (set before subscribing, so nothing
  // committed in between is missed).
  live_ = only_new;
  // Lock order is hub → reactor and guard → reactor (both call in under
  // their lock), so register before taking our own lock.
  if (invalid.ok()) {
    conventions_.hub().Subscribe(this);
    guard_.Add(this, std::move(credentials), std::move(caller));
  }
  absl::MutexLock lock(&mu_);
  if (!invalid.ok()) {
    FinishOnce(ToGrpcStatus(invalid));
    return;
  }
  Pump();
}

void EventWatchReactor::FinishOnce(const grpc::Status& status) {
  if (finished_) return;
  finished_ = true;
  Finish(status);
}

void EventWatchReactor::Pump() {
  if (finished_ || writing_ || reading_) return;
  if (!buffer_.empty()) {
    writing_event_ = std::move(buffer_.front());
    buffer_.pop_front();
    writing_ = true;
    StartWrite(&writing_event_);
    return;
  }
  if (live_) return;  // the hub hands over what commits next
  reading_ = true;
  conventions_.ReadEventsAfter(filter_, cursor_, kBatch,
                            [this](absl::StatusOr<std::vector<EventRecord>> events) {
                              OnRead(std::move(events));
                            });
}

void EventWatchReactor::Take(const EventRecord& e) {
  ToProto(e, &buffer_.emplace_back());
  cursor_ = e.sequence;
}

void EventWatchReactor::OnRead(absl::StatusOr<std::vector<EventRecord>> events) {
  bool delete_now = false;
  {
    absl::MutexLock lock(&mu_);
    reading_ = false;
    if (done_) {
      delete_now = true;
    } else if (!events.ok()) {
      FinishOnce(ToGrpcStatus(events.status()));
    } else {
      for (const auto& e : *events) Take(e);
      // A short read has everything up to its snapshot; what committed after
      // it was handed over since the read started, and is in pending_.
      live_ = static_cast<int>(events->size()) < kBatch && !overflow_;
      if (live_) {
        for (const EventRecord& e : pending_) {
          if (e.sequence > cursor_) Take(e);
        }
      }
      pending_.clear();
      overflow_ = false;
      Pump();
    }
  }
  if (delete_now) delete this;
}

void EventWatchReactor::OnEvents(const std::vector<const EventRecord*>& events) {
  absl::MutexLock lock(&mu_);
  if (finished_) return;
  for (const EventRecord* e : events) {
    if (e->sequence <= cursor_ || !Matches(filter_, e->event)) continue;
    if (reading_) {
      if (overflow_) break;
      if (pending_.size() >= kMaxBuffered) {
        overflow_ = true;
        pending_.clear();
        break;
      }
      pending_.push_back(*e);
    } else if (live_) {
      if (buffer_.size() >= kMaxBuffered) {
        live_ = false;  // read from the store again once the client has drained the buffer
        break;
      }
      Take(*e);
    }
    // Otherwise a read follows once the buffer is sent, and will see it.
  }
  Pump();
}

void EventWatchReactor::OnWriteDone(bool ok) {
  absl::MutexLock lock(&mu_);
  writing_ = false;
  if (!ok) {
    FinishOnce(grpc::Status(grpc::StatusCode::UNAVAILABLE, "stream closed"));
    return;
  }
  Pump();
}

void EventWatchReactor::OnCancel() {
  absl::MutexLock lock(&mu_);
  FinishOnce(grpc::Status::CANCELLED);
}

void EventWatchReactor::End(const grpc::Status& status) {
  absl::MutexLock lock(&mu_);
  FinishOnce(status);
}

void EventWatchReactor::OnDone() {
  conventions_.hub().Unsubscribe(this);
  guard_.Remove(this);
  bool delete_now = false;
  {
    absl::MutexLock lock(&mu_);
    done_ = true;
    delete_now = !reading_;
  }
  if (delete_now) delete this;
}

}  // namespace ent::convention
