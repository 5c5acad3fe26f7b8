#include "convention-service/grpc/convention_handler.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/grpc/call_auth.h"
#include "common/grpc/enum_values.h"
#include "common/grpc/pagination.h"
#include "common/grpc/request_fingerprint.h"
#include "common/grpc/status_conversion.h"
#include "convention-service/grpc/event_watch_reactor.h"
#include "common/grpc/handler_support.h"
#include "convention-service/grpc/proto_conversion.h"

namespace ent::convention {

ConventionHandler::ConventionHandler(ConventionCommands& conventions, DisputeCommands& disputes,
                                     TimerDispatcher& timers, workflow::OutboxStore& outbox,
                                     const PrincipalDirectory& principals,
                                     absl::Duration max_stream_lifetime)
    : CallAuthorizer(principals),
      conventions_(conventions),
      streams_(principals, max_stream_lifetime),
      dispute_calls_(disputes, principals),
      documents_(conventions, disputes, principals),
      operations_(timers, outbox, principals) {
  const std::string kService = v1::ConventionService::service_full_name();
  CheckParsing(kService, "CreateConvention", this, &ConventionHandler::CreateConvention);
  CheckParsing(kService, "GetConvention", this, &ConventionHandler::GetConvention);
  CheckParsing(kService, "GetConventionDocument", this, &ConventionHandler::GetConventionDocument);
  CheckParsing(kService, "GetDisputeLetter", this, &ConventionHandler::GetDisputeLetter);
  CheckParsing(kService, "ExportDeadlineCalendar", this, &ConventionHandler::ExportDeadlineCalendar);
  CheckParsing(kService, "ListConventions", this, &ConventionHandler::ListConventions);
  CheckParsing(kService, "UpdateConvention", this, &ConventionHandler::UpdateConvention);
  CheckParsing(kService, "CancelConvention", this, &ConventionHandler::CancelConvention);
  CheckParsing(kService, "SignConvention", this, &ConventionHandler::SignConvention);
  CheckParsing(kService, "RecordDeliberation", this, &ConventionHandler::RecordDeliberation);
  CheckParsing(kService, "AddSchool", this, &ConventionHandler::AddSchool);
  CheckParsing(kService, "RemoveSchool", this, &ConventionHandler::RemoveSchool);
  CheckParsing(kService, "RenewConvention", this, &ConventionHandler::RenewConvention);
  CheckParsing(kService, "ListConventionEvents", this, &ConventionHandler::ListConventionEvents);
  CheckParsing(kService, "WatchConventionEvents", this, &ConventionHandler::WatchConventionEvents);
  CheckParsing(kService, "OpenDispute", this, &ConventionHandler::OpenDispute);
  CheckParsing(kService, "GetDispute", this, &ConventionHandler::GetDispute);
  CheckParsing(kService, "ListDisputes", this, &ConventionHandler::ListDisputes);
  CheckParsing(kService, "RecordConciliation", this, &ConventionHandler::RecordConciliation);
  CheckParsing(kService, "SendTerminationNotice", this, &ConventionHandler::SendTerminationNotice);
  CheckParsing(kService, "WithdrawDispute", this, &ConventionHandler::WithdrawDispute);
  CheckParsing(kService, "CorrectDisputeDate", this, &ConventionHandler::CorrectDisputeDate);
  CheckParsing(kService, "ListDeadlines", this, &ConventionHandler::ListDeadlines);
  CheckParsing(kService, "ListOutboxMessages", this, &ConventionHandler::ListOutboxMessages);
  CheckParsing(kService, "ListTimers", this, &ConventionHandler::ListTimers);
  CheckParsing(kService, "RetryTimer", this, &ConventionHandler::RetryTimer);
  CheckParsing(kService, "RetryOutboxMessage", this, &ConventionHandler::RetryOutboxMessage);
  VerifyAllParseChecked(kService);
}

std::function<void(absl::StatusOr<Convention>)> ConventionHandler::ConventionReply(
    grpc::ServerUnaryReactor* reactor, v1::Convention* resp) const {
  return Reply<Convention>(reactor, [this, resp](const Convention& c) {
    ToProto(c, conventions_.reference(), resp);
  });
}

grpc::ServerUnaryReactor* ConventionHandler::CreateConvention(
    grpc::CallbackServerContext* ctx, const v1::CreateConventionRequest* req,
    v1::Convention* resp) {
  ENT_AUTHORIZE_OR_FINISH(caller, Action::kManageDraft);
  FieldViolations v;
  if (!req->has_convention()) v.Add("convention", "is required");
  Convention draft = TermsFromProto(req->convention(), "convention", v);
  if (!v.empty()) return FinishNow(ctx, v.ToStatus());
  auto* reactor = ctx->DefaultReactor();
  conventions_.Create(ContextOf(*ctx, "CreateConvention", *req, std::move(caller)), std::move(draft),
                   req->convention_id(), ConventionReply(reactor, resp));
  return reactor;
}

grpc::ServerUnaryReactor* ConventionHandler::GetConvention(grpc::CallbackServerContext* ctx,
                                                           const v1::GetConventionRequest* req,
                                                           v1::Convention* resp) {
  ENT_AUTHORIZE_OR_FINISH(caller, Action::kRead);
  ENT_PARSE_NAME_OR_FINISH(id, req->name(), "name");
  absl::StatusOr<Convention> c = conventions_.Get(caller, id);
  if (c.ok()) ToProto(*c, conventions_.reference(), resp);
  return FinishNow(ctx, c.status());
}

grpc::ServerUnaryReactor* ConventionHandler::ListConventions(
    grpc::CallbackServerContext* ctx, const v1::ListConventionsRequest* req,
    v1::ListConventionsResponse* resp) {
  ENT_AUTHORIZE_OR_FINISH(caller, Action::kRead);
  FieldViolations v;
  ListFilter filter;
  if (!req->commune_insee_code().empty()) {
    auto insee = NormalizeInseeCode(req->commune_insee_code());
    v.AddIfError("commune_insee_code", insee.status());
    if (insee.ok()) filter.commune_insee = *insee;
  }
  if (req->state() != v1::Convention::STATE_UNSPECIFIED) {
    filter.state = StateFromProto(req->state());
    if (!filter.state) {
      v.Add("state", UnknownEnumValue(req->state(), v1::Convention::State_descriptor()));
    }
  }
  if (!req->school_year().empty()) {
    auto year = SchoolYear::Parse(req->school_year());
    v.AddIfError("school_year", year.status());
    if (year.ok()) filter.school_year = *year;
  }
  auto page_size = ResolvePageSize(req->page_size());
  if (!page_size.ok()) return FinishNow(ctx, page_size.status());
  if (!v.empty()) return FinishNow(ctx, v.ToStatus());
  const std::string query_key = absl::StrCat(filter.commune_insee, "|", req->state(), "|",
                                             req->school_year(), req->with_warnings() ? "|w" : "");
  auto after = DecodePageToken(req->page_token(), query_key);
  if (!after.ok()) return FinishNow(ctx, after.status());

  const int limit = *page_size;
  absl::StatusOr<std::vector<Convention>> page = conventions_.List(caller, filter, *after, limit + 1);
  if (page.ok()) {
    const bool more = TrimPage(*page, limit);
    for (const auto& c : *page) {
      v1::Convention out;
      ToProto(c, conventions_.reference(), &out);
      // Warnings are computed, not stored: filtered here, page by page.
      if (req->with_warnings() && out.warnings().empty()) continue;
      *resp->add_conventions() = std::move(out);
    }
    if (more) resp->set_next_page_token(EncodePageToken(query_key, page->back().id));
  }
  return FinishNow(ctx, page.status());
}

grpc::ServerUnaryReactor* ConventionHandler::UpdateConvention(
    grpc::CallbackServerContext* ctx, const v1::UpdateConventionRequest* req,
    v1::Convention* resp) {
  ENT_AUTHORIZE_OR_FINISH(caller, Action::kManageDraft);
  ENT_PARSE_NAME_OR_FINISH(id, req->convention().name(), "convention.name");
  FieldViolations v;
  // Parse everything, then keep what the mask names: violations count only
  // for masked fields.
  FieldViolations all;
  Convention parsed = TermsFromProto(req->convention(), "convention", all);
  std::vector<std::string> paths(req->update_mask().paths().begin(),
                                 req->update_mask().paths().end());
  for (const auto& [field, description] : all.violations()) {
    for (const auto& path : paths) {
      if (field.rfind("convention." + path, 0) == 0) v.Add(field, description);
    }
  }
  if (!v.empty()) return FinishNow(ctx, v.ToStatus());
  parsed.id = id;
  auto* reactor = ctx->DefaultReactor();
  conventions_.Update(ContextOf(*ctx, "UpdateConvention", *req, std::move(caller)), std::move(parsed),
                   std::move(paths),
                   req->convention().etag(), ConventionReply(reactor, resp));
  return reactor;
}

grpc::ServerUnaryReactor* ConventionHandler::CancelConvention(
    grpc::CallbackServerContext* ctx, const v1::CancelConventionRequest* req,
    v1::Convention* resp) {
  ENT_AUTHORIZE_OR_FINISH(caller, Action::kManageDraft);
  ENT_PARSE_NAME_OR_FINISH(id, req->name(), "name");
  auto* reactor = ctx->DefaultReactor();
  conventions_.Cancel(ContextOf(*ctx, "CancelConvention", *req, std::move(caller)), std::move(id), req->etag(), req->reason(),
                   ConventionReply(reactor, resp));
  return reactor;
}

grpc::ServerUnaryReactor* ConventionHandler::SignConvention(grpc::CallbackServerContext* ctx,
                                                            const v1::SignConventionRequest* req,
                                                            v1::Convention* resp) {
  ENT_AUTHORIZE_OR_FINISH(caller, req->signature().party() == v1::PARTY_ROLE_ACADEMIE
                                      ? Action::kSignForAcademie
                                      : Action::kSignForCommune);
  ENT_PARSE_NAME_OR_FINISH(id, req->name(), "name");
  FieldViolations v;
  if (!req->has_signature()) v.Add("signature", "is required");
  Signature signature = SignatureFromProto(req->signature(), "signature", v);
  if (!v.empty()) return FinishNow(ctx, v.ToStatus());
  auto* reactor = ctx->DefaultReactor();
  conventions_.Sign(ContextOf(*ctx, "SignConvention", *req, std::move(caller)), std::move(id),
                 std::move(signature),
                 req->etag(), ConventionReply(reactor, resp));
  return reactor;
}

grpc::ServerUnaryReactor* ConventionHandler::RecordDeliberation(
    grpc::CallbackServerContext* ctx, const v1::RecordDeliberationRequest* req,
    v1::Convention* resp) {
  ENT_AUTHORIZE_OR_FINISH(caller, Action::kRecordDeliberation);
  ENT_PARSE_NAME_OR_FINISH(id, req->name(), "name");
  FieldViolations v;
  if (!req->has_deliberation()) v.Add("deliberation", "is required");
  Deliberation d = DeliberationFromProto(req->deliberation(), "deliberation", v);
  if (!v.empty()) return FinishNow(ctx, v.ToStatus());
  auto* reactor = ctx->DefaultReactor();
  conventions_.RecordDeliberation(ContextOf(*ctx, "RecordDeliberation", *req, std::move(caller)),
                               std::move(id), std::move(d),
                               req->etag(), ConventionReply(reactor, resp));
  return reactor;
}

grpc::ServerUnaryReactor* ConventionHandler::AddSchool(grpc::CallbackServerContext* ctx,
                                                       const v1::AddSchoolRequest* req,
                                                       v1::Convention* resp) {
  ENT_AUTHORIZE_OR_FINISH(caller, Action::kManageDraft);
  ENT_PARSE_NAME_OR_FINISH(id, req->convention(), "convention");
  FieldViolations v;
  if (!req->has_school()) v.Add("school", "is required");
  School school = SchoolFromProto(req->school(), "school", v);
  auto date = DateFromRequest(req->amendment_date(), "amendment_date", v);
  if (!v.empty()) return FinishNow(ctx, v.ToStatus());
  auto* reactor = ctx->DefaultReactor();
  conventions_.AddSchool(ContextOf(*ctx, "AddSchool", *req, std::move(caller)), std::move(id),
                      std::move(school), date,
                      req->etag(), ConventionReply(reactor, resp));
  return reactor;
}

grpc::ServerUnaryReactor* ConventionHandler::RemoveSchool(grpc::CallbackServerContext* ctx,
                                                          const v1::RemoveSchoolRequest* req,
                                                          v1::Convention* resp) {
  ENT_AUTHORIZE_OR_FINISH(caller, Action::kManageDraft);
  ENT_PARSE_NAME_OR_FINISH(id, req->convention(), "convention");
  FieldViolations v;
  auto date = DateFromRequest(req->amendment_date(), "amendment_date", v);
  if (!v.empty()) return FinishNow(ctx, v.ToStatus());
  auto* reactor = ctx->DefaultReactor();
  conventions_.RemoveSchool(ContextOf(*ctx, "RemoveSchool", *req, std::move(caller)), std::move(id),
                         req->uai(), date,
                         req->etag(), ConventionReply(reactor, resp));
  return reactor;
}

grpc::ServerUnaryReactor* ConventionHandler::RenewConvention(
    grpc::CallbackServerContext* ctx, const v1::RenewConventionRequest* req,
    v1::Convention* resp) {
  ENT_AUTHORIZE_OR_FINISH(caller, Action::kManageDraft);
  ENT_PARSE_NAME_OR_FINISH(id, req->name(), "name");
  FieldViolations v;
  auto end_date = DateFromRequest(req->end_date(), "end_date", v);
  if (!v.empty()) return FinishNow(ctx, v.ToStatus());
  auto* reactor = ctx->DefaultReactor();
  conventions_.Renew(ContextOf(*ctx, "RenewConvention", *req, std::move(caller)), std::move(id), end_date,
                  req->convention_id(), ConventionReply(reactor, resp));
  return reactor;
}

grpc::ServerUnaryReactor* ConventionHandler::ListConventionEvents(
    grpc::CallbackServerContext* ctx, const v1::ListConventionEventsRequest* req,
    v1::ListConventionEventsResponse* resp) {
  ENT_AUTHORIZE_OR_FINISH(caller, Action::kRead);
  ENT_PARSE_NAME_OR_FINISH(id, req->parent(), "parent");
  auto page_size = ResolvePageSize(req->page_size());
  if (!page_size.ok()) return FinishNow(ctx, page_size.status());
  auto after = DecodePageToken(req->page_token(), id);
  if (!after.ok()) return FinishNow(ctx, after.status());
  int64_t after_sequence = 0;
  if (!after->empty() && !absl::SimpleAtoi(*after, &after_sequence)) {
    return FinishNow(ctx, InvalidField("page_token", "is not a token returned by this method"));
  }
  const int limit = *page_size;
  absl::StatusOr<std::vector<EventRecord>> page = conventions_.ListEvents(caller, id, after_sequence, limit + 1);
  if (page.ok()) {
    const bool more = TrimPage(*page, limit);
    for (const auto& e : *page) ToProto(e, resp->add_events());
    if (more) resp->set_next_page_token(EncodePageToken(id, absl::StrCat(page->back().sequence)));
  }
  return FinishNow(ctx, page.status());
}

grpc::ServerWriteReactor<v1::ConventionEvent>* ConventionHandler::WatchConventionEvents(
    grpc::CallbackServerContext* ctx, const v1::WatchConventionEventsRequest* req) {
  Principal watcher;
  absl::StatusOr<EventFilter> filter = [&]() -> absl::StatusOr<EventFilter> {
    absl::StatusOr<Principal> caller = Authorize(*ctx, Action::kRead);
    if (!caller.ok()) return caller.status();
    watcher = *caller;
    if (req->after_sequence() < 0) {
      return InvalidField("after_sequence", "must not be negative");
    }
    if (req->only_new() && req->after_sequence() != 0) {
      return InvalidField("after_sequence", "must be 0 with only_new (no replay)");
    }
    std::string id;
    if (!req->convention().empty()) {
      auto parsed = ParseConventionName(req->convention(), "convention");
      if (!parsed.ok()) return parsed.status();
      id = *parsed;
    }
    return conventions_.WatchFilter(*caller, id);
  }();
  if (!filter.ok()) return new EventWatchReactor(conventions_, streams_, {}, 0, filter.status());
  return new EventWatchReactor(conventions_, streams_, std::move(*filter), req->after_sequence(),
                               absl::OkStatus(), CredentialsOf(*ctx).value_or(CallCredentials{}),
                               std::move(watcher), req->only_new());
}

}  // namespace ent::convention
