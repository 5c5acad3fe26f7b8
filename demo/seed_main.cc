// ent-demo-seed: loads the Saint-Ambroix 2021-2022 convention of the seed into
// a running convention-service, as the principal whose bearer token is in
// $ENT_TOKEN (a rectorat service); with a billing-service address and
// $ENT_FINANCE_TOKEN, also its tariff (50 € per school) and its titre. Safe to
// run again: the requests carry fixed request ids, so a second run returns the
// first answers and changes nothing.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <thread>

#include "absl/time/clock.h"
#include "common/clock.h"
#include "demo/saint_ambroix.h"
#include "ent/billing/v1/billing_service.grpc.pb.h"
#include "ent/convention/v1/convention_service.grpc.pb.h"

namespace v1 = ::ent::convention::v1;

namespace {

bool Check(const char* step, const grpc::Status& status) {
  if (status.ok()) return true;
  std::fprintf(stderr, "ent-demo-seed: %s failed: %s (code %d)\n", step,
               status.error_message().c_str(), static_cast<int>(status.error_code()));
  return false;
}

}  // namespace

static std::string g_token;

// A context carrying the bearer token.
static std::unique_ptr<grpc::ClientContext> Context(const std::string& token = g_token) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->AddMetadata("authorization", "Bearer " + token);
  return ctx;
}

// The tariff of 2021-2022 and Saint-Ambroix's titre, once billing-service has
// heard (through the outbox) that the convention took effect.
// The tariff of `school_year` and the titre of `convention`, once
// billing-service has heard (through the outbox) that it took effect.
static int SeedBilling(const std::string& address, const std::string& finance,
                       const std::string& school_year, const std::string& convention) {
  namespace bv1 = ::ent::billing::v1;
  auto api = bv1::BillingService::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  bv1::SetTariffRequest tariff;
  tariff.set_request_id("seed-tariff-" + school_year);
  tariff.mutable_tariff()->set_school_year(school_year);
  tariff.mutable_tariff()->set_unit_price_cents(5000);
  tariff.mutable_tariff()->set_legal_basis("Convention ENT-école " + school_year +
                                           ", articles 5 à 7 (50 € TTC par école et par an)");
  bv1::Tariff tariff_out;
  bv1::GetTariffRequest get_tariff;
  get_tariff.set_name("tariffs/" + school_year);
  if (!api->GetTariff(Context(finance).get(), get_tariff, &tariff_out).ok() &&  // set by an earlier run
      !Check("SetTariff", api->SetTariff(Context(finance).get(), tariff, &tariff_out))) {
    return 1;
  }
  bv1::IssueTitreRequest issue;
  issue.set_convention(convention);
  issue.set_school_year(school_year);
  issue.set_request_id("seed-titre-" + convention.substr(convention.find('/') + 1));
  bv1::Titre titre;
  grpc::Status st;
  for (int attempt = 0; attempt < 200; ++attempt) {
    st = api->IssueTitre(Context(finance).get(), issue, &titre);
    if (st.error_code() != grpc::StatusCode::FAILED_PRECONDITION) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the notice is on its way
  }
  if (!Check("IssueTitre", st)) return 1;
  std::printf("billed %s to %s: %d schools x %.2f € = %.2f € TTC (%s), issued %04d-%02d-%02d\n",
              titre.name().c_str(), convention.c_str(), titre.lines_size(),
              tariff_out.unit_price_cents() / 100.0, titre.total_cents() / 100.0,
              titre.vat_treatment().c_str(), titre.issue_date().year(), titre.issue_date().month(),
              titre.issue_date().day());
  return 0;
}

// Records a convention: creation, deliberation, both signatures.
// A convention recorded by an earlier run (its stored answers perhaps pruned
// by retention since) is left as it is.
static bool Load(v1::ConventionService::Stub& api, const v1::CreateConventionRequest& create,
                 const v1::RecordDeliberationRequest& deliberation,
                 const v1::SignConventionRequest& academie, const v1::SignConventionRequest& commune,
                 v1::Convention* out) {
  const grpc::Status created = api.CreateConvention(Context().get(), create, out);
  if (created.error_code() == grpc::StatusCode::ALREADY_EXISTS) {
    v1::GetConventionRequest get;
    get.set_name("conventions/" + create.convention_id());
    return Check("GetConvention", api.GetConvention(Context().get(), get, out));
  }
  return Check("CreateConvention", created) &&
         Check("RecordDeliberation", api.RecordDeliberation(Context().get(), deliberation, out)) &&
         Check("SignConvention (académie)", api.SignConvention(Context().get(), academie, out)) &&
         Check("SignConvention (commune)", api.SignConvention(Context().get(), commune, out));
}

// The convention as it is now. Given `today`, an ACTIVE convention whose end
// is before it is shown once its expiry has fired (timers fire as soon as
// they are due); without it, the first answer is shown.
static v1::Convention Current(v1::ConventionService::Stub& api, const std::string& name,
                              const std::optional<std::string>& today) {
  v1::Convention c;
  for (int attempt = 0; attempt < 100; ++attempt) {
    v1::GetConventionRequest req;
    req.set_name(name);
    if (!api.GetConvention(Context().get(), req, &c).ok() || !today) break;
    char end[16];
    std::snprintf(end, sizeof(end), "%04d-%02d-%02d", c.end_date().year(), c.end_date().month(),
                  c.end_date().day());
    if (c.state() != v1::Convention::STATE_ACTIVE || std::string(end) >= *today) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return c;
}

int main(int argc, char** argv) {
  const char* token = std::getenv("ENT_TOKEN");
  bool current_year = false;
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--current-year") {
      current_year = true;
    } else {
      positional.push_back(argv[i]);
    }
  }
  if (positional.empty() || positional.size() > 2 || token == nullptr || *token == '\0') {
    std::fprintf(stderr,
                 "usage: ENT_TOKEN=<rectorat token> [ENT_FINANCE_TOKEN=<finance token>] "
                 "ent-demo-seed [--current-year] CONVENTION_HOST:PORT [BILLING_HOST:PORT]\n"
                 "  --current-year  also its renewal for the school year in progress (real clock)\n");
    return 2;
  }
  g_token = token;
  auto api = v1::ConventionService::NewStub(
      grpc::CreateChannel(positional[0], grpc::InsecureChannelCredentials()));
  v1::Convention convention;
  if (!Load(*api, ent::demo::SaintAmbroixCreate(), ent::demo::SaintAmbroixDeliberation(),
            ent::demo::SaintAmbroixAcademieSignature(), ent::demo::SaintAmbroixCommuneSignature(),
            &convention)) {
    return 1;
  }
  // What is billed: the 2021-2022 convention on the demo's clock; on the real
  // clock, only the school year in progress (a titre issued today for a
  // year long past would read as an error).
  std::vector<std::pair<std::string, std::string>> to_bill = {
      {"2021-2022", std::string("conventions/") + ent::demo::kSaintAmbroixId}};
  std::vector<std::string> shown = {to_bill.front().second};
  const ent::CivilDate today = ent::ParisDate(absl::Now());
  if (current_year && today > ent::CivilDate(2022, 8, 31)) {
    const ent::demo::CurrentYearRequests r = ent::demo::SaintAmbroixCurrentYear(
        static_cast<int>(today.year()), today.month(), today.day());
    v1::Convention renewal;
    if (!Load(*api, r.create, r.deliberation, r.academie, r.commune, &renewal)) return 1;
    to_bill = {{r.school_year, renewal.name()}};
    shown.push_back(renewal.name());
  }

  const std::string today_text = ent::FormatIsoDate(today);
  for (const std::string& name : shown) {
    const v1::Convention c =
        Current(*api, name, current_year ? std::optional(today_text) : std::nullopt);
    std::printf("loaded %s: %s, school year %s, now %s, in force from %04d-%02d-%02d to "
                "%04d-%02d-%02d, %d schools\n",
                c.name().c_str(), c.commune().party().name().c_str(), c.school_year().c_str(),
                v1::Convention::State_Name(c.state()).c_str() + std::strlen("STATE_"),
                c.effective_date().year(), c.effective_date().month(), c.effective_date().day(),
                c.end_date().year(), c.end_date().month(), c.end_date().day(), c.schools_size());
    for (const auto& w : c.warnings()) std::printf("  warning: %s\n", w.c_str());
  }

  v1::ListConventionEventsRequest history;
  history.set_parent(convention.name());
  history.set_page_size(100);
  v1::ListConventionEventsResponse events;
  if (!Check("ListConventionEvents", api->ListConventionEvents(Context().get(), history, &events))) {
    return 1;
  }
  std::printf("history of %s:\n", convention.name().c_str());
  for (const auto& e : events.events()) {
    std::printf("  #%-4lld %-26s %s\n", static_cast<long long>(e.sequence()),
                // The words entctl uses: CREATED, SIGNED…
                v1::ConventionEvent::Type_Name(e.type()).c_str() + std::strlen("TYPE_"),
                e.description().c_str());
  }
  const char* finance = std::getenv("ENT_FINANCE_TOKEN");
  if (positional.size() == 2 && finance != nullptr && *finance != '\0') {
    for (const auto& [year, name] : to_bill) {
      if (int rc = SeedBilling(positional[1], finance, year, name); rc != 0) return rc;
    }
  }
  return 0;
}
