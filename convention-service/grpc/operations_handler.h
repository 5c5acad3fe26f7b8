// ConventionService's calls for operators, for ConventionHandler: the
// workflow's timers and the outbox to billing-service, listed (a parked
// timer, a dead notice) and retried. Thread-safe.
#ifndef ENT_CONVENTION_GRPC_OPERATIONS_HANDLER_H_
#define ENT_CONVENTION_GRPC_OPERATIONS_HANDLER_H_

#include <grpcpp/grpcpp.h>

#include "convention-service/service/timer_dispatcher.h"
#include "workflow/outbox/outbox.h"
#include "convention-service/grpc/call_authorizer.h"
#include "ent/convention/v1/convention_service.grpc.pb.h"

namespace ent::convention {

class OperationsHandler final : public CallAuthorizer {
 public:
  // All outlive the handler.
  OperationsHandler(TimerDispatcher& timers, workflow::OutboxStore& outbox,
                    const PrincipalDirectory& principals)
      : CallAuthorizer(principals), timers_(timers), outbox_(outbox) {}

  grpc::ServerUnaryReactor* ListOutboxMessages(grpc::CallbackServerContext* ctx,
                                               const v1::ListOutboxMessagesRequest* req,
                                               v1::ListOutboxMessagesResponse* resp);
  grpc::ServerUnaryReactor* ListTimers(grpc::CallbackServerContext* ctx,
                                       const v1::ListTimersRequest* req,
                                       v1::ListTimersResponse* resp);
  grpc::ServerUnaryReactor* RetryTimer(grpc::CallbackServerContext* ctx,
                                       const v1::RetryTimerRequest* req, v1::Timer* resp);
  grpc::ServerUnaryReactor* RetryOutboxMessage(grpc::CallbackServerContext* ctx,
                                               const v1::RetryOutboxMessageRequest* req,
                                               v1::OutboxMessage* resp);

 private:
  TimerDispatcher& timers_;
  workflow::OutboxStore& outbox_;
};

}  // namespace ent::convention

#endif  // ENT_CONVENTION_GRPC_OPERATIONS_HANDLER_H_
