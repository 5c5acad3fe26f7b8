// storage_footprint: bytes on disk per convention-year, measured on the real
// services. For N communes of reference-data/communes.csv (metropolitan, in file
// order) it runs the life of a 2021-2022 convention as the seed's
// Saint-Ambroix: create with 1-3 schools, deliberation, two signatures
// (ACTIVE, activation notice to billing), the titre and one payment, then the
// year's end (expiry and renewal-reminder timers fire, expiry notice). Both
// services are then stopped and each table's pages are read from SQLite's
// dbstat, split between what is kept forever (conventions, history, titres,
// payments...) and what retention prunes after --retention-days (stored
// answers, fired timers, delivered notices).
// Usage: storage_footprint [--communes=N]   (default 1000)
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include <grpcpp/grpcpp.h>
#include <sqlite3.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "bench/communes.h"
#include "bench/national.h"
#include "demo/saint_ambroix.h"
#include "ent/billing/v1/billing_service.grpc.pb.h"
#include "ent/convention/v1/convention_service.grpc.pb.h"
#include "ent/testing/v1/clock_service.grpc.pb.h"
#include "tests/support/service_process.h"
#include "tests/support/test_principals.h"

namespace bv1 = ::ent::billing::v1;
namespace cv1 = ::ent::convention::v1;
namespace tv1 = ::ent::testing::v1;
using ent::testing::TestPrincipals;

namespace {

using ent::bench::Commune;

// Metropolitan communes outside Corsica (their UAI starts with the
// département's number), with a SIREN.
bool Metropolitan(const Commune& c) {
  return c.siren != "000000000" && c.insee.rfind("97", 0) != 0 && c.insee[1] != 'A' &&
         c.insee[1] != 'B';
}

// A valid UAI of the commune's département: 0DD + 4 digits + check letter.
std::string Uai(const Commune& c, int n) {
  const std::string digits = absl::StrCat("0", c.insee.substr(0, 2), 1000 + n);
  int64_t value = 0;
  if (!absl::SimpleAtoi(digits, &value)) value = 0;  // digits only: cannot fail
  return digits + "ABCDEFGHJKLMNPRSTUVWXYZ"[value % 23];
}

std::unique_ptr<grpc::ClientContext> As(const TestPrincipals& p, const std::string& who) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->AddMetadata("authorization", "Bearer " + p.Token(who));
  return ctx;
}

bool Check(const char* what, const grpc::Status& st) {
  if (!st.ok()) std::fprintf(stderr, "%s: %s\n", what, st.error_message().c_str());
  return st.ok();
}

struct TableSize {
  int64_t pages = 0;    // bytes of the pages the table and its indexes use
  int64_t payload = 0;  // bytes of the records themselves
};

// Pages and payload per table (its indexes included), from dbstat.
std::map<std::string, TableSize> Sizes(const std::string& db_path) {
  std::map<std::string, TableSize> out;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) return out;
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db,
                     "SELECT COALESCE(m.tbl_name, s.name), SUM(s.pgsize), SUM(s.payload) "
                     "FROM dbstat s LEFT JOIN sqlite_schema m ON m.name = s.name GROUP BY 1",
                     -1, &stmt, nullptr);
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    out[reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0))] = {
        sqlite3_column_int64(stmt, 1), sqlite3_column_int64(stmt, 2)};
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  int wanted = 1000;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (absl::ConsumePrefix(&arg, "--communes=") && absl::SimpleAtoi(arg, &wanted) && wanted > 0) continue;
    std::fprintf(stderr, "usage: storage_footprint [--communes=N]\n");
    return 2;
  }
  const std::vector<Commune> communes =
      ent::bench::LoadCommunes(std::string(ENT_SOURCE_DIR) + "/reference-data/communes.csv", wanted,
                               Metropolitan);
  ent::testing::TempDir conv_dir, billing_dir;
  TestPrincipals principals(billing_dir.path());
  const std::string token_file = billing_dir.path() + "/internal.token";
  std::ofstream(token_file) << principals.Token(TestPrincipals::kInternal) << "\n";
  const std::string clock = "--clock=simulated:2021-11-03T18:00:00+01:00";
  ent::testing::ServiceProcess billing(ent::testing::BinaryPath("billing-service/ent-billing-service"),
                                       billing_dir.path(), {"--principals=" + principals.path(), clock});
  if (!billing.Start().ok()) return 1;
  // An académie serving the communes chosen (the shipped one serves five
  // départements of the south).
  const std::string academie =
      ent::bench::WriteNationalAcademie(conv_dir.path(), ent::bench::NationalCommunes());
  ent::testing::ServiceProcess conventions(
      ent::testing::BinaryPath("convention-service/ent-convention-service"), conv_dir.path(),
      {"--principals=" + principals.path(), clock, "--billing=" + billing.address(),
       "--billing-token-file=" + token_file, "--academie=" + academie});
  if (!conventions.Start().ok()) return 1;
  auto conv = cv1::ConventionService::NewStub(conventions.Channel());
  auto bill = bv1::BillingService::NewStub(billing.Channel());
  auto time = tv1::ClockService::NewStub(conventions.Channel());
  const absl::Time start = absl::Now();

  bv1::SetTariffRequest tariff;
  tariff.set_request_id("footprint-tariff");
  tariff.mutable_tariff()->set_school_year("2021-2022");
  tariff.mutable_tariff()->set_unit_price_cents(5000);
  tariff.mutable_tariff()->set_legal_basis("Convention ENT-école 2021-2022, articles 5 à 7");
  bv1::Tariff tariff_out;
  if (!Check("SetTariff", bill->SetTariff(As(principals, TestPrincipals::kFinance).get(), tariff, &tariff_out))) return 1;

  std::vector<std::string> names;
  for (size_t i = 0; i < communes.size(); ++i) {
    const Commune& k = communes[i];
    cv1::CreateConventionRequest create = ent::demo::SaintAmbroixCreate();
    create.set_convention_id(k.insee + "-2021");
    create.set_request_id("create-" + k.insee);
    cv1::Convention* c = create.mutable_convention();
    c->mutable_commune()->set_insee_code(k.insee);
    c->mutable_commune()->set_siren(k.siren);
    c->mutable_commune()->mutable_party()->set_name("Commune de " + k.name);
    c->clear_schools();
    for (int s = 0; s <= static_cast<int>(i % 3); ++s) {
      cv1::School* school = c->add_schools();
      school->set_uai(Uai(k, static_cast<int>(i % 3000) * 3 + s));
      school->set_name(absl::StrCat(k.name, " / ECOLE ELEMENTAIRE PUBLIQUE ", s + 1));
      school->set_type(cv1::SCHOOL_TYPE_ELEMENTAIRE);
    }
    cv1::Convention out;
    if (!Check("CreateConvention", conv->CreateConvention(As(principals, TestPrincipals::kRectorat).get(), create, &out))) return 1;
    cv1::RecordDeliberationRequest deliberation = ent::demo::SaintAmbroixDeliberation();
    deliberation.set_name(out.name());
    deliberation.set_request_id("deliberation-" + k.insee);
    if (!Check("RecordDeliberation", conv->RecordDeliberation(As(principals, TestPrincipals::kRectorat).get(), deliberation, &out))) return 1;
    for (auto sign : {ent::demo::SaintAmbroixAcademieSignature(), ent::demo::SaintAmbroixCommuneSignature()}) {
      sign.set_name(out.name());
      sign.set_request_id(absl::StrCat("sign-", sign.signature().party(), "-", k.insee));
      if (!Check("SignConvention", conv->SignConvention(As(principals, TestPrincipals::kRectorat).get(), sign, &out))) return 1;
    }
    names.push_back(out.name());
  }
  // Billing hears of each activation through the outbox, then bills and is paid.
  for (const std::string& name : names) {
    bv1::IssueTitreRequest issue;
    issue.set_convention(name);
    issue.set_school_year("2021-2022");
    issue.set_request_id("issue-" + name.substr(name.find('/') + 1));
    bv1::Titre titre;
    grpc::Status st;
    for (int attempt = 0; attempt < 600; ++attempt) {
      st = bill->IssueTitre(As(principals, TestPrincipals::kFinance).get(), issue, &titre);
      if (st.error_code() != grpc::StatusCode::FAILED_PRECONDITION) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (!Check("IssueTitre", st)) return 1;
    bv1::RecordPaymentRequest pay;
    pay.set_titre(titre.name());
    pay.set_request_id("pay-" + name.substr(name.find('/') + 1));
    pay.mutable_payment()->set_amount_cents(titre.total_cents());
    pay.mutable_payment()->mutable_received_date()->set_year(2021);
    pay.mutable_payment()->mutable_received_date()->set_month(11);
    pay.mutable_payment()->mutable_received_date()->set_day(3);
    pay.mutable_payment()->set_reference("VIR " + titre.name());
    bv1::Payment payment;
    if (!Check("RecordPayment", bill->RecordPayment(As(principals, TestPrincipals::kFinance).get(), pay, &payment))) return 1;
  }
  // The year ends: renewal reminders and expiries fire, billing is told.
  tv1::SetTimeRequest end;
  end.mutable_time()->set_seconds(1662156000);  // 2022-09-03T00:00:00+02:00
  tv1::GetTimeResponse now;
  if (!Check("SetTime", time->SetTime(As(principals, TestPrincipals::kRectorat).get(), end, &now))) return 1;
  for (int i = 0; i < 3000; ++i) {
    cv1::ListOutboxMessagesResponse pending;
    if (conv->ListOutboxMessages(As(principals, TestPrincipals::kSupport).get(),
                                 cv1::ListOutboxMessagesRequest(), &pending).ok() &&
        pending.messages_size() == 0) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  conventions.Stop();
  billing.Stop();

  // Rows pruned by retention, and the tables they live in.
  const std::set<std::string> pruned = {"request_log", "workflow_timers", "workflow_outbox"};
  const double n = static_cast<double>(names.size());
  std::printf("%zu convention-years (1-3 schools each, %llu timers fired) in %.1f s\n\n", names.size(),
              static_cast<unsigned long long>(now.timers_fired()), seconds);
  std::printf("%-12s %-26s %14s %14s\n", "database", "table (with its indexes)", "bytes/conv-yr",
              "payload/conv-yr");
  double kept = 0, kept_payload = 0, transient = 0;
  for (const auto& [db, path] : {std::pair<std::string, std::string>{"convention", conv_dir.path() + "/convention.db"},
                                 {"billing", billing_dir.path() + "/billing.db"}}) {
    for (const auto& [table, size] : Sizes(path)) {
      if (size.payload == 0 && size.pages <= 4096) continue;  // empty tables
      std::printf("%-12s %-26s %14.0f %14.0f%s\n", db.c_str(), table.c_str(), size.pages / n,
                  size.payload / n, pruned.count(table) ? "  (pruned after retention)" : "");
      if (pruned.count(table)) {
        transient += size.pages / n;
      } else {
        kept += size.pages / n;
        kept_payload += size.payload / n;
      }
    }
  }
  std::printf("\nkept for good: %.0f bytes per convention-year (%.0f of records); "
              "until retention prunes it: %.0f more\n",
              kept, kept_payload, transient);
  return 0;
}
