// gRPC adapter for ent.convention.v1.ConventionService: authenticates the
// caller, converts requests to domain commands, calls ConventionCommands,
// converts results back. No business rules here. The service's calls on
// conventions and their history are here; those on disputes, documents and
// operations are in their own classes (dispute_handler.h, document_handler.h,
// operations_handler.h), to which this one forwards. Thread-safe.
#ifndef ENT_CONVENTION_GRPC_CONVENTION_HANDLER_H_
#define ENT_CONVENTION_GRPC_CONVENTION_HANDLER_H_

#include "common/auth/principal_directory.h"
#include "convention-service/grpc/call_authorizer.h"
#include "convention-service/grpc/dispute_handler.h"
#include "convention-service/grpc/document_handler.h"
#include "convention-service/grpc/operations_handler.h"
#include "common/grpc/parse_checked.h"
#include "common/grpc/stream_guard.h"
#include "convention-service/service/convention_commands.h"
#include "convention-service/service/dispute_commands.h"
#include "convention-service/service/timer_dispatcher.h"
#include "ent/convention/v1/convention_service.grpc.pb.h"

namespace ent::convention {

class ConventionHandler final : public ParseChecked<v1::ConventionService::CallbackService>,
                                private CallAuthorizer {
 public:
  // Event streams last at most `max_stream_lifetime` (then UNAVAILABLE: the
  // client reconnects and resumes).
  ConventionHandler(ConventionCommands& conventions, DisputeCommands& disputes,
                    TimerDispatcher& timers, workflow::OutboxStore& outbox,
                    const PrincipalDirectory& principals, absl::Duration max_stream_lifetime);

  // After the principals were reloaded: ends the event streams of principals
  // that were revoked or changed (UNAUTHENTICATED).
  void PrincipalsReloaded() { streams_.PrincipalsReloaded(); }

  grpc::ServerUnaryReactor* CreateConvention(grpc::CallbackServerContext* ctx,
                                             const v1::CreateConventionRequest* req,
                                             v1::Convention* resp) override;
  grpc::ServerUnaryReactor* GetConvention(grpc::CallbackServerContext* ctx,
                                          const v1::GetConventionRequest* req,
                                          v1::Convention* resp) override;
  grpc::ServerUnaryReactor* GetConventionDocument(grpc::CallbackServerContext* ctx,
                                                  const v1::GetConventionDocumentRequest* req,
                                                  ent::document::v1::Document* resp) override {
    return documents_.GetConventionDocument(ctx, req, resp);
  }
  grpc::ServerUnaryReactor* GetDisputeLetter(grpc::CallbackServerContext* ctx,
                                             const v1::GetDisputeLetterRequest* req,
                                             ent::document::v1::Document* resp) override {
    return documents_.GetDisputeLetter(ctx, req, resp);
  }
  grpc::ServerUnaryReactor* ExportDeadlineCalendar(grpc::CallbackServerContext* ctx,
                                                   const v1::ExportDeadlineCalendarRequest* req,
                                                   ent::document::v1::Document* resp) override {
    return documents_.ExportDeadlineCalendar(ctx, req, resp);
  }
  grpc::ServerUnaryReactor* ListConventions(grpc::CallbackServerContext* ctx,
                                            const v1::ListConventionsRequest* req,
                                            v1::ListConventionsResponse* resp) override;
  grpc::ServerUnaryReactor* UpdateConvention(grpc::CallbackServerContext* ctx,
                                             const v1::UpdateConventionRequest* req,
                                             v1::Convention* resp) override;
  grpc::ServerUnaryReactor* CancelConvention(grpc::CallbackServerContext* ctx,
                                             const v1::CancelConventionRequest* req,
                                             v1::Convention* resp) override;
  grpc::ServerUnaryReactor* SignConvention(grpc::CallbackServerContext* ctx,
                                           const v1::SignConventionRequest* req,
                                           v1::Convention* resp) override;
  grpc::ServerUnaryReactor* RecordDeliberation(grpc::CallbackServerContext* ctx,
                                               const v1::RecordDeliberationRequest* req,
                                               v1::Convention* resp) override;
  grpc::ServerUnaryReactor* AddSchool(grpc::CallbackServerContext* ctx,
                                      const v1::AddSchoolRequest* req,
                                      v1::Convention* resp) override;
  grpc::ServerUnaryReactor* RemoveSchool(grpc::CallbackServerContext* ctx,
                                         const v1::RemoveSchoolRequest* req,
                                         v1::Convention* resp) override;
  grpc::ServerUnaryReactor* RenewConvention(grpc::CallbackServerContext* ctx,
                                            const v1::RenewConventionRequest* req,
                                            v1::Convention* resp) override;
  grpc::ServerUnaryReactor* ListConventionEvents(grpc::CallbackServerContext* ctx,
                                                 const v1::ListConventionEventsRequest* req,
                                                 v1::ListConventionEventsResponse* resp) override;
  grpc::ServerWriteReactor<v1::ConventionEvent>* WatchConventionEvents(
      grpc::CallbackServerContext* ctx, const v1::WatchConventionEventsRequest* req) override;

  // Disputes and deadlines (DisputeHandler), operations (OperationsHandler).
  grpc::ServerUnaryReactor* OpenDispute(grpc::CallbackServerContext* ctx,
                                        const v1::OpenDisputeRequest* req,
                                        v1::Dispute* resp) override {
    return dispute_calls_.OpenDispute(ctx, req, resp);
  }
  grpc::ServerUnaryReactor* GetDispute(grpc::CallbackServerContext* ctx,
                                       const v1::GetDisputeRequest* req,
                                       v1::Dispute* resp) override {
    return dispute_calls_.GetDispute(ctx, req, resp);
  }
  grpc::ServerUnaryReactor* ListDisputes(grpc::CallbackServerContext* ctx,
                                         const v1::ListDisputesRequest* req,
                                         v1::ListDisputesResponse* resp) override {
    return dispute_calls_.ListDisputes(ctx, req, resp);
  }
  grpc::ServerUnaryReactor* RecordConciliation(grpc::CallbackServerContext* ctx,
                                               const v1::RecordConciliationRequest* req,
                                               v1::Dispute* resp) override {
    return dispute_calls_.RecordConciliation(ctx, req, resp);
  }
  grpc::ServerUnaryReactor* SendTerminationNotice(grpc::CallbackServerContext* ctx,
                                                  const v1::SendTerminationNoticeRequest* req,
                                                  v1::Dispute* resp) override {
    return dispute_calls_.SendTerminationNotice(ctx, req, resp);
  }
  grpc::ServerUnaryReactor* WithdrawDispute(grpc::CallbackServerContext* ctx,
                                            const v1::WithdrawDisputeRequest* req,
                                            v1::Dispute* resp) override {
    return dispute_calls_.WithdrawDispute(ctx, req, resp);
  }
  grpc::ServerUnaryReactor* CorrectDisputeDate(grpc::CallbackServerContext* ctx,
                                               const v1::CorrectDisputeDateRequest* req,
                                               v1::Dispute* resp) override {
    return dispute_calls_.CorrectDisputeDate(ctx, req, resp);
  }
  grpc::ServerUnaryReactor* ListDeadlines(grpc::CallbackServerContext* ctx,
                                          const v1::ListDeadlinesRequest* req,
                                          v1::ListDeadlinesResponse* resp) override {
    return dispute_calls_.ListDeadlines(ctx, req, resp);
  }
  grpc::ServerUnaryReactor* ListOutboxMessages(grpc::CallbackServerContext* ctx,
                                               const v1::ListOutboxMessagesRequest* req,
                                               v1::ListOutboxMessagesResponse* resp) override {
    return operations_.ListOutboxMessages(ctx, req, resp);
  }
  grpc::ServerUnaryReactor* ListTimers(grpc::CallbackServerContext* ctx,
                                       const v1::ListTimersRequest* req,
                                       v1::ListTimersResponse* resp) override {
    return operations_.ListTimers(ctx, req, resp);
  }
  grpc::ServerUnaryReactor* RetryTimer(grpc::CallbackServerContext* ctx,
                                       const v1::RetryTimerRequest* req, v1::Timer* resp) override {
    return operations_.RetryTimer(ctx, req, resp);
  }
  grpc::ServerUnaryReactor* RetryOutboxMessage(grpc::CallbackServerContext* ctx,
                                               const v1::RetryOutboxMessageRequest* req,
                                               v1::OutboxMessage* resp) override {
    return operations_.RetryOutboxMessage(ctx, req, resp);
  }

 private:
  // Completion answering a convention, with its warnings.
  std::function<void(absl::StatusOr<Convention>)> ConventionReply(grpc::ServerUnaryReactor* reactor,
                                                                  v1::Convention* resp) const;

  ConventionCommands& conventions_;
  StreamGuard streams_;
  DisputeHandler dispute_calls_;
  DocumentHandler documents_;
  OperationsHandler operations_;
};

}  // namespace ent::convention

#endif  // ENT_CONVENTION_GRPC_CONVENTION_HANDLER_H_
