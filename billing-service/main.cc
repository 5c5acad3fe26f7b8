// ent-billing-service: tariffs, titres de perception with gapless numbering,
// payments and corrections, on an embedded SQLite database (--data-dir) or on
// PostgreSQL (--database=postgresql://…), where several instances may run.
#include <cstdio>
#include <memory>

#include "absl/flags/flag.h"
#include "billing-service/grpc/billing_handler.h"
#include "billing-service/service/ledger.h"
#include "billing-service/store/billing_storage.h"
#include "billing-service/store/store_metrics.h"
#include "common/auth/principal_directory.h"
#include "common/clock.h"
#include "common/grpc/admin_service.h"
#include "common/metrics/metrics.h"
#include "common/grpc/clock_service.h"
#include "common/grpc/server_command_line.h"
#include "common/grpc/server_runner.h"
#include "common/log_sink.h"
#include "common/retention.h"

ABSL_FLAG(std::string, issuing_officer, "", "the ordonnateur named on titres (the template's when empty)");
ABSL_FLAG(std::string, issuing_officer_capacity, "", "the ordonnateur's capacity printed under the name");

namespace {

int Fail(const std::string& message) {
  ent::LogLine("error", "start_failed").Add("service", "billing-service").Add("error", message).Write();
  ent::LogSink::Instance().Flush();
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  ent::BlockTerminationSignals();
  auto flags = ent::ParseServerCommandLine(
      argc, argv,
      "tariffs, titres de perception, payments and corrections, over gRPC.\n"
      "usage: ent-billing-service --principals=PATH [--flag=value...]; --help lists the flags "
      "(written with dashes, --data-dir, or underscores, --data_dir)");
  if (!flags.ok()) {
    std::fprintf(stderr, "ent-billing-service: %s\n", std::string(flags.status().message()).c_str());
    return 2;
  }
  auto service_clock = ent::PrepareToServe(*flags);
  if (!service_clock.ok()) return Fail(service_clock.status().ToString());

  // The store, on the backend the flags name (billing-service/store/billing_storage.h).
  auto storage = ent::billing::OpenBillingStorage(flags->storage());
  if (!storage.ok()) return Fail(storage.status().ToString());
  std::unique_ptr<ent::billing::BillingStore>& store = storage->store;
  ent::storage::DatabaseHandle& database = *storage->database;
  auto callers = ent::LoadCallers(*flags);
  if (!callers.ok()) return Fail(callers.status().ToString());
  auto* const principals = &callers->principals;  // read as before: **principals

  std::unique_ptr<ent::Clock> clock = std::move(service_clock->clock);
  ent::ManualClock* simulated = service_clock->simulated;
  ent::billing::TitreTemplate texts;
  if (!absl::GetFlag(FLAGS_issuing_officer).empty()) texts.issuing_officer = absl::GetFlag(FLAGS_issuing_officer);
  if (!absl::GetFlag(FLAGS_issuing_officer_capacity).empty()) {
    texts.issuing_officer_capacity = absl::GetFlag(FLAGS_issuing_officer_capacity);
  }
  ent::billing::Ledger ledger(*store, *clock, texts);
  ent::billing::BillingHandler handler(ledger, **principals);
  std::vector<ent::ServedService> services = {{&handler, "ent.billing.v1.BillingService"}};
  database.ObserveMetrics("billing");
  ent::Metrics::Instance().AddCollectable(ent::billing::BillingTotalsCollector(*store));
  if (auto st = ent::ServeMetrics(*flags); !st.ok()) return Fail(st.ToString());
  ent::AdminServiceHandler admin(database,
                                 {flags->backup_dir, "billing", flags->backup_keep}, **principals);
  services.push_back({&admin, "ent.admin.v1.AdminService"});
  std::unique_ptr<ent::ClockServiceHandler> clock_handler;
  if (simulated != nullptr) {
    // billing-service has no timers: moving its clock only sets it.
    clock_handler = std::make_unique<ent::ClockServiceHandler>(
        *simulated,
        [](ent::ManualClock& clock, absl::Time target) -> absl::StatusOr<int> {
          if (target > clock.Now()) clock.Set(target);
          return 0;
        },
        **principals, ent::SimulatedClockPath(*flags));
    services.push_back({clock_handler.get(), "ent.testing.v1.ClockService"});
  }

  // Retention: stored answers of requests (titres and payments stay).
  ent::RetentionPruner pruner(
      *clock, absl::Hours(24) * flags->retention_days, absl::Seconds(flags->prune_interval_seconds),
      [&store](absl::Time cutoff, int limit) {
        return store->WriteValueSync<int64_t>(
            [cutoff, limit](ent::billing::BillingWriter& w) { return w.PruneBefore(cutoff, limit); });
      });
  pruner.Start();

  auto served = ent::ServeUntilSignal(
      *flags, **principals, services, ent::ReloadPrincipalsOnSignal(**principals),
      {{"ent.billing.v1.BillingService",
        ent::DatabaseWritableProbe(database)}},
      // Drained: nothing waits on an unreachable database any more.
      [&database] { database.Close(); });
  pruner.Stop();
  if (!served.ok()) return Fail(served.ToString());
  return 0;
}
