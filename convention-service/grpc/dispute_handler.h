// ConventionService's calls on disputes (Article 8: open, conciliation,
// termination letter, withdrawal, date corrections) and the pending
// deadlines, for ConventionHandler. Thread-safe.
#ifndef ENT_CONVENTION_GRPC_DISPUTE_HANDLER_H_
#define ENT_CONVENTION_GRPC_DISPUTE_HANDLER_H_

#include <grpcpp/grpcpp.h>

#include "convention-service/service/dispute_commands.h"
#include "convention-service/grpc/call_authorizer.h"
#include "ent/convention/v1/convention_service.grpc.pb.h"

namespace ent::convention {

class DisputeHandler final : public CallAuthorizer {
 public:
  // Both outlive the handler.
  DisputeHandler(DisputeCommands& disputes, const PrincipalDirectory& principals)
      : CallAuthorizer(principals), disputes_(disputes) {}

  grpc::ServerUnaryReactor* OpenDispute(grpc::CallbackServerContext* ctx,
                                        const v1::OpenDisputeRequest* req,
                                        v1::Dispute* resp);
  grpc::ServerUnaryReactor* GetDispute(grpc::CallbackServerContext* ctx,
                                       const v1::GetDisputeRequest* req,
                                       v1::Dispute* resp);
  grpc::ServerUnaryReactor* ListDisputes(grpc::CallbackServerContext* ctx,
                                         const v1::ListDisputesRequest* req,
                                         v1::ListDisputesResponse* resp);
  grpc::ServerUnaryReactor* RecordConciliation(grpc::CallbackServerContext* ctx,
                                               const v1::RecordConciliationRequest* req,
                                               v1::Dispute* resp);
  grpc::ServerUnaryReactor* SendTerminationNotice(grpc::CallbackServerContext* ctx,
                                                  const v1::SendTerminationNoticeRequest* req,
                                                  v1::Dispute* resp);
  grpc::ServerUnaryReactor* WithdrawDispute(grpc::CallbackServerContext* ctx,
                                            const v1::WithdrawDisputeRequest* req,
                                            v1::Dispute* resp);
  grpc::ServerUnaryReactor* CorrectDisputeDate(grpc::CallbackServerContext* ctx,
                                               const v1::CorrectDisputeDateRequest* req,
                                               v1::Dispute* resp);
  grpc::ServerUnaryReactor* ListDeadlines(grpc::CallbackServerContext* ctx,
                                          const v1::ListDeadlinesRequest* req,
                                          v1::ListDeadlinesResponse* resp);

 private:
  DisputeCommands& disputes_;
};

}  // namespace ent::convention

#endif  // ENT_CONVENTION_GRPC_DISPUTE_HANDLER_H_
