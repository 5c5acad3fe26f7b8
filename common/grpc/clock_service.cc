#include "common/grpc/clock_service.h"

#include <cstdio>

#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "absl/strings/str_cat.h"
#include "common/field_violations.h"
#include "common/grpc/call_auth.h"
#include "common/grpc/status_conversion.h"
#include "common/log_sink.h"
#include "common/proto_time.h"

namespace ent {
namespace {

namespace tv1 = ::ent::testing::v1;

void SetNow(absl::Time t, tv1::GetTimeResponse* resp) { TimeToProto(t, resp->mutable_now()); }

grpc::ServerUnaryReactor* Finish(grpc::CallbackServerContext* ctx, const absl::Status& status) {
  auto* reactor = ctx->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

// Moving a simulated clock fires deadlines: rectorat services and support
// staff only (DESIGN §3.6). Reading it is open to every authenticated caller.
absl::Status AuthorizeMove(const grpc::ServerContextBase& ctx, const PrincipalDirectory& principals) {
  absl::StatusOr<Principal> caller = AuthenticateCall(ctx, principals);
  if (!caller.ok()) return caller.status();
  if (caller->role == Role::kRectoratService || caller->role == Role::kSupportStaff) {
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(absl::StrCat(
      "principal '", caller->name, "' (", RoleName(caller->role),
      ") may not move the simulated clock: rectorat services and support staff only"));
}

}  // namespace

ClockServiceHandler::ClockServiceHandler(ManualClock& clock, Advance advance,
                                         const PrincipalDirectory& principals,
                                         std::string persist_path)
    : clock_(clock),
      advance_(std::move(advance)),
      principals_(principals),
      persist_path_(std::move(persist_path)) {
  const std::string kService = tv1::ClockService::service_full_name();
  CheckParsing(kService, "GetTime", this, &ClockServiceHandler::GetTime);
  CheckParsing(kService, "AdvanceClock", this, &ClockServiceHandler::AdvanceClock);
  CheckParsing(kService, "SetTime", this, &ClockServiceHandler::SetTime);
  VerifyAllParseChecked(kService);
  thread_ = std::thread([this] { AdvanceLoop(); });
}

grpc::ServerUnaryReactor* ClockServiceHandler::GetTime(grpc::CallbackServerContext* ctx,
                                                       const tv1::GetTimeRequest*,
                                                       tv1::GetTimeResponse* resp) {
  if (auto caller = AuthenticateCall(*ctx, principals_); !caller.ok()) {
    return Finish(ctx, caller.status());
  }
  SetNow(clock_.Now(), resp);
  return Finish(ctx, absl::OkStatus());
}

grpc::ServerUnaryReactor* ClockServiceHandler::AdvanceClock(grpc::CallbackServerContext* ctx,
                                                            const tv1::AdvanceClockRequest* req,
                                                            tv1::GetTimeResponse* resp) {
  if (auto st = AuthorizeMove(*ctx, principals_); !st.ok()) return Finish(ctx, st);
  const absl::Duration d = absl::Seconds(req->duration().seconds()) +
                           absl::Nanoseconds(req->duration().nanos());
  if (d <= absl::ZeroDuration() || d > absl::Hours(24 * 366 * 10)) {
    return Finish(ctx, absl::InvalidArgumentError(
                           "duration: must be positive and at most 10 years"));
  }
  return MoveTo(ctx, clock_.Now() + d, resp);
}

grpc::ServerUnaryReactor* ClockServiceHandler::SetTime(grpc::CallbackServerContext* ctx,
                                                       const tv1::SetTimeRequest* req,
                                                       tv1::GetTimeResponse* resp) {
  if (auto st = AuthorizeMove(*ctx, principals_); !st.ok()) return Finish(ctx, st);
  const absl::Time target = TimeFromProto(req->time());
  if (target < clock_.Now()) {
    return Finish(ctx, FailedPreconditionOn("time", absl::StrCat(
                           "must not be before the current time ",
                           absl::FormatTime(absl::RFC3339_sec, clock_.Now(), absl::UTCTimeZone()),
                           " (time never goes backwards)"), "TIME"));
  }
  return MoveTo(ctx, target, resp);
}

grpc::ServerUnaryReactor* ClockServiceHandler::MoveTo(grpc::CallbackServerContext* ctx,
                                                      absl::Time target,
                                                      tv1::GetTimeResponse* resp) {
  auto* reactor = ctx->DefaultReactor();
  absl::MutexLock lock(&mu_);
  moves_.push_back({reactor, resp, target});
  return reactor;
}

void ClockServiceHandler::AdvanceLoop() {
  while (true) {
    Move next;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](ClockServiceHandler* h) ABSL_EXCLUSIVE_LOCKS_REQUIRED(h->mu_) {
            return h->stopping_ || !h->moves_.empty();
          },
          this));
      if (moves_.empty()) return;  // stopping, nothing left
      next = moves_.front();
      moves_.pop_front();
    }
    // (A target an earlier queued move already passed leaves the clock as is.)
    absl::StatusOr<int> fired = advance_(clock_, next.target);
    if (fired.ok()) {
      SetNow(clock_.Now(), next.resp);
      next.resp->set_timers_fired(*fired);
      if (!persist_path_.empty()) {
        // Best effort: a restart that misses it starts from --clock's instant.
        if (auto st = WriteSimulatedInstant(persist_path_, clock_.Now()); !st.ok()) {
          LogLine("warn", "simulated_clock_not_saved").Add("error", std::string(st.message())).Write();
        }
      }
    }
    next.reactor->Finish(ToGrpcStatus(fired.status()));
  }
}

ClockServiceHandler::~ClockServiceHandler() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
}

}  // namespace ent
