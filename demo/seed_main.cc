// ent-demo-seed: loads the Saint-Ambroix 2021-2022 convention of the seed into
// a running convention-service, as the principal whose bearer token is in
// $ENT_TOKEN (a rectorat service); with a billing-service address and
// $ENT_FINANCE_TOKEN, also its tariff (50 € per school) and its titre. Safe to
// run again: the requests carry fixed request ids, so a second run returns the
// first answers and changes nothing.
#include <cstdio>
#include <cstdlib>
#include <string>

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <thread>

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
static int SeedBilling(const std::string& address, const std::string& finance) {
  namespace bv1 = ::ent::billing::v1;
  auto api = bv1::BillingService::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  bv1::SetTariffRequest tariff;
  tariff.set_request_id("seed-tariff-2021-2022");
  tariff.mutable_tariff()->set_school_year("2021-2022");
  tariff.mutable_tariff()->set_unit_price_cents(5000);
  tariff.mutable_tariff()->set_legal_basis(
      "Convention ENT-école 2021-2022, articles 5 à 7 (50 € TTC par école et par an)");
  bv1::Tariff tariff_out;
  if (!Check("SetTariff", api->SetTariff(Context(finance).get(), tariff, &tariff_out))) return 1;
  bv1::IssueTitreRequest issue;
  issue.set_convention(std::string("conventions/") + ent::demo::kSaintAmbroixId);
  issue.set_school_year("2021-2022");
  issue.set_request_id("seed-titre-30227-2021");
  bv1::Titre titre;
  grpc::Status st;
  for (int attempt = 0; attempt < 200; ++attempt) {
    st = api->IssueTitre(Context(finance).get(), issue, &titre);
    if (st.error_code() != grpc::StatusCode::FAILED_PRECONDITION) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the notice is on its way
  }
  if (!Check("IssueTitre", st)) return 1;
  std::printf("billed %s: %d schools x %.2f € = %.2f € TTC (%s), issued %04d-%02d-%02d\n",
              titre.name().c_str(), titre.lines_size(), tariff_out.unit_price_cents() / 100.0,
              titre.total_cents() / 100.0, titre.vat_treatment().c_str(), titre.issue_date().year(),
              titre.issue_date().month(), titre.issue_date().day());
  return 0;
}

int main(int argc, char** argv) {
  const char* token = std::getenv("ENT_TOKEN");
  if (argc < 2 || argc > 3 || token == nullptr || *token == '\0') {
    std::fprintf(stderr,
                 "usage: ENT_TOKEN=<rectorat token> [ENT_FINANCE_TOKEN=<finance token>] "
                 "ent-demo-seed CONVENTION_HOST:PORT [BILLING_HOST:PORT]\n");
    return 2;
  }
  g_token = token;
  auto api = v1::ConventionService::NewStub(
      grpc::CreateChannel(argv[1], grpc::InsecureChannelCredentials()));
  v1::Convention convention;
  {
    if (!Check("CreateConvention", api->CreateConvention(Context().get(), ent::demo::SaintAmbroixCreate(), &convention))) return 1;
  }
  {
    if (!Check("RecordDeliberation", api->RecordDeliberation(Context().get(), ent::demo::SaintAmbroixDeliberation(), &convention))) return 1;
  }
  {
    if (!Check("SignConvention (académie)", api->SignConvention(Context().get(), ent::demo::SaintAmbroixAcademieSignature(), &convention))) return 1;
  }
  {
    if (!Check("SignConvention (commune)", api->SignConvention(Context().get(), ent::demo::SaintAmbroixCommuneSignature(), &convention))) return 1;
  }
  std::printf("loaded %s: %s, state %s, in force from %04d-%02d-%02d, %d schools\n",
              convention.name().c_str(), convention.commune().party().name().c_str(),
              v1::Convention::State_Name(convention.state()).c_str(),
              convention.effective_date().year(), convention.effective_date().month(),
              convention.effective_date().day(), convention.schools_size());
  for (const auto& w : convention.warnings()) std::printf("  warning: %s\n", w.c_str());

  v1::ListConventionEventsRequest history;
  history.set_parent(convention.name());
  history.set_page_size(100);
  v1::ListConventionEventsResponse events;
  if (!Check("ListConventionEvents", api->ListConventionEvents(Context().get(), history, &events))) {
    return 1;
  }
  std::printf("history:\n");
  for (const auto& e : events.events()) {
    std::printf("  #%-4lld %-26s %s\n", static_cast<long long>(e.sequence()),
                v1::ConventionEvent::Type_Name(e.type()).c_str(), e.description().c_str());
  }
  const char* finance = std::getenv("ENT_FINANCE_TOKEN");
  if (argc == 3 && finance != nullptr && *finance != '\0') return SeedBilling(argv[2], finance);
  return 0;
}
