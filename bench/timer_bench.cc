// timer_bench: the workflow's timers on the product path (bench/README.md).
//  - september: the national 1 September. Every commune's 2025-2026
//    convention (34,969, active) expires at 2026-09-01 00:00 Europe/Paris; the
//    real convention-service fires them on its simulated clock with their full
//    effects (state, history event, the billing notice queued), then its outbox
//    delivers every notice to the real billing-service.
//  - storm: 100,000 timers due at once, with their effects: the renewal
//    reminders and expiries of the national set and the conciliation
//    deadlines of 30,062 open disputes, in one move of the clock.
//  - lag: real-clock lag of the timer engine: 10,000 timers due over one
//    second on a real SQLite timer table, each one's durable firing minus its
//    due instant.
// Usage: timer_bench [--scenarios=september,storm,lag] [--conventions=N] [--json=FILE]
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <set>
#include <thread>

#include <grpcpp/grpcpp.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
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
#include "bench/rpc.h"
#include "common/clock.h"
#include "common/sqlite/database.h"
#include "ent/billing/v1/billing_service.grpc.pb.h"
#include "ent/convention/v1/convention_service.grpc.pb.h"
#include "ent/testing/v1/clock_service.grpc.pb.h"
#include "tests/support/service_process.h"
#include "tests/support/test_principals.h"
#include "workflow/sqlite/sqlite_timer_table.h"
#include "workflow/timers/timer_engine.h"

namespace cv1 = ::ent::convention::v1;
namespace bv1 = ::ent::billing::v1;
namespace tv1 = ::ent::testing::v1;
using ent::bench::CallAsync;
using ent::bench::Done;
using ent::bench::LoadResult;
using ent::bench::Report;
using ent::testing::ServiceProcess;
using ent::testing::TestPrincipals;

namespace {

absl::Time Instant(const std::string& rfc3339) {
  absl::Time t;
  std::string err;
  if (!absl::ParseTime(absl::RFC3339_full, rfc3339, &t, &err)) std::abort();
  return t;
}

// Both services on one simulated clock, with the national set active.
class Services {
 public:
  Services(const std::vector<ent::bench::NationalCommune>& communes, Report& report)
      : principals_(billing_dir_.path()), communes_(communes), report_(report) {
    token_ = "Bearer " + principals_.Token(TestPrincipals::kRectorat);
  }

  bool Start() {
    const std::string clock = "--clock=simulated:2025-09-01T10:00:00+02:00";
    billing_ = std::make_unique<ServiceProcess>(
        ent::testing::BinaryPath("billing-service/ent-billing-service"), billing_dir_.path(),
        std::vector<std::string>{"--principals=" + principals_.path(), clock});
    if (!billing_->Start().ok()) return false;
    const std::string token_file = billing_dir_.path() + "/internal.token";
    std::ofstream(token_file) << principals_.Token(TestPrincipals::kInternal) << "\n";
    const std::string academie = ent::bench::WriteNationalAcademie(conv_dir_.path(), communes_);
    conventions_ = std::make_unique<ServiceProcess>(
        ent::testing::BinaryPath("convention-service/ent-convention-service"), conv_dir_.path(),
        std::vector<std::string>{"--principals=" + principals_.path(), clock,
                                 "--academie=" + academie, "--billing=" + billing_->address(),
                                 "--billing-token-file=" + token_file});
    if (!conventions_->Start().ok()) return false;
    conv_ = cv1::ConventionService::NewStub(conventions_->Channel());
    clock_ = tv1::ClockService::NewStub(conventions_->Channel());
    return true;
  }

  // Runs `make(i)` for every commune, 64 calls in flight; false on any error.
  template <typename Response, typename Request, typename Start>
  bool ForEach(const char* what, int count, std::function<Request(int)> make, Start start) {
    std::atomic<int> next{0};
    const absl::Time begin = absl::Now();
    LoadResult r = ent::bench::RunClosedLoop(
        64, absl::Hours(1),
        [&](int64_t, Done done) {
          const int i = next++;
          if (i >= count) return done(true, "");
          CallAsync<Response>(token_, make(i), start, done);
        },
        [&] { return next.load() >= count; });
    std::printf("  %s: %d in %.1f s\n", what, count, absl::ToDoubleSeconds(absl::Now() - begin));
    if (r.errors > 0) {
      report_.Fail(absl::StrCat(what, ": ", r.errors, " failed, the first: ", r.first_error));
      return false;
    }
    return true;
  }

  std::string Name(int i) const {
    return "conventions/" + ent::bench::ConventionIdOf(communes_[i], "2025-2026");
  }

  // Every convention created and signed by both parties: ACTIVE.
  bool LoadActive() {
    const int n = static_cast<int>(communes_.size());
    if (!ForEach<cv1::Convention, cv1::CreateConventionRequest>(
            "created", n,
            [this](int i) { return ent::bench::CreateFor(communes_[i], i, "2025-2026"); },
            [this](auto* c, auto* q, auto* p, auto cb) {
              conv_->async()->CreateConvention(c, q, p, std::move(cb));
            })) {
      return false;
    }
    for (const cv1::PartyRole party : {cv1::PARTY_ROLE_ACADEMIE, cv1::PARTY_ROLE_COMMUNE}) {
      if (!ForEach<cv1::Convention, cv1::SignConventionRequest>(
              party == cv1::PARTY_ROLE_ACADEMIE ? "signed by the académie" : "signed by the commune",
              n,
              [this, party](int i) {
                cv1::SignConventionRequest req;
                req.set_name(Name(i));
                req.set_request_id(absl::StrCat("sign-", party, "-", i));
                auto* s = req.mutable_signature();
                s->set_party(party);
                s->mutable_date()->set_year(2025);
                s->mutable_date()->set_month(9);
                s->mutable_date()->set_day(1);
                s->set_signatory(party == cv1::PARTY_ROLE_ACADEMIE ? "Sophie Béjean" : "Le maire");
                s->set_capacity(party == cv1::PARTY_ROLE_ACADEMIE ? "Rectrice" : "Maire");
                s->set_place("Montpellier");
                return req;
              },
              [this](auto* c, auto* q, auto* p, auto cb) {
                conv_->async()->SignConvention(c, q, p, std::move(cb));
              })) {
        return false;
      }
    }
    return WaitOutboxEmpty(absl::Minutes(5)) >= 0;  // the activation notices
  }

  // Disputes on the first `count` conventions, notice sent `date`.
  bool OpenDisputes(int count) {
    return ForEach<cv1::Dispute, cv1::OpenDisputeRequest>(
        "disputes opened", count,
        [this](int i) {
          cv1::OpenDisputeRequest req;
          req.set_parent(Name(i));
          req.set_request_id(absl::StrCat("dispute-", i));
          auto* d = req.mutable_dispute();
          d->set_party(cv1::PARTY_ROLE_COMMUNE);
          d->set_grievances("accès à l'ENT interrompu");
          d->set_notice_reference(absl::StrCat("LRAR ", i));
          d->mutable_notice_sent_date()->set_year(2026);
          d->mutable_notice_sent_date()->set_month(6);
          d->mutable_notice_sent_date()->set_day(1);
          return req;
        },
        [this](auto* c, auto* q, auto* p, auto cb) {
          conv_->async()->OpenDispute(c, q, p, std::move(cb));
        });
  }

  // Moves the simulated clock; the call returns once every timer due on the
  // way has fired. Seconds it took, and the timers fired.
  std::pair<double, int> SetTime(const std::string& rfc3339) {
    tv1::SetTimeRequest req;
    req.mutable_time()->set_seconds(absl::ToUnixSeconds(Instant(rfc3339)));
    tv1::GetTimeResponse out;
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", token_);
    const absl::Time begin = absl::Now();
    grpc::Status st = clock_->SetTime(&ctx, req, &out);
    const double seconds = absl::ToDoubleSeconds(absl::Now() - begin);
    if (!st.ok()) report_.Fail("SetTime " + rfc3339 + ": " + st.error_message());
    return {seconds, out.timers_fired()};
  }

  // Seconds until convention-service's outbox has nothing pending (-1 when
  // it does not empty within `limit`).
  double WaitOutboxEmpty(absl::Duration limit) {
    const absl::Time begin = absl::Now();
    while (absl::Now() - begin < limit) {
      cv1::ListOutboxMessagesRequest req;
      req.set_page_size(1);
      cv1::ListOutboxMessagesResponse out;
      grpc::ClientContext ctx;
      ctx.AddMetadata("authorization", token_);
      if (conv_->ListOutboxMessages(&ctx, req, &out).ok() && out.messages_size() == 0) {
        return absl::ToDoubleSeconds(absl::Now() - begin);
      }
      absl::SleepFor(absl::Milliseconds(20));
    }
    report_.Fail("the outbox did not empty");
    return -1;
  }

  // How many conventions are in `state` (ListConventions, pages of 1000).
  int64_t Count(cv1::Convention::State state) {
    cv1::ListConventionsRequest req;
    req.set_page_size(1000);
    req.set_state(state);
    int64_t n = 0;
    do {
      cv1::ListConventionsResponse page;
      grpc::ClientContext ctx;
      ctx.AddMetadata("authorization", token_);
      if (!conv_->ListConventions(&ctx, req, &page).ok()) return -1;
      n += page.conventions_size();
      req.set_page_token(page.next_page_token());
    } while (!req.page_token().empty());
    return n;
  }

  pid_t conventions_pid() const { return conventions_->pid(); }
  // convention-service's PostgreSQL database ("" on SQLite).
  const std::string& conventions_database() const { return conventions_->database_uri(); }
  // Both services stopped (their databases kept).
  void Stop() {
    conventions_->Stop();
    billing_->Stop();
  }

 private:
  ent::testing::TempDir billing_dir_, conv_dir_;
  TestPrincipals principals_;
  const std::vector<ent::bench::NationalCommune>& communes_;
  Report& report_;
  std::string token_;
  std::unique_ptr<ServiceProcess> billing_, conventions_;
  std::unique_ptr<cv1::ConventionService::Stub> conv_;
  std::unique_ptr<tv1::ClockService::Stub> clock_;
};

void September(const std::vector<ent::bench::NationalCommune>& communes, Report& report) {
  std::printf("september: %zu conventions\n", communes.size());
  Services s(communes, report);
  if (!s.Start() || !s.LoadActive()) return;
  // The renewal reminders fall on 2 July: fired first, apart.
  const auto [reminders_s, reminders] = s.SetTime("2026-08-31T23:00:00+02:00");
  std::printf("  renewal reminders: %d fired in %.2f s\n", reminders, reminders_s);
  s.WaitOutboxEmpty(absl::Minutes(5));
  const int64_t rss_before = ent::bench::RssKib(s.conventions_pid());
  const auto [seconds, fired] = s.SetTime("2026-09-01T00:00:01+02:00");
  const double drain = s.WaitOutboxEmpty(absl::Minutes(10));
  const int64_t expired = s.Count(cv1::Convention::STATE_EXPIRED);
  std::printf("  1 September: %d expiries fired in %.2f s; %lld EXPIRED; their notices delivered "
              "to billing-service %.2f s later\n",
              fired, seconds, static_cast<long long>(expired), drain);
  if (expired != static_cast<int64_t>(communes.size()) || fired != static_cast<int>(communes.size())) {
    report.Fail(absl::StrCat("september: ", fired, " fired, ", expired, " expired, of ",
                             communes.size()));
  }
  report.AtMost("timers", absl::StrFormat("%zu expiries at one instant, full effects", communes.size()),
                {seconds}, "s", 2,
                absl::StrFormat("%.0f timers/s; service RSS %.0f MiB before", fired / seconds,
                                rss_before / 1024.0));
  report.AtMost("outbox", absl::StrFormat("their %zu notices delivered to billing-service", communes.size()),
                {drain}, "s", 10, absl::StrFormat("%.0f notices/s", communes.size() / drain));
  if (!s.conventions_database().empty()) {
    // On PostgreSQL, against raw transactions writing the same rows on the
    // same server, 500 per transaction like the engine's batches.
    s.Stop();
    absl::StatusOr<double> raw = ent::bench::RawPostgresExpiries(s.conventions_database(), 500);
    if (!raw.ok()) return report.Fail("raw PostgreSQL expiries: " + raw.status().ToString());
    const double service = fired / seconds;
    std::printf("  raw PostgreSQL: %.0f expiries/s; the service %.0f/s\n", *raw, service);
    report.AtLeast("timers", "expiries/s ÷ raw PostgreSQL transactions (same rows, 500 per transaction)",
                   {service / *raw}, "×", 0.5,
                   absl::StrFormat("%.0f vs %.0f expiries/s", service, *raw));
  }
}

void Storm(const std::vector<ent::bench::NationalCommune>& communes, int total, Report& report) {
  const int n = static_cast<int>(communes.size());
  const int disputes = std::max(0, std::min(n, total - 2 * n));
  std::printf("storm: %d conventions (reminder and expiry each), %d disputes\n", n, disputes);
  Services s(communes, report);
  if (!s.Start() || !s.LoadActive()) return;
  s.SetTime("2026-06-01T10:00:00+02:00");
  if (!s.OpenDisputes(disputes)) return;
  s.WaitOutboxEmpty(absl::Minutes(5));
  // Reminders (2 July), lapsed conciliations (2 July) and expiries (1 September).
  const auto [seconds, fired] = s.SetTime("2026-09-01T00:00:01+02:00");
  std::printf("  %d timers fired in %.2f s\n", fired, seconds);
  if (fired != 2 * n + disputes) {
    report.Fail(absl::StrCat("storm: ", fired, " fired of ", 2 * n + disputes));
  }
  report.AtMost("timers", absl::StrFormat("%d timers due at once, full effects", fired), {seconds}, "s",
                5, absl::StrFormat("%.0f timers/s", fired / seconds));
}

// The engine on the real clock: 10,000 timers due over one second, each
// one's durable firing (the batch's commit) minus its due instant.
void Lag(int timers, Report& report) {
  ent::testing::TempDir dir;
  ent::sqlite::Database::Options options;
  options.path = dir.path() + "/timers.db";
  options.migrations = {ent::workflow::TimerSchemaSql(), ent::workflow::TimerFromDayMigrationSql(),
                        ent::workflow::TimerAttemptsMigrationSql(),
                        ent::workflow::TimerPartialIndexesMigrationSql()};
  auto db = ent::sqlite::Database::Open(options);
  if (!db.ok()) {
    report.Fail("lag: " + db.status().ToString());
    return;
  }
  const absl::Time first_due = absl::Now() + absl::Seconds(2);
  const absl::Duration spread = absl::Seconds(1) / timers;
  (*db)->WriteSync([&](ent::sqlite::Connection& c) -> absl::Status {
    ent::workflow::SqliteTimerTable table(c);
    for (int i = 0; i < timers; ++i) {
      auto st = table.Schedule({"bench", absl::StrCat("conventions/", i), "30227", first_due + spread * i,
                                ent::CivilDate(2026, 9, 1), "bench", "bench", std::nullopt});
      if (!st.ok()) return st;
    }
    return absl::OkStatus();
  }).IgnoreError();
  ent::RealClock clock;
  absl::Mutex mu;
  std::vector<double> lags_ms;
  std::atomic<int> fired{0};
  ent::workflow::TimerEngine engine(
      clock,
      [&](absl::Time now, int limit) -> absl::StatusOr<ent::workflow::TimerEngine::FireResult> {
        ent::workflow::TimerEngine::FireResult result;
        std::vector<absl::Time> due;
        absl::Status st = (*db)->WriteSync([&](ent::sqlite::Connection& c) -> absl::Status {
          ent::workflow::SqliteTimerTable table(c);
          auto batch = table.Due(now, limit);
          if (!batch.ok()) return batch.status();
          for (const auto& t : *batch) {
            if (auto s = table.MarkFired(t.id, now); !s.ok()) return s;
            due.push_back(t.spec.due);
          }
          result.fired = static_cast<int>(batch->size());
          auto next = table.NextDue();
          if (!next.ok()) return next.status();
          result.next_due = *next;
          return absl::OkStatus();
        });
        if (!st.ok()) return st;
        const absl::Time committed = absl::Now();
        absl::MutexLock lock(&mu);
        for (absl::Time d : due) lags_ms.push_back(absl::ToDoubleMilliseconds(committed - d));
        fired += result.fired;
        return result;
      },
      ent::workflow::TimerEngine::Options());
  engine.Start();
  const absl::Time deadline = first_due + absl::Seconds(10);
  while (fired.load() < timers && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(10));
  engine.Stop();
  absl::MutexLock lock(&mu);
  if (static_cast<int>(lags_ms.size()) != timers) {
    report.Fail(absl::StrCat("lag: ", lags_ms.size(), " of ", timers, " timers fired"));
    return;
  }
  std::sort(lags_ms.begin(), lags_ms.end());
  const double p50 = lags_ms[lags_ms.size() / 2];
  const double p99 = lags_ms[lags_ms.size() * 99 / 100];
  std::printf("lag: %d timers over 1 s on the real clock: p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
              timers, p50, p99, lags_ms.back());
  report.AtMost("timers", absl::StrFormat("real-clock lag p99, %d timers due over 1 s", timers), {p99},
                "ms", 100, absl::StrFormat("p50 %.1f ms, max %.1f ms", p50, lags_ms.back()));
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  std::set<std::string> scenarios = {"september", "storm", "lag"};
  int conventions = 0;
  int storm = 100000;
  std::string json;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    bool ok = true;
    if (absl::ConsumePrefix(&arg, "--scenarios=")) {
      scenarios.clear();
      for (absl::string_view s : absl::StrSplit(arg, ',')) scenarios.emplace(s);
    } else if (absl::ConsumePrefix(&arg, "--conventions=")) {
      ok = absl::SimpleAtoi(arg, &conventions) && conventions > 0;
    } else if (absl::ConsumePrefix(&arg, "--storm=")) {
      ok = absl::SimpleAtoi(arg, &storm) && storm > 0;
    } else if (absl::ConsumePrefix(&arg, "--json=")) {
      json = std::string(arg);
    } else {
      ok = false;
    }
    if (!ok) {
      std::fprintf(stderr, "usage: timer_bench [--scenarios=september,storm,lag] [--conventions=N] "
                           "[--storm=N] [--json=FILE]\n");
      return 2;
    }
  }
  ent::testing::TempDir probe_dir;
  const ent::bench::Machine machine = ent::bench::ProbeMachine(probe_dir.path());
  std::printf("machine: %s\n", ent::bench::Describe(machine).c_str());
  const auto communes = ent::bench::NationalCommunes(conventions);
  Report report("timer_bench");
  if (scenarios.count("september")) September(communes, report);
  if (scenarios.count("storm")) Storm(communes, storm, report);
  if (scenarios.count("lag")) Lag(10000, report);
  const std::string settings = absl::StrFormat("%zu conventions, storm of %d", communes.size(), storm);
  report.Print(machine, settings);
  if (!json.empty()) report.WriteJson(json, machine, settings).IgnoreError();
  return report.ok() ? 0 : 1;
}
