// ConventionService's calls for operators: the workflow's timers and the
// outbox that drives billing, listed and retried.
#include "convention-service/grpc/operations_handler.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/grpc/enum_values.h"
#include "common/grpc/handler_support.h"
#include "convention-service/grpc/proto_conversion.h"
#include "common/grpc/pagination.h"

namespace ent::convention {

grpc::ServerUnaryReactor* OperationsHandler::ListOutboxMessages(
    grpc::CallbackServerContext* ctx, const v1::ListOutboxMessagesRequest* req,
    v1::ListOutboxMessagesResponse* resp) {
  ENT_AUTHORIZE_OR_FINISH(caller, Action::kOperate);
  workflow::OutboxState state = workflow::OutboxState::kPending;
  switch (req->state()) {
    case v1::OutboxMessage::STATE_UNSPECIFIED:
    case v1::OutboxMessage::STATE_PENDING: break;
    case v1::OutboxMessage::STATE_DELIVERED: state = workflow::OutboxState::kDelivered; break;
    case v1::OutboxMessage::STATE_DEAD: state = workflow::OutboxState::kDead; break;
    default:
      return FinishNow(ctx, InvalidField("state", UnknownEnumValue(
                                                      req->state(),
                                                      v1::OutboxMessage::State_descriptor())));
  }
  auto page_size = ResolvePageSize(req->page_size());
  if (!page_size.ok()) return FinishNow(ctx, page_size.status());
  auto messages = outbox_.List(state, *page_size);
  if (messages.ok()) {
    for (const auto& m : *messages) ToProto(m, resp->add_messages());
  }
  return FinishNow(ctx, messages.status());
}

grpc::ServerUnaryReactor* OperationsHandler::ListTimers(grpc::CallbackServerContext* ctx,
                                                        const v1::ListTimersRequest* req,
                                                        v1::ListTimersResponse* resp) {
  ENT_AUTHORIZE_OR_FINISH(caller, Action::kOperate);
  if (req->state() != v1::Timer::STATE_UNSPECIFIED && req->state() != v1::Timer::STATE_FAILED) {
    return FinishNow(ctx, InvalidField("state", v1::Timer::State_IsValid(req->state())
                                                    ? "only FAILED timers are listed here (pending "
                                                      "ones are ListDeadlines)"
                                                    : UnknownEnumValue(req->state(),
                                                                       v1::Timer::State_descriptor())));
  }
  auto page_size = ResolvePageSize(req->page_size());
  if (!page_size.ok()) return FinishNow(ctx, page_size.status());
  auto position = DecodePageToken(req->page_token(), "failed-timers");
  if (!position.ok()) return FinishNow(ctx, position.status());
  int64_t after = 0;
  if (!position->empty() && !ParseCanonicalNumber(*position, &after)) {
    return FinishNow(ctx, InvalidField("page_token", "is not a token returned by this method"));
  }
  const int limit = *page_size;
  auto page = timers_.ListFailed(caller, after, limit + 1);
  if (page.ok()) {
    const bool more = TrimPage(*page, limit);
    for (const auto& t : *page) ToProto(t, resp->add_timers());
    if (more) resp->set_next_page_token(EncodePageToken("failed-timers", absl::StrCat(page->back().id)));
  }
  return FinishNow(ctx, page.status());
}

grpc::ServerUnaryReactor* OperationsHandler::RetryTimer(grpc::CallbackServerContext* ctx,
                                                        const v1::RetryTimerRequest* req,
                                                        v1::Timer* resp) {
  ENT_AUTHORIZE_OR_FINISH(caller, Action::kOperate);
  auto id = ParseTimerName(req->name(), "name");
  if (!id.ok()) return FinishNow(ctx, id.status());
  auto* reactor = ctx->DefaultReactor();
  timers_.Retry(caller, req->request_id(), *id,
                [reactor, resp](absl::StatusOr<workflow::TimerRecord> t) {
                  if (t.ok()) ToProto(*t, resp);
                  reactor->Finish(ToGrpcStatus(t.status()));
                });
  return reactor;
}

grpc::ServerUnaryReactor* OperationsHandler::RetryOutboxMessage(
    grpc::CallbackServerContext* ctx, const v1::RetryOutboxMessageRequest* req,
    v1::OutboxMessage* resp) {
  ENT_AUTHORIZE_OR_FINISH(caller, Action::kOperate);
  if (req->id() < 1) return FinishNow(ctx, InvalidField("id", "must be a message id (1 or more)"));
  if (auto st = ValidateRequestId(req->request_id()); !st.ok()) return FinishNow(ctx, st);
  // Deliverable at once: the dispatcher takes it on its next pass (within
  // seconds), then the notices it held back.
  auto* reactor = ctx->DefaultReactor();
  outbox_.Retry(req->id(), absl::InfinitePast(),
                Reply<workflow::OutboxMessage>(
                    reactor, [resp](const workflow::OutboxMessage& m) { ToProto(m, resp); }));
  return reactor;
}

}  // namespace ent::convention
