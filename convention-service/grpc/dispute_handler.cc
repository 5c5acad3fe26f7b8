// ConventionService's calls on disputes and deadlines (Article 8).
#include "convention-service/grpc/dispute_handler.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/grpc/enum_values.h"
#include "common/grpc/handler_support.h"
#include "convention-service/grpc/proto_conversion.h"
#include "common/grpc/pagination.h"
#include "common/idempotency.h"

namespace ent::convention {

// Parses a dispute name or finishes the call with the error.
#define ENT_PARSE_DISPUTE_OR_FINISH(var, name, field)             \
  auto var##_or = ParseDisputeName(name, field);                 \
  if (!var##_or.ok()) return FinishNow(ctx, var##_or.status());   \
  auto [var##_convention, var##_number] = *var##_or

grpc::ServerUnaryReactor* DisputeHandler::OpenDispute(grpc::CallbackServerContext* ctx,
                                                         const v1::OpenDisputeRequest* req,
                                                         v1::Dispute* resp) {
  ENT_AUTHORIZE_OR_FINISH(caller, Action::kDispute);
  ENT_PARSE_NAME_OR_FINISH(id, req->parent(), "parent");
  FieldViolations v;
  if (!req->has_dispute()) v.Add("dispute", "is required");
  Dispute draft = DisputeDraftFromProto(req->dispute(), "dispute", v);
  if (!v.empty()) return FinishNow(ctx, v.ToStatus());
  auto* reactor = ctx->DefaultReactor();
  disputes_.Open(PreviewableContextOf(*ctx, "OpenDispute", *req, std::move(caller)), std::move(id),
                 std::move(draft), Reply<Dispute>(reactor, resp));
  return reactor;
}

grpc::ServerUnaryReactor* DisputeHandler::GetDispute(grpc::CallbackServerContext* ctx,
                                                        const v1::GetDisputeRequest* req,
                                                        v1::Dispute* resp) {
  ENT_AUTHORIZE_OR_FINISH(caller, Action::kRead);
  ENT_PARSE_DISPUTE_OR_FINISH(d, req->name(), "name");
  return FinishWith(ctx, disputes_.Get(caller, d_convention, d_number), resp);
}

grpc::ServerUnaryReactor* DisputeHandler::ListDisputes(grpc::CallbackServerContext* ctx,
                                                          const v1::ListDisputesRequest* req,
                                                          v1::ListDisputesResponse* resp) {
  ENT_AUTHORIZE_OR_FINISH(caller, Action::kRead);
  DisputeFilter filter;
  if (req->parent() != "conventions/-") {
    ENT_PARSE_NAME_OR_FINISH(id, req->parent(), "parent");
    filter.convention_id = id;
  }
  FieldViolations v;
  if (req->state() != v1::Dispute::STATE_UNSPECIFIED) {
    if (!v1::Dispute::State_IsValid(req->state())) {
      v.Add("state", UnknownEnumValue(req->state(), v1::Dispute::State_descriptor()));
    } else {
      filter.state = static_cast<DisputeState>(req->state());
    }
  }
  filter.deadline_before = DateFromRequest(req->deadline_before(), "deadline_before", v);
  if (!v.empty()) return FinishNow(ctx, v.ToStatus());
  auto page_size = ResolvePageSize(req->page_size());
  if (!page_size.ok()) return FinishNow(ctx, page_size.status());
  const std::string query_key =
      absl::StrCat(req->parent(), "|", req->state(), "|", FormatIsoDate(filter.deadline_before));
  auto position = DecodePageToken(req->page_token(), query_key);
  if (!position.ok()) return FinishNow(ctx, position.status());
  std::pair<std::string, int64_t> after{"", 0};
  if (!position->empty()) {
    const size_t slash = position->rfind('/');
    if (slash == std::string::npos || !absl::SimpleAtoi(position->substr(slash + 1), &after.second)) {
      return FinishNow(ctx, InvalidField("page_token", "is not a token returned by this method"));
    }
    after.first = position->substr(0, slash);
  }
  const int limit = *page_size;
  auto page = disputes_.List(caller, filter, after, limit + 1);
  if (page.ok()) {
    const bool more = TrimPage(*page, limit);
    for (const auto& d : *page) ToProto(d, resp->add_disputes());
    if (more) {
      resp->set_next_page_token(EncodePageToken(
          query_key, absl::StrCat(page->back().convention_id, "/", page->back().number)));
    }
  }
  return FinishNow(ctx, page.status());
}

grpc::ServerUnaryReactor* DisputeHandler::RecordConciliation(
    grpc::CallbackServerContext* ctx, const v1::RecordConciliationRequest* req,
    v1::Dispute* resp) {
  ENT_AUTHORIZE_OR_FINISH(caller, Action::kDispute);
  ENT_PARSE_DISPUTE_OR_FINISH(d, req->name(), "name");
  FieldViolations v;
  if (!req->has_conciliation()) v.Add("conciliation", "is required");
  Conciliation conciliation = ConciliationFromProto(req->conciliation(), "conciliation", v);
  if (!v.empty()) return FinishNow(ctx, v.ToStatus());
  auto* reactor = ctx->DefaultReactor();
  disputes_.RecordConciliation(PreviewableContextOf(*ctx, "RecordConciliation", *req, std::move(caller)),
                               d_convention, d_number, std::move(conciliation), req->etag(),
                               Reply<Dispute>(reactor, resp));
  return reactor;
}

grpc::ServerUnaryReactor* DisputeHandler::SendTerminationNotice(
    grpc::CallbackServerContext* ctx, const v1::SendTerminationNoticeRequest* req,
    v1::Dispute* resp) {
  ENT_AUTHORIZE_OR_FINISH(caller, Action::kDispute);
  ENT_PARSE_DISPUTE_OR_FINISH(d, req->name(), "name");
  FieldViolations v;
  if (!req->has_termination()) v.Add("termination", "is required");
  Termination termination = TerminationFromProto(req->termination(), "termination", v);
  if (!v.empty()) return FinishNow(ctx, v.ToStatus());
  auto* reactor = ctx->DefaultReactor();
  disputes_.SendTerminationNotice(PreviewableContextOf(*ctx, "SendTerminationNotice", *req, std::move(caller)),
                                  d_convention, d_number, std::move(termination), req->etag(),
                                  Reply<Dispute>(reactor, resp));
  return reactor;
}

grpc::ServerUnaryReactor* DisputeHandler::WithdrawDispute(grpc::CallbackServerContext* ctx,
                                                             const v1::WithdrawDisputeRequest* req,
                                                             v1::Dispute* resp) {
  ENT_AUTHORIZE_OR_FINISH(caller, Action::kDispute);
  ENT_PARSE_DISPUTE_OR_FINISH(d, req->name(), "name");
  auto* reactor = ctx->DefaultReactor();
  disputes_.Withdraw(PreviewableContextOf(*ctx, "WithdrawDispute", *req, std::move(caller)), d_convention,
                     d_number, req->reason(), req->etag(), Reply<Dispute>(reactor, resp));
  return reactor;
}

grpc::ServerUnaryReactor* DisputeHandler::CorrectDisputeDate(
    grpc::CallbackServerContext* ctx, const v1::CorrectDisputeDateRequest* req,
    v1::Dispute* resp) {
  ENT_AUTHORIZE_OR_FINISH(caller, Action::kDispute);
  ENT_PARSE_DISPUTE_OR_FINISH(d, req->name(), "name");
  FieldViolations v;
  if (req->field() == v1::DISPUTE_DATE_FIELD_UNSPECIFIED ||
      !v1::DisputeDateField_IsValid(req->field())) {
    v.Add("field",
          "is required: NOTICE_SENT, NOTICE_ACKNOWLEDGED, CONCILIATION_MEETING or TERMINATION_SENT",
          "est obligatoire : la date à corriger");
  }
  const CivilDate date = RequiredDateFromRequest(req->date(), "date", v);
  if (!v.empty()) return FinishNow(ctx, v.ToStatus());
  auto* reactor = ctx->DefaultReactor();
  disputes_.CorrectDate(PreviewableContextOf(*ctx, "CorrectDisputeDate", *req, std::move(caller)), d_convention,
                        d_number, static_cast<DisputeDateField>(req->field()), date, req->reason(),
                        req->etag(), Reply<Dispute>(reactor, resp));
  return reactor;
}

grpc::ServerUnaryReactor* DisputeHandler::ListDeadlines(grpc::CallbackServerContext* ctx,
                                                           const v1::ListDeadlinesRequest* req,
                                                           v1::ListDeadlinesResponse* resp) {
  ENT_AUTHORIZE_OR_FINISH(caller, Action::kRead);
  auto page_size = ResolvePageSize(req->page_size());
  if (!page_size.ok()) return FinishNow(ctx, page_size.status());
  auto filter = CommuneFilter(req->commune_insee_code());
  if (!filter.ok()) return FinishNow(ctx, filter.status());
  const std::string& insee = *filter;
  // A token is valid only with the filter it was made for.
  const std::string token_kind = insee.empty() ? "deadlines" : absl::StrCat("deadlines/", insee);
  auto position = DecodePageToken(req->page_token(), token_kind);
  if (!position.ok()) return FinishNow(ctx, position.status());
  std::pair<absl::Time, int64_t> after{absl::InfinitePast(), 0};
  if (!position->empty()) {
    int64_t due_us = 0;
    const size_t sep = position->find(':');
    if (sep == std::string::npos || !absl::SimpleAtoi(position->substr(0, sep), &due_us) ||
        !absl::SimpleAtoi(position->substr(sep + 1), &after.second)) {
      return FinishNow(ctx, InvalidField("page_token", "is not a token returned by this method"));
    }
    after.first = absl::FromUnixMicros(due_us);
  }
  const int limit = *page_size;
  auto page = disputes_.ListDeadlines(caller, after, limit + 1, insee);
  if (page.ok()) {
    const bool more = TrimPage(*page, limit);
    for (const auto& t : *page) ToProto(t, resp->add_deadlines());
    if (more && !page->empty()) {
      resp->set_next_page_token(EncodePageToken(
          token_kind,
          absl::StrCat(absl::ToUnixMicros(page->back().spec.due), ":", page->back().id)));
    }
  }
  return FinishNow(ctx, page.status());
}

}  // namespace ent::convention
