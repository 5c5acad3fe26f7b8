// gRPC adapter for ent.testing.v1.ClockService, served only by a service
// started on a simulated clock: read the time, move it forward (firing every
// timer due on the way through the TimerEngine). Every authenticated caller
// may read the time; only rectorat services and support staff may move it
// (PERMISSION_DENIED otherwise). Thread-safe.
#ifndef ENT_WORKFLOW_CLOCK_SERVICE_H_
#define ENT_WORKFLOW_CLOCK_SERVICE_H_

#include <deque>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/auth/principal_registry.h"
#include "common/clock.h"
#include "common/grpc/parse_checked.h"
#include "ent/testing/v1/clock_service.grpc.pb.h"
#include "workflow/timers/timer_engine.h"

namespace ent::workflow {

class ClockServiceHandler final
    : public ParseChecked<ent::testing::v1::ClockService::CallbackService> {
 public:
  ClockServiceHandler(ManualClock& clock, TimerEngine& engine, const PrincipalRegistry& principals);
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

  struct Advance {
    grpc::ServerUnaryReactor* reactor;
    ent::testing::v1::GetTimeResponse* resp;
    absl::Time target;
  };

  ManualClock& clock_;
  TimerEngine& engine_;
  const PrincipalRegistry& principals_;
  absl::Mutex mu_;
  std::deque<Advance> advances_ ABSL_GUARDED_BY(mu_);  // in arrival order
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;  // one, for the handler's lifetime
};

// Parses --clock: "real" (or empty) or "simulated:<RFC 3339 instant>".
// Returns the simulated start instant, or nullopt for the real clock.
absl::StatusOr<std::optional<absl::Time>> ParseClockFlag(const std::string& value);

// A service's clock from its --clock flag: the real clock, or a ManualClock
// (`simulated` points at it) that only moves through ClockService.
struct ServiceClock {
  std::unique_ptr<Clock> clock;
  ManualClock* simulated = nullptr;
};
absl::StatusOr<ServiceClock> MakeServiceClock(const std::string& flag);

}  // namespace ent::workflow

#endif  // ENT_WORKFLOW_CLOCK_SERVICE_H_
