// ent-convention-service: conventions between the Académie de Montpellier and
// its communes, their disputes and the workflow that enforces their
// timelines, over gRPC, on an embedded SQLite database (--data-dir) or on
// PostgreSQL (--database=postgresql://…), where several instances may run.
#include <cstdio>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/flags/flag.h"
#include "common/auth/principal_directory.h"
#include "common/clock.h"
#include "common/file_contents.h"
#include "common/grpc/admin_service.h"
#include "common/metrics/metrics.h"
#include "common/grpc/clock_service.h"
#include "common/grpc/server_command_line.h"
#include "common/grpc/server_runner.h"
#include "common/log_sink.h"
#include "common/registry/academie.h"
#include "common/registry/commune_registry.h"
#include "common/retention.h"
#include "convention-service/grpc/billing_notice_sink.h"
#include "convention-service/grpc/convention_handler.h"
#include "convention-service/service/command_runner.h"
#include "convention-service/service/convention_commands.h"
#include "convention-service/service/dispute_commands.h"
#include "convention-service/service/timer_dispatcher.h"
#include "convention-service/store/convention_storage.h"
#include "convention-service/store/store_metrics.h"
#include "workflow/calendar/legal_calendar.h"
#include "workflow/outbox/outbox_dispatcher.h"
#include "workflow/timers/timer_engine.h"
#include "workflow/workflow_metrics.h"

ABSL_FLAG(std::string, academie, "",
          "the académie's configuration (textproto; the installed academie.textproto when empty)");
ABSL_FLAG(int, timer_batch, 500, "timers fired per transaction (1 to 10000)");
ABSL_FLAG(int, timer_poll_seconds, 2,
          "PostgreSQL: how often the timer engine looks for timers no one announced (1 to 3600)");
ABSL_FLAG(int64_t, timer_stuck_seconds, 300,
          "the workflow is reported unhealthy when a due timer waits longer than this");
ABSL_FLAG(std::string, billing, "", "billing-service HOST:PORT, to which billing notices are delivered");
ABSL_FLAG(std::string, billing_token_file, "", "bearer token convention-service presents to billing-service");
ABSL_FLAG(std::string, billing_ca, "", "CA bundle verifying billing-service (TLS when set)");
ABSL_FLAG(std::string, billing_cert_file, "", "client certificate presented to billing-service (mutual TLS)");
ABSL_FLAG(std::string, billing_key_file, "", "the private key of --billing-cert-file");
ABSL_FLAG(int, outbox_max_attempts, 20, "delivery attempts of a notice before it is parked as dead (1 to 1000)");
ABSL_FLAG(int, max_stream_seconds, 3600, "longest an event stream stays open (1 to 604800)");

namespace {

int Fail(const std::string& message) {
  ent::LogLine("error", "start_failed").Add("service", "convention-service").Add("error", message).Write();
  ent::LogSink::Instance().Flush();
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  ent::BlockTerminationSignals();
  auto flags = ent::ParseServerCommandLine(
      argc, argv,
      "conventions, their disputes and the workflow that enforces their "
      "timelines, over gRPC.\nusage: ent-convention-service --principals=PATH [--flag=value...]; --help lists the flags "
      "(written with dashes, --data-dir, or underscores, --data_dir)");
  if (!flags.ok()) {
    std::fprintf(stderr, "ent-convention-service: %s\n", std::string(flags.status().message()).c_str());
    return 2;
  }
  auto service_clock = ent::PrepareToServe(*flags);
  if (!service_clock.ok()) return Fail(service_clock.status().ToString());

  // The store, on the backend the flags name (convention-service/store/convention_storage.h).
  ent::convention::EventHub hub;  // outlives the store, whose writes it is told of
  auto storage = ent::convention::OpenConventionStorage(flags->storage());
  if (!storage.ok()) return Fail(storage.status().ToString());
  std::unique_ptr<ent::convention::ConventionStore>* const store = &storage->store;
  ent::storage::DatabaseHandle& database = *storage->database;
  // The registries every convention is checked against.
  auto callers = ent::LoadCallers(*flags);
  if (!callers.ok()) return Fail(callers.status().ToString());
  auto* const principals = &callers->principals;  // read as before: **principals
  auto* const communes = &callers->communes;
  const std::string academie_path = !absl::GetFlag(FLAGS_academie).empty()
                                        ? absl::GetFlag(FLAGS_academie)
                                        : ent::InstalledDataPath("academie.textproto");
  auto academie = ent::LoadAcademie(academie_path);
  if (!academie.ok()) return Fail("--academie: " + academie.status().ToString());
  ent::LogLine("info", "registries_loaded")
      .Add("academie", academie->Describe())
      .Add("communes", (*communes)->version())
      .Write();

  std::unique_ptr<ent::Clock> clock = std::move(service_clock->clock);
  ent::ManualClock* simulated = service_clock->simulated;

  const ent::workflow::LegalCalendar calendar;
  (*store)->SetCommittedEventsObserver(
      [&hub](const std::vector<ent::convention::EventRecord>& events) { hub.Publish(events); });
  ent::convention::CommandRunner runner(**store, *clock);
  ent::convention::ConventionCommands conventions(runner, hub, {communes->get(), &*academie});
  ent::convention::DisputeCommands disputes(runner, calendar);
  ent::convention::TimerDispatcher dispatcher(runner);
  ent::workflow::TimerEngine::Options engine_options;
  engine_options.simulated = simulated != nullptr;
  engine_options.batch = absl::GetFlag(FLAGS_timer_batch);
  if (engine_options.batch < 1 || engine_options.batch > 10000) {
    return Fail("--timer-batch: expected 1 to 10000 timers per transaction");
  }
  // Several instances (PostgreSQL): each engine hears of the timers any
  // writer makes pending (WatchTimers), and looks at least every
  // --timer-poll-seconds for those no one announced (a restore, a lost
  // notification). One process owns a SQLite file: its own commits wake it.
  const int timer_poll_seconds = absl::GetFlag(FLAGS_timer_poll_seconds);
  if (timer_poll_seconds < 1 || timer_poll_seconds > 3600) {
    return Fail("--timer-poll-seconds: expected 1 to 3600 seconds");
  }
  // (On a simulated clock time moves only through ClockService, which fires
  // what falls due on the way: no poll.)
  if (database.shared_by_instances() && simulated == nullptr) engine_options.poll = absl::Seconds(timer_poll_seconds);
  ent::workflow::TimerEngine engine(
      *clock, [&dispatcher](absl::Time now, int limit) { return dispatcher.FireDue(now, limit); },
      engine_options);
  runner.SetTimersChanged([&engine] { engine.Wake(); });
  (*store)->WatchTimers([&engine] { engine.Wake(); });
  engine.Start();  // fires overdue timers first

  // Notices to billing-service leave through the outbox, on real time.
  ent::RealClock outbox_clock;
  std::unique_ptr<ent::convention::BillingNoticeSink> billing_sink;
  std::unique_ptr<ent::workflow::OutboxDispatcher> dispatcher_thread;
  const std::string billing_ca = absl::GetFlag(FLAGS_billing_ca);
  if (!absl::GetFlag(FLAGS_billing).empty()) {
    // convention-service authenticates to billing-service with its client
    // certificate (mutual TLS), a bearer token, or both.
    const std::string cert_file = absl::GetFlag(FLAGS_billing_cert_file);
    const std::string key_file = absl::GetFlag(FLAGS_billing_key_file);
    const std::string token_file = absl::GetFlag(FLAGS_billing_token_file);
    if (cert_file.empty() != key_file.empty()) {
      return Fail("--billing-cert-file and --billing-key-file go together");
    }
    if (!cert_file.empty() && billing_ca.empty()) {
      return Fail("--billing-cert-file needs --billing-ca (a client certificate is sent over TLS)");
    }
    if (token_file.empty() && cert_file.empty()) {
      return Fail("--billing needs --billing-token-file or --billing-cert-file/--billing-key-file");
    }
    std::string token;
    if (!token_file.empty()) {
      auto read = ent::ReadOptionFileTrimmed("--billing-token-file", token_file);
      if (!read.ok()) return Fail(read.status().ToString());
      token = std::move(*read);
    }
    std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
    if (!billing_ca.empty()) {
      auto ca = ent::ReadOptionFile("--billing-ca", billing_ca);
      if (!ca.ok()) return Fail(ca.status().ToString());
      grpc::SslCredentialsOptions tls;
      tls.pem_root_certs = *ca;
      if (!cert_file.empty()) {
        auto cert = ent::ReadOptionFileTrimmed("--billing-cert-file", cert_file);
        if (!cert.ok()) return Fail(cert.status().ToString());
        auto key = ent::ReadOptionFileTrimmed("--billing-key-file", key_file);
        if (!key.ok()) return Fail(key.status().ToString());
        tls.pem_cert_chain = *cert;
        tls.pem_private_key = *key;
      }
      credentials = grpc::SslCredentials(tls);
    }
    billing_sink = std::make_unique<ent::convention::BillingNoticeSink>(
        grpc::CreateChannel(absl::GetFlag(FLAGS_billing), credentials), token);
    ent::workflow::OutboxDispatcher::Options outbox_options;
    outbox_options.max_attempts = absl::GetFlag(FLAGS_outbox_max_attempts);
    if (outbox_options.max_attempts < 1 || outbox_options.max_attempts > 1000) {
      return Fail("--outbox-max-attempts: expected 1 to 1000 attempts");
    }
    dispatcher_thread = std::make_unique<ent::workflow::OutboxDispatcher>(
        (*store)->outbox_store(), *billing_sink, outbox_clock, outbox_options);
    runner.SetNoticesQueued([d = dispatcher_thread.get()] { d->Wake(); });
    dispatcher_thread->Start();
  }

  const int max_stream_seconds = absl::GetFlag(FLAGS_max_stream_seconds);
  if (max_stream_seconds < 1 || max_stream_seconds > 7 * 86400) {
    return Fail("--max-stream-seconds: expected 1 to 604800 seconds");
  }
  ent::convention::ConventionHandler handler(conventions, disputes, dispatcher,
                                            (*store)->outbox_store(),
                                            **principals, absl::Seconds(max_stream_seconds));
  std::vector<ent::ServedService> services = {{&handler, "ent.convention.v1.ConventionService"}};
  database.ObserveMetrics("convention");
  ent::Metrics::Instance().AddCollectable(ent::convention::ConventionStateCollector(**store));
  ent::Metrics::Instance().AddCollectable(ent::workflow::WorkflowCollector(storage->workflow_stats, *clock));
  if (auto st = ent::ServeMetrics(*flags); !st.ok()) return Fail(st.ToString());
  ent::AdminServiceHandler admin(database,
                                 {flags->backup_dir, "convention", flags->backup_keep}, **principals);
  services.push_back({&admin, "ent.admin.v1.AdminService"});
  std::unique_ptr<ent::ClockServiceHandler> clock_handler;
  if (simulated != nullptr) {
    // Moving the clock fires every timer due on the way, each at its instant.
    clock_handler = std::make_unique<ent::ClockServiceHandler>(
        *simulated,
        [&engine](ent::ManualClock& clock, absl::Time target) {
          return engine.AdvanceTo(clock, target);
        },
        **principals, ent::SimulatedClockPath(*flags));
    services.push_back({clock_handler.get(), "ent.testing.v1.ClockService"});
    ent::LogLine("info", "simulated_clock")
        .Add("now", absl::FormatTime(absl::RFC3339_sec, simulated->Now(), ent::ParisTimeZone()))
        .Write();
  }

  // Retention: stored answers, fired timers and delivered notices (the history stays).
  ent::RetentionPruner pruner(
      *clock, absl::Hours(24) * flags->retention_days, absl::Seconds(flags->prune_interval_seconds),
      [&store](absl::Time cutoff, int limit) {
        return (*store)->WriteValueSync<int64_t>(
            [cutoff, limit](ent::convention::ConventionWriter& w) { return w.PruneBefore(cutoff, limit); });
      });
  pruner.Start();

  auto reload_principals = ent::ReloadPrincipalsOnSignal(**principals);
  // Health: the database takes a durable write; this instance's timer engine
  // works (timers overdue across the fleet are a metric and an alert, not a
  // reason to take every instance out of rotation).
  const int64_t timer_stuck_seconds = absl::GetFlag(FLAGS_timer_stuck_seconds);
  if (timer_stuck_seconds < 1) {
    return Fail("--timer-stuck-seconds: expected a number of seconds (1 or more)");
  }
  std::vector<ent::HealthCheck> checks = {
      {"ent.convention.v1.ConventionService",
       ent::DatabaseWritableProbe(database)},
      {"ent.workflow", [&engine, timer_stuck_seconds] {
         return engine.Health(absl::Seconds(timer_stuck_seconds));
       }}};
  auto served = ent::ServeUntilSignal(
      *flags, **principals, services,
      [&] {
        reload_principals();
        handler.PrincipalsReloaded();
      },
      std::move(checks),
      // Drained: nothing waits on an unreachable database any more.
      [&database] { database.Close(); });
  pruner.Stop();
  engine.Stop();
  if (dispatcher_thread) dispatcher_thread->Stop();
  if (!served.ok()) return Fail(served.ToString());
  return 0;
}
