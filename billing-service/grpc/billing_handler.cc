#include "billing-service/grpc/billing_handler.h"

#include "absl/container/flat_hash_map.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "billing-service/documents/titre_document.h"
#include "common/field_violations.h"
#include "common/grpc/call_auth.h"
#include "common/grpc/enum_values.h"
#include "common/grpc/handler_support.h"
#include "common/grpc/pagination.h"
#include "common/grpc/request_fingerprint.h"
#include "common/grpc/status_conversion.h"
#include "common/resource_names.h"
#include "billing-service/grpc/billing_conversion.h"
#include "common/proto_time.h"

namespace ent::billing {
namespace {

absl::StatusOr<SchoolYear> YearOf(const std::string& text, const std::string& field) {
  auto year = SchoolYear::Parse(text);
  if (!year.ok()) return InvalidField(field, std::string(year.status().message()));
  return *year;
}

// A titre known by its number only (to name its payments and corrections).
Titre Numbered(std::pair<int, int64_t> number) {
  Titre t;
  t.year = number.first;
  t.sequence = number.second;
  return t;
}

#define ENT_AUTHENTICATE_OR_FINISH(caller)                           \
  auto caller##_or = AuthenticateCall(*ctx, principals());           \
  if (!caller##_or.ok()) return FinishNow(ctx, caller##_or.status()); \
  Principal caller = std::move(*caller##_or)

}  // namespace

BillingHandler::BillingHandler(Ledger& ledger, const PrincipalDirectory& principals)
    : ledger_(ledger), principals_(principals) {
  const std::string kService = v1::BillingService::service_full_name();
  CheckParsing(kService, "SetTariff", this, &BillingHandler::SetTariff);
  CheckParsing(kService, "GetTariff", this, &BillingHandler::GetTariff);
  CheckParsing(kService, "IssueTitre", this, &BillingHandler::IssueTitre);
  CheckParsing(kService, "GetTitre", this, &BillingHandler::GetTitre);
  CheckParsing(kService, "GetTitreDocument", this, &BillingHandler::GetTitreDocument);
  CheckParsing(kService, "ListTitres", this, &BillingHandler::ListTitres);
  CheckParsing(kService, "RunBillingCampaign", this, &BillingHandler::RunBillingCampaign);
  CheckParsing(kService, "RecordPayment", this, &BillingHandler::RecordPayment);
  CheckParsing(kService, "CreateCorrection", this, &BillingHandler::CreateCorrection);
  CheckParsing(kService, "GetStatement", this, &BillingHandler::GetStatement);
  CheckParsing(kService, "CheckNumbering", this, &BillingHandler::CheckNumbering);
  CheckParsing(kService, "NotifyConventionChange", this, &BillingHandler::NotifyConventionChange);
  CheckParsing(kService, "NotifyConventionChanges", this, &BillingHandler::NotifyConventionChanges);
  VerifyAllParseChecked(kService);
}

grpc::ServerUnaryReactor* BillingHandler::SetTariff(grpc::CallbackServerContext* ctx,
                                                    const v1::SetTariffRequest* req,
                                                    v1::Tariff* resp) {
  ENT_AUTHENTICATE_OR_FINISH(caller);
  ENT_VALUE_OR_FINISH(year, YearOf(req->tariff().school_year(), "tariff.school_year"));
  Tariff t;
  t.school_year = year;
  t.unit_price_cents = req->tariff().unit_price_cents();
  t.legal_basis = req->tariff().legal_basis();
  t.vat_treatment = req->tariff().vat_treatment();
  auto* reactor = ctx->DefaultReactor();
  ledger_.SetTariff(ContextOf(*ctx, "SetTariff", *req, std::move(caller)), std::move(t),
                    Reply<Tariff>(reactor, [resp](const Tariff& t) { ToProto(t, resp); }));
  return reactor;
}

grpc::ServerUnaryReactor* BillingHandler::GetTariff(grpc::CallbackServerContext* ctx,
                                                    const v1::GetTariffRequest* req,
                                                    v1::Tariff* resp) {
  ENT_AUTHENTICATE_OR_FINISH(caller);
  if (auto st = CheckNameLength(req->name(), "name"); !st.ok()) return FinishNow(ctx, st);
  absl::string_view rest = req->name();
  if (!absl::ConsumePrefix(&rest, "tariffs/")) {
    return FinishNow(ctx, InvalidField("name", absl::StrCat("must be tariffs/{YYYY-YYYY}, got ",
                                                            QuoteInput(req->name()))));
  }
  ENT_VALUE_OR_FINISH(year, YearOf(std::string(rest), "name"));
  auto t = ledger_.GetTariff(caller, year);
  if (t.ok()) ToProto(*t, resp);
  return FinishNow(ctx, t.status());
}

grpc::ServerUnaryReactor* BillingHandler::IssueTitre(grpc::CallbackServerContext* ctx,
                                                     const v1::IssueTitreRequest* req,
                                                     v1::Titre* resp) {
  ENT_AUTHENTICATE_OR_FINISH(caller);
  ENT_VALUE_OR_FINISH(year, YearOf(req->school_year(), "school_year"));
  ENT_VALUE_OR_FINISH(convention_id, ParseConventionName(req->convention(), "convention"));
  auto* reactor = ctx->DefaultReactor();
  ledger_.IssueTitre(ContextOf(*ctx, "IssueTitre", *req, std::move(caller)),
                     absl::StrCat("conventions/", convention_id), year,
                     Reply<TitreAccount>(reactor, [resp](const TitreAccount& a) { ToProto(a, resp); }));
  return reactor;
}

grpc::ServerUnaryReactor* BillingHandler::GetTitre(grpc::CallbackServerContext* ctx,
                                                   const v1::GetTitreRequest* req,
                                                   v1::Titre* resp) {
  ENT_AUTHENTICATE_OR_FINISH(caller);
  ENT_VALUE_OR_FINISH(number, ParseTitreName(req->name(), "name"));
  auto a = ledger_.GetTitre(caller, number.first, number.second);
  if (a.ok()) ToProto(*a, resp);
  return FinishNow(ctx, a.status());
}

grpc::ServerUnaryReactor* BillingHandler::GetTitreDocument(
    grpc::CallbackServerContext* ctx, const v1::GetTitreDocumentRequest* req,
    ent::document::v1::Document* resp) {
  ENT_AUTHENTICATE_OR_FINISH(caller);
  ENT_VALUE_OR_FINISH(number, ParseTitreName(req->name(), "name"));
  auto a = ledger_.GetTitre(caller, number.first, number.second);
  if (!a.ok()) return FinishNow(ctx, a.status());
  v1::StatementEntry entry;
  ToProto(*a, &entry);
  return FinishWithMessage(ctx, RenderTitreDocument(entry), resp);
}

grpc::ServerUnaryReactor* BillingHandler::ListTitres(grpc::CallbackServerContext* ctx,
                                                     const v1::ListTitresRequest* req,
                                                     v1::ListTitresResponse* resp) {
  ENT_AUTHENTICATE_OR_FINISH(caller);
  TitreFilter filter;
  FieldViolations v;
  if (!req->commune_insee_code().empty()) {
    auto insee = NormalizeInseeCode(req->commune_insee_code());
    v.AddIfError("commune_insee_code", insee.status());
    if (insee.ok()) filter.commune_insee = *insee;
  }
  if (!req->school_year().empty()) {
    auto year = SchoolYear::Parse(req->school_year());
    v.AddIfError("school_year", year.status());
    if (year.ok()) filter.school_year = *year;
  }
  if (req->state() != v1::Titre::STATE_UNSPECIFIED && !v1::Titre::State_IsValid(req->state())) {
    v.Add("state", UnknownEnumValue(req->state(), v1::Titre::State_descriptor()));
  }
  if (!v.empty()) return FinishNow(ctx, v.ToStatus());
  ENT_VALUE_OR_FINISH(page_size, ResolvePageSize(req->page_size()));
  const std::string query_key =
      absl::StrCat(filter.commune_insee, "|", req->school_year(), "|", req->state());
  ENT_VALUE_OR_FINISH(position, DecodePageToken(req->page_token(), query_key));
  std::pair<int, int64_t> after{0, 0};
  if (!position.empty()) {
    auto number = ParseTitreNumber(position);
    if (!number) return FinishNow(ctx, InvalidField("page_token", "is not a token returned by this method"));
    after = *number;
  }
  if (req->state() != v1::Titre::STATE_UNSPECIFIED) {
    filter.state = static_cast<TitreState>(req->state());  // the numbers match
  }
  auto page = ledger_.ListTitres(caller, filter, after, page_size + 1);
  if (!page.ok()) return FinishNow(ctx, page.status());
  const bool more = TrimPage(*page, page_size);
  for (const TitreAccount& a : *page) ToProto(a, resp->add_titres());
  if (more) resp->set_next_page_token(EncodePageToken(query_key, page->back().titre.Number()));
  return FinishNow(ctx, absl::OkStatus());
}

grpc::ServerUnaryReactor* BillingHandler::RunBillingCampaign(
    grpc::CallbackServerContext* ctx, const v1::RunBillingCampaignRequest* req,
    v1::RunBillingCampaignResponse* resp) {
  ENT_AUTHENTICATE_OR_FINISH(caller);
  ENT_VALUE_OR_FINISH(year, YearOf(req->school_year(), "school_year"));
  if (req->max_listed() < 0 || req->max_listed() > 1000) {
    return FinishNow(ctx, InvalidField("max_listed", "must be between 0 (the default, 100) and 1000"));
  }
  const int max_listed = req->max_listed() == 0 ? 100 : req->max_listed();
  auto* reactor = ctx->DefaultReactor();
  ledger_.RunCampaign(ContextOf(*ctx, "RunBillingCampaign", *req, std::move(caller)), year, max_listed,
                      Reply<CampaignResult>(reactor, [resp](const CampaignResult& r) {
                        for (const auto& name : r.issued) resp->add_issued(name);
                        for (const auto& [convention, reason] : r.skipped) {
                          auto* s = resp->add_skipped();
                          s->set_convention(convention);
                          s->set_reason(reason);
                        }
                        resp->set_issued_total_cents(r.issued_total_cents);
                        resp->set_issued_count(r.issued_count);
                        resp->set_skipped_count(r.skipped_count);
                      }));
  return reactor;
}

grpc::ServerUnaryReactor* BillingHandler::RecordPayment(grpc::CallbackServerContext* ctx,
                                                        const v1::RecordPaymentRequest* req,
                                                        v1::Payment* resp) {
  ENT_AUTHENTICATE_OR_FINISH(caller);
  ENT_VALUE_OR_FINISH(number, ParseTitreName(req->titre(), "titre"));
  FieldViolations v;
  Payment p;
  p.amount_cents = req->payment().amount_cents();
  p.received_date = RequiredDateFromRequest(req->payment().received_date(), "payment.received_date", v);
  p.reference = req->payment().reference();
  if (!v.empty()) return FinishNow(ctx, v.ToStatus());
  auto* reactor = ctx->DefaultReactor();
  ledger_.RecordPayment(ContextOf(*ctx, "RecordPayment", *req, std::move(caller)), number.first,
                        number.second, std::move(p),
                        Reply<Payment>(reactor, [resp, number](const Payment& p) {
                          ToProto(Numbered(number), p, resp);
                        }));
  return reactor;
}

grpc::ServerUnaryReactor* BillingHandler::CreateCorrection(grpc::CallbackServerContext* ctx,
                                                           const v1::CreateCorrectionRequest* req,
                                                           v1::Correction* resp) {
  ENT_AUTHENTICATE_OR_FINISH(caller);
  ENT_VALUE_OR_FINISH(number, ParseTitreName(req->titre(), "titre"));
  Correction c;
  if (req->correction().kind() == v1::Correction::KIND_REDUCTION) {
    c.kind = CorrectionKind::kReduction;
  } else if (req->correction().kind() == v1::Correction::KIND_ANNULATION) {
    c.kind = CorrectionKind::kAnnulation;
  } else {
    return FinishNow(ctx, InvalidField("correction.kind", "is required: REDUCTION or ANNULATION",
                                       "est obligatoire : réduction ou annulation"));
  }
  c.amount_cents = req->correction().amount_cents();
  c.reason = req->correction().reason();
  c.justification = req->correction().justification();
  auto* reactor = ctx->DefaultReactor();
  ledger_.CreateCorrection(ContextOf(*ctx, "CreateCorrection", *req, std::move(caller)), number.first,
                           number.second, std::move(c),
                           Reply<Correction>(reactor, [resp, number](const Correction& c) {
                             ToProto(Numbered(number), c, resp);
                           }));
  return reactor;
}

grpc::ServerUnaryReactor* BillingHandler::GetStatement(grpc::CallbackServerContext* ctx,
                                                       const v1::GetStatementRequest* req,
                                                       v1::Statement* resp) {
  ENT_AUTHENTICATE_OR_FINISH(caller);
  auto insee = NormalizeInseeCode(req->commune_insee_code());
  if (!insee.ok()) {
    return FinishNow(ctx, InvalidField("commune_insee_code", std::string(insee.status().message())));
  }
  auto* reactor = ctx->DefaultReactor();
  ledger_.GetStatement(caller, *insee,
                       Reply<Statement>(reactor, [resp](const Statement& s) { ToProto(s, resp); }));
  return reactor;
}

grpc::ServerUnaryReactor* BillingHandler::CheckNumbering(grpc::CallbackServerContext* ctx,
                                                         const v1::CheckNumberingRequest* req,
                                                         v1::CheckNumberingResponse* resp) {
  ENT_AUTHENTICATE_OR_FINISH(caller);
  if (req->year() < 2000 || req->year() > 2200) {
    return FinishNow(ctx, InvalidField("year", "must be a calendar year between 2000 and 2200"));
  }
  auto* reactor = ctx->DefaultReactor();
  ledger_.CheckNumbering(caller, req->year(),
                         Reply<NumberingReport>(reactor, [resp](const NumberingReport& report) {
                           resp->set_count(report.count);
                           resp->set_last_sequence(report.last_sequence);
                           for (int64_t g : report.gaps) resp->add_gaps(g);
                           for (int64_t d : report.duplicates) resp->add_duplicates(d);
                         }));
  return reactor;
}

void BillingHandler::Notify(const Principal& caller, const v1::NotifyConventionChangeRequest& req,
                            std::function<void(absl::StatusOr<bool>)> done) {
  RequestContext rc{req.idempotency_key(), "", caller};
  if (req.has_notice()) {
    absl::StatusOr<ConventionChange> change = ChangeFromProto(req.notice());
    if (!change.ok()) return done(change.status());
    ledger_.Notify(std::move(rc), req.idempotency_key(), std::move(*change), std::move(done));
  } else {  // written by an earlier release
    ledger_.Notify(std::move(rc), req.topic(), req.idempotency_key(), req.payload(), std::move(done));
  }
}

grpc::ServerUnaryReactor* BillingHandler::NotifyConventionChange(
    grpc::CallbackServerContext* ctx, const v1::NotifyConventionChangeRequest* req,
    v1::NotifyConventionChangeResponse* resp) {
  ENT_AUTHENTICATE_OR_FINISH(caller);
  auto* reactor = ctx->DefaultReactor();
  Notify(caller, *req, Reply<bool>(reactor, [resp](bool applied) { resp->set_applied(applied); }));
  return reactor;
}

grpc::ServerUnaryReactor* BillingHandler::NotifyConventionChanges(
    grpc::CallbackServerContext* ctx, const v1::NotifyConventionChangesRequest* req,
    v1::NotifyConventionChangesResponse* resp) {
  ENT_AUTHENTICATE_OR_FINISH(caller);
  if (auto st = AuthorizeBilling(caller, BillingAction::kNotify); !st.ok()) return FinishNow(ctx, st);
  if (req->notices_size() == 0 || req->notices_size() > 1000) {
    return FinishNow(ctx, InvalidField("notices", absl::StrCat("must hold 1 to 1000 notices, got ",
                                                               req->notices_size())));
  }
  // Each notice is its own command: submitted together, they are committed
  // together by the store's group commit (SQLite), or run side by side
  // (PostgreSQL). A repeat of a notice within the batch is submitted once the
  // one before it is done, so that the first is the one applied. The reply
  // waits for all of them.
  struct Pending {
    std::atomic<int> left;
    absl::Mutex mu;
    std::vector<int> next_repeat;  // index of the next notice with the same key, or -1
    std::function<void(int)> submit;
  };
  auto pending = std::make_shared<Pending>();
  pending->left = req->notices_size();
  pending->next_repeat.assign(req->notices_size(), -1);
  absl::flat_hash_map<std::string, int> last_of_key;
  std::vector<int> first_of_key;
  for (int i = 0; i < req->notices_size(); ++i) {
    auto* r = resp->add_results();
    r->set_idempotency_key(req->notices(i).idempotency_key());
    auto [it, first] = last_of_key.try_emplace(req->notices(i).idempotency_key(), i);
    if (first) {
      first_of_key.push_back(i);
    } else {
      pending->next_repeat[it->second] = i;
      it->second = i;
    }
  }
  auto* reactor = ctx->DefaultReactor();
  // `pending` holds `submit`, which holds a weak reference back: no cycle.
  std::weak_ptr<Pending> weak = pending;
  pending->submit = [this, caller, req, reactor, resp, weak](int i) {
    auto held = weak.lock();
    Notify(caller, req->notices(i), [reactor, resp, held, i](absl::StatusOr<bool> applied) {
      {
        absl::MutexLock lock(&held->mu);  // results are written from several threads
        auto* r = resp->mutable_results(i);
        r->set_applied(applied.ok() && *applied);
        const grpc::Status st = ToGrpcStatus(applied.status());
        r->mutable_status()->set_code(st.error_code());
        r->mutable_status()->set_message(st.error_message());
      }
      if (held->next_repeat[i] >= 0) held->submit(held->next_repeat[i]);
      if (held->left.fetch_sub(1) == 1) reactor->Finish(grpc::Status::OK);
    });
  };
  for (int i : first_of_key) pending->submit(i);
  return reactor;
}

}  // namespace ent::billing
