// Server-streaming reactor for WatchConventionEvents: sends the recorded
// events after a sequence number, read from the store in batches until a read
// comes back short (caught up); from then on it sends the events the EventHub
// hands over as they commit, without reading them again. It is subscribed
// before its first read, and every event committed after a read's snapshot is
// handed over after that read started, so nothing is missed: what the hub
// hands over during a read is kept and sent after it (those the read already
// saw are skipped by sequence). A client slower than the history (more than
// kMaxBuffered events waiting) goes back to reading from the store once it
// has drained what is buffered. Runs until the client cancels, the server
// shuts down, or the StreamGuard ends it (credentials revoked or changed,
// lifetime reached). Deletes itself once gRPC is done with it and no read is
// in flight.
#ifndef ENT_CONVENTION_GRPC_EVENT_WATCH_REACTOR_H_
#define ENT_CONVENTION_GRPC_EVENT_WATCH_REACTOR_H_

#include <deque>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/grpc/stream_guard.h"
#include "convention-service/service/convention_commands.h"
#include "ent/convention/v1/convention.pb.h"

namespace ent::convention {

class EventWatchReactor final : public grpc::ServerWriteReactor<v1::ConventionEvent>,
                                public EventListener,
                                public GuardedStream {
 public:
  // A non-OK `invalid` finishes the call at once with that status. Otherwise
  // the stream is registered with `guard` for `caller` (and its
  // credentials), which may end it. With `only_new`, the stream holds only
  // what commits after it starts (no history read).
  EventWatchReactor(ConventionCommands& conventions, StreamGuard& guard, EventFilter filter,
                    int64_t after_sequence, absl::Status invalid, CallCredentials credentials = {},
                    Principal caller = {}, bool only_new = false);
  void End(const grpc::Status& status) override;

  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;
  void OnEvents(const std::vector<const EventRecord*>& events) override;
  std::string FollowedConvention() const override { return filter_.convention_id; }

 private:
  static constexpr int kBatch = 256;
  static constexpr size_t kMaxBuffered = 1024;
  // Writes the next buffered event, reads more when the buffer is empty and
  // the stream is not live, or waits.
  void Pump() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void OnRead(absl::StatusOr<std::vector<EventRecord>> events);
  // Buffers `e` for sending; it is the next event after cursor_.
  void Take(const EventRecord& e) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void FinishOnce(const grpc::Status& status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  ConventionCommands& conventions_;
  StreamGuard& guard_;
  const EventFilter filter_;

  absl::Mutex mu_;
  int64_t cursor_ ABSL_GUARDED_BY(mu_);  // the last event buffered or sent
  std::deque<v1::ConventionEvent> buffer_ ABSL_GUARDED_BY(mu_);
  v1::ConventionEvent writing_event_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool reading_ ABSL_GUARDED_BY(mu_) = false;
  // Caught up with the store: new events come from the hub.
  bool live_ ABSL_GUARDED_BY(mu_) = false;
  // Handed over by the hub while a read was in flight; `overflow_` when there
  // were too many to keep (the stream then reads again).
  std::vector<EventRecord> pending_ ABSL_GUARDED_BY(mu_);
  bool overflow_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace ent::convention

#endif  // ENT_CONVENTION_GRPC_EVENT_WATCH_REACTOR_H_
