// ConventionService handlers for the documents people print, sign and send
// (the convention, a dispute's Article 8 letters) and the deadlines'
// calendar: the same access rules as the data they show.
#include "convention-service/grpc/document_handler.h"

#include "absl/strings/str_cat.h"
#include "common/grpc/enum_values.h"
#include "common/identifiers.h"
#include "convention-service/documents/convention_documents.h"
#include "common/grpc/handler_support.h"
#include "convention-service/grpc/proto_conversion.h"

namespace ent::convention {

grpc::ServerUnaryReactor* DocumentHandler::GetConventionDocument(
    grpc::CallbackServerContext* ctx, const v1::GetConventionDocumentRequest* req,
    ent::document::v1::Document* resp) {
  ENT_AUTHORIZE_OR_FINISH(caller, Action::kRead);
  ENT_PARSE_NAME_OR_FINISH(id, req->name(), "name");
  absl::StatusOr<Convention> c = conventions_.Get(caller, id);
  if (!c.ok()) return FinishNow(ctx, c.status());
  v1::Convention convention;
  ToProto(*c, conventions_.reference(), &convention);
  // Its whole history, for the amendments.
  std::vector<v1::ConventionEvent> history;
  int64_t after = 0;
  constexpr int kPage = 1000;
  for (;;) {
    absl::StatusOr<std::vector<EventRecord>> page = conventions_.ListEvents(caller, id, after, kPage);
    if (!page.ok()) return FinishNow(ctx, page.status());
    for (const EventRecord& e : *page) ToProto(e, &history.emplace_back());
    if (static_cast<int>(page->size()) < kPage) break;
    after = page->back().sequence;
  }
  const Academie* academie = conventions_.reference().academie;
  const int64_t per_school = academie != nullptr ? academie->participation_per_school_cents : 5000;
  return FinishWithMessage(ctx, RenderConventionDocument(convention, history, per_school), resp);
}

grpc::ServerUnaryReactor* DocumentHandler::GetDisputeLetter(
    grpc::CallbackServerContext* ctx, const v1::GetDisputeLetterRequest* req,
    ent::document::v1::Document* resp) {
  ENT_AUTHORIZE_OR_FINISH(caller, Action::kRead);
  auto name = ParseDisputeName(req->name(), "name");
  if (!name.ok()) return FinishNow(ctx, name.status());
  if (req->kind() == v1::DISPUTE_LETTER_KIND_UNSPECIFIED ||
      !v1::DisputeLetterKind_IsValid(req->kind())) {
    return FinishNow(ctx, InvalidField("kind", req->kind() == v1::DISPUTE_LETTER_KIND_UNSPECIFIED
                                                   ? "is required (NOTICE, TERMINATION or "
                                                     "CONCILIATION_RECORD)"
                                                   : UnknownEnumValue(req->kind(),
                                                                      v1::DisputeLetterKind_descriptor())));
  }
  const auto& [convention_id, number] = *name;
  absl::StatusOr<Dispute> d = disputes_.Get(caller, convention_id, number);
  if (!d.ok()) return FinishNow(ctx, d.status());
  absl::StatusOr<Convention> c = conventions_.Get(caller, convention_id);
  if (!c.ok()) return FinishNow(ctx, c.status());
  v1::Convention convention;
  ToProto(*c, conventions_.reference(), &convention);
  v1::Dispute dispute;
  ToProto(*d, &dispute);
  return FinishWithMessage(
      ctx, RenderDisputeLetter(convention, dispute, req->kind(), disputes_.calendar()), resp);
}

grpc::ServerUnaryReactor* DocumentHandler::ExportDeadlineCalendar(
    grpc::CallbackServerContext* ctx, const v1::ExportDeadlineCalendarRequest* req,
    ent::document::v1::Document* resp) {
  ENT_AUTHORIZE_OR_FINISH(caller, Action::kRead);
  auto filter = CommuneFilter(req->commune_insee_code());
  if (!filter.ok()) return FinishNow(ctx, filter.status());
  const std::string& insee = *filter;
  auto deadlines = disputes_.AllDeadlines(caller, insee);
  if (!deadlines.ok()) return FinishNow(ctx, deadlines.status());
  std::vector<v1::PendingDeadline> pending;
  for (const workflow::TimerRecord& t : *deadlines) ToProto(t, &pending.emplace_back());
  const std::string scope = !insee.empty() ? absl::StrCat("commune ", insee)
                            : caller.role == Role::kCommunePortal
                                ? absl::StrCat("communes de ", caller.name)
                                : "toutes les communes";
  return FinishWithMessage<ent::document::v1::Document>(
      ctx, DeadlineCalendar(pending, disputes_.Now(), scope), resp);
}

}  // namespace ent::convention
