// gRPC adapter for ent.testing.v1.ClockService, served only by a service
// started on a simulated clock: read the time, move it forward through the
// service's `advance` (convention-service fires every timer due on the way;
// billing-service only sets the clock). Every authenticated caller
// may read the time; only rectorat services and support staff may move it
// (PERMISSION_DENIED otherwise). Thread-safe.
#ifndef ENT_COMMON_GRPC_CLOCK_SERVICE_H_
#define ENT_COMMON_GRPC_CLOCK_SERVICE_H_

#include <deque>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/auth/principal_directory.h"
#include "common/clock.h"
#include "common/grpc/parse_checked.h"
#include "ent/testing/v1/clock_service.grpc.pb.h"
#include <functional>

namespace ent {

class ClockServiceHandler final
    : public ParseChecked<ent::testing::v1::ClockService::CallbackService> {
 public:
  // Moves `clock` to `target` (never backwards) and returns how many timers
  // fired on the way. Blocking; runs on the handler's own thread.
  using Advance = std::function<absl::StatusOr<int>(ManualClock& clock, absl::Time target)>;

  // `persist_path`, when not empty: the file each move records the clock's new
  // instant in (WriteSimulatedInstant), so that a restart resumes from it.
  ClockServiceHandler(ManualClock& clock, Advance advance, const PrincipalDirectory& principals,
                      std::string persist_path = "");
  // Finishes the advances still queued, then stops its thread.
  ~ClockServiceHandler() override;

  grpc::ServerUnaryReactor* GetTime(grpc::CallbackServerContext* ctx,
                                    const ent::testing::v1::GetTimeRequest* req,
                                    ent::testing::v1::GetTimeResponse* resp) override;
  grpc::ServerUnaryReactor* AdvanceClock(grpc::CallbackServerContext* ctx,
                                         const ent::testing::v1::AdvanceClockRequest* req,
                                         ent::testing::v1::GetTimeResponse* resp) override;
  grpc::ServerUnaryReactor* SetTime(grpc::CallbackServerContext* ctx,
                                    const ent::testing::v1::SetTimeRequest* req,
                                    ent::testing::v1::GetTimeResponse* resp) override;

 private:
  // Queues the move to `target` for the handler's thread (firing timers
  // blocks on the database, never on a gRPC thread), which finishes the call.
  grpc::ServerUnaryReactor* MoveTo(grpc::CallbackServerContext* ctx, absl::Time target,
                                   ent::testing::v1::GetTimeResponse* resp);
  void AdvanceLoop();

  struct Move {
    grpc::ServerUnaryReactor* reactor;
    ent::testing::v1::GetTimeResponse* resp;
    absl::Time target;
  };

  ManualClock& clock_;
  const Advance advance_;
  const PrincipalDirectory& principals_;
  const std::string persist_path_;
  absl::Mutex mu_;
  std::deque<Move> moves_ ABSL_GUARDED_BY(mu_);  // in arrival order
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;  // one, for the handler's lifetime
};

}  // namespace ent

#endif  // ENT_COMMON_GRPC_CLOCK_SERVICE_H_
