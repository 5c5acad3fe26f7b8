// billing_bench: the national billing campaign on the real billing-service
// (bench/README.md), at 1× (every commune of reference-data/communes.csv,
// 34,969 conventions with 1-3 schools) and 10× (349,690: each commune ten
// times), as convention-service's outbox would have notified them (batches of
// NotifyConventionChanges). For each scale: the campaign's time, the size of
// its reply, billing-service's peak memory, payments recorded while it runs
// (their latency), and a re-run (everything already billed).
// Usage: billing_bench [--scales=1,10] [--json=FILE]
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <thread>

#include <grpcpp/grpcpp.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "bench/load.h"
#include "bench/machine.h"
#include "bench/national.h"
#include "bench/proc_stats.h"
#include "bench/raw_postgres.h"
#include "bench/report.h"
#include "ent/billing/v1/billing_service.grpc.pb.h"
#include "tests/support/service_process.h"
#include "tests/support/test_principals.h"

namespace bv1 = ::ent::billing::v1;
using ent::bench::Report;
using ent::testing::TestPrincipals;

namespace {

std::unique_ptr<grpc::ClientContext> As(const std::string& token) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->AddMetadata("authorization", token);
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(10));
  return ctx;
}

// The activation notice of copy `k` of commune `c`'s 2025-2026 convention.
bv1::NotifyConventionChangeRequest Activation(const ent::bench::NationalCommune& c, int index, int k) {
  bv1::NotifyConventionChangeRequest req;
  const std::string name =
      absl::StrCat("conventions/", ent::bench::ConventionIdOf(c, "2025-2026", k ? absl::StrCat("-", k) : ""));
  req.set_idempotency_key(name + "/activated");
  auto* n = req.mutable_notice();
  n->set_convention(name);
  n->mutable_commune()->set_insee_code(c.insee);
  n->mutable_commune()->set_siren(c.siren);
  n->mutable_commune()->set_name("Commune de " + c.name);
  n->mutable_commune()->set_address("Mairie");
  n->set_school_year("2025-2026");
  n->mutable_effective_date()->set_year(2025);
  n->mutable_effective_date()->set_month(9);
  n->mutable_effective_date()->set_day(1);
  n->mutable_end_date()->set_year(2026);
  n->mutable_end_date()->set_month(8);
  n->mutable_end_date()->set_day(31);
  for (int s = 0; s <= index % 3; ++s) {
    auto* school = n->mutable_activated()->add_schools();
    school->set_uai(ent::bench::UaiOf(c, (index * 3 + s + k * 7) % 9000));
    school->set_name(absl::StrCat("ECOLE ", s + 1, " DE ", c.name));
    *school->mutable_enrolled_date() = n->effective_date();
  }
  return req;
}

void Campaign(const std::vector<ent::bench::NationalCommune>& communes, int scale, Report& report) {
  ent::testing::TempDir dir;
  TestPrincipals principals(dir.path());
  const std::string internal = "Bearer " + principals.Token(TestPrincipals::kInternal);
  const std::string finance = "Bearer " + principals.Token(TestPrincipals::kFinance);
  ent::testing::ServiceProcess billing(ent::testing::BinaryPath("billing-service/ent-billing-service"),
                                       dir.path(),
                                       {"--principals=" + principals.path(),
                                        "--clock=simulated:2025-10-01T10:00:00+02:00"});
  if (auto st = billing.Start(); !st.ok()) {
    report.Fail(st.ToString());
    return;
  }
  auto api = bv1::BillingService::NewStub(billing.Channel());
  const int64_t total = static_cast<int64_t>(communes.size()) * scale;

  // The notices, in batches of 1000, 4 batches in flight.
  const absl::Time load_start = absl::Now();
  std::atomic<int64_t> next{0};
  std::atomic<int64_t> refused{0};
  std::vector<std::thread> loaders;
  for (int t = 0; t < 4; ++t) {
    loaders.emplace_back([&] {
      while (true) {
        const int64_t first = next.fetch_add(1000);
        if (first >= total) return;
        bv1::NotifyConventionChangesRequest batch;
        for (int64_t i = first; i < std::min(total, first + 1000); ++i) {
          const int c = static_cast<int>(i % communes.size());
          *batch.add_notices() = Activation(communes[c], c, static_cast<int>(i / communes.size()));
        }
        bv1::NotifyConventionChangesResponse out;
        grpc::Status st = api->NotifyConventionChanges(As(internal).get(), batch, &out);
        if (!st.ok()) {
          refused += batch.notices_size();
          continue;
        }
        for (const auto& r : out.results()) refused += r.status().code() != 0;
      }
    });
  }
  for (auto& t : loaders) t.join();
  std::printf("%dx: %lld notices in %.1f s\n", scale, static_cast<long long>(total),
              absl::ToDoubleSeconds(absl::Now() - load_start));
  if (refused > 0) {
    report.Fail(absl::StrCat(scale, "x: ", refused.load(), " notices refused"));
    return;
  }

  bv1::SetTariffRequest tariff;
  tariff.set_request_id("bench-tariff");
  tariff.mutable_tariff()->set_school_year("2025-2026");
  tariff.mutable_tariff()->set_unit_price_cents(5000);
  tariff.mutable_tariff()->set_legal_basis("Convention ENT-école, article 5");
  bv1::Tariff tariff_out;
  if (!api->SetTariff(As(finance).get(), tariff, &tariff_out).ok()) return report.Fail("SetTariff");
  // Titres to pay during the campaign: the first 200 conventions, issued now.
  std::vector<std::string> titres;
  for (int i = 0; i < 200 && i < static_cast<int>(communes.size()); ++i) {
    bv1::IssueTitreRequest issue;
    issue.set_convention("conventions/" + ent::bench::ConventionIdOf(communes[i], "2025-2026"));
    issue.set_school_year("2025-2026");
    issue.set_request_id(absl::StrCat("issue-", i));
    bv1::Titre t;
    grpc::Status st = api->IssueTitre(As(finance).get(), issue, &t);
    if (!st.ok()) return report.Fail("IssueTitre: " + st.error_message());
    titres.push_back(t.name());
  }

  // The campaign, with a finance officer recording payments meanwhile (one
  // at a time, 20 ms apart), each payment's latency recorded.
  std::atomic<bool> running{true};
  absl::Mutex mu;
  std::vector<double> payment_ms;
  int64_t payment_errors = 0;
  std::thread payer([&] {
    for (int i = 0; running.load(); ++i) {
      bv1::RecordPaymentRequest pay;
      pay.set_titre(titres[i % titres.size()]);
      pay.set_request_id(absl::StrCat("pay-", scale, "-", i));
      pay.mutable_payment()->set_amount_cents(1);
      pay.mutable_payment()->mutable_received_date()->set_year(2025);
      pay.mutable_payment()->mutable_received_date()->set_month(10);
      pay.mutable_payment()->mutable_received_date()->set_day(1);
      pay.mutable_payment()->set_reference(absl::StrCat("VIR-", scale, "-", i));
      bv1::Payment out;
      const absl::Time begin = absl::Now();
      grpc::Status st = api->RecordPayment(As(finance).get(), pay, &out);
      const double ms = absl::ToDoubleMilliseconds(absl::Now() - begin);
      {
        absl::MutexLock lock(&mu);
        if (st.ok() && running.load()) payment_ms.push_back(ms);
        if (!st.ok()) ++payment_errors;
      }
      absl::SleepFor(absl::Milliseconds(20));
    }
  });
  absl::SleepFor(absl::Milliseconds(200));
  bv1::RunBillingCampaignRequest campaign;
  campaign.set_school_year("2025-2026");
  campaign.set_request_id(absl::StrCat("campaign-", scale));
  bv1::RunBillingCampaignResponse result;
  const absl::Time start = absl::Now();
  grpc::Status st = api->RunBillingCampaign(As(finance).get(), campaign, &result);
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  running = false;
  payer.join();
  if (!st.ok()) return report.Fail(absl::StrCat(scale, "x campaign: ", st.error_message()));
  const int64_t peak_kib = ent::bench::PeakRssKib(billing.pid());
  const size_t reply_bytes = result.ByteSizeLong();
  std::sort(payment_ms.begin(), payment_ms.end());
  const double payment_p99 = payment_ms.empty() ? 0 : payment_ms[payment_ms.size() * 99 / 100];
  const double payment_max = payment_ms.empty() ? 0 : payment_ms.back();
  std::printf("%dx: campaign issued %lld titres (%lld skipped) in %.2f s; reply %zu bytes; peak RSS "
              "%.0f MiB; %zu payments during it, p99 %.1f ms, max %.1f ms\n",
              scale, static_cast<long long>(result.issued_count()),
              static_cast<long long>(result.skipped_count()), seconds, reply_bytes, peak_kib / 1024.0,
              payment_ms.size(), payment_p99, payment_max);
  if (result.issued_count() + static_cast<int64_t>(titres.size()) != total) {
    report.Fail(absl::StrCat(scale, "x: ", result.issued_count(), " issued of ", total - titres.size()));
  }
  if (payment_errors > 0) report.Fail(absl::StrCat(scale, "x: ", payment_errors, " payments failed"));
  const double bar = scale == 1 ? 2 : 20;
  const int64_t result_issued = result.issued_count();
  report.AtMost("campaign", absl::StrFormat("%lld titres (%dx)", static_cast<long long>(total), scale),
                {seconds}, "s", bar,
                absl::StrFormat("%.0f titres/s; reply %zu bytes; billing peak RSS %.0f MiB",
                                result.issued_count() / seconds, reply_bytes, peak_kib / 1024.0));
  report.AtMost("campaign", absl::StrFormat("payment p99 during the %dx campaign", scale),
                {payment_p99}, "ms", 100,
                absl::StrFormat("%zu payments, max %.1f ms", payment_ms.size(), payment_max));
  // A re-run: every convention already billed.
  campaign.set_request_id(absl::StrCat("campaign-again-", scale));
  const absl::Time again_start = absl::Now();
  st = api->RunBillingCampaign(As(finance).get(), campaign, &result);
  const double again = absl::ToDoubleSeconds(absl::Now() - again_start);
  if (!st.ok() || result.issued_count() != 0) {
    report.Fail(absl::StrCat(scale, "x re-run: ", st.error_message(), " issued ", result.issued_count()));
  }
  report.Info("campaign", absl::StrFormat("re-run, all billed (%dx)", scale), {again}, "s",
              absl::StrFormat("reply %zu bytes", result.ByteSizeLong()));
  billing.Stop();
  if (!billing.database_uri().empty()) {
    // On PostgreSQL, against raw transactions writing the same rows on the
    // same server, 500 per transaction like the campaign's.
    absl::StatusOr<double> raw = ent::bench::RawPostgresTitres(billing.database_uri(), 500);
    if (!raw.ok()) return report.Fail("raw PostgreSQL titres: " + raw.status().ToString());
    const double service = result_issued / seconds;
    std::printf("%dx: raw PostgreSQL %.0f titres/s; the service %.0f/s\n", scale, *raw, service);
    report.AtLeast("campaign", absl::StrFormat("titres/s ÷ raw PostgreSQL transactions (%dx, same rows, 500 "
                                               "per transaction)", scale),
                   {service / *raw}, "×", 0.5, absl::StrFormat("%.0f vs %.0f titres/s", service, *raw));
  }
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  std::vector<int> scales = {1, 10};
  std::string json;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    bool ok = true;
    if (absl::ConsumePrefix(&arg, "--scales=")) {
      scales.clear();
      for (absl::string_view s : absl::StrSplit(arg, ',')) {
        int n = 0;
        ok = ok && absl::SimpleAtoi(s, &n) && n > 0 && n <= 20;
        scales.push_back(n);
      }
    } else if (absl::ConsumePrefix(&arg, "--json=")) {
      json = std::string(arg);
    } else {
      ok = false;
    }
    if (!ok) {
      std::fprintf(stderr, "usage: billing_bench [--scales=1,10] [--json=FILE]\n");
      return 2;
    }
  }
  ent::testing::TempDir probe;
  const ent::bench::Machine machine = ent::bench::ProbeMachine(probe.path());
  std::printf("machine: %s\n", ent::bench::Describe(machine).c_str());
  const auto communes = ent::bench::NationalCommunes();
  Report report("billing_bench");
  for (int scale : scales) Campaign(communes, scale, report);
  const std::string settings = absl::StrFormat("%zu communes, scales %s", communes.size(),
                                               absl::StrJoin(scales, ", "));
  report.Print(machine, settings);
  if (!json.empty()) report.WriteJson(json, machine, settings).IgnoreError();
  return report.ok() ? 0 : 1;
}
