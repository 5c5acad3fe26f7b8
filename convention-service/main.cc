// ent-convention-service: conventions between the Académie de Montpellier and
// its communes, over gRPC, on an embedded SQLite database.
#include <cstdio>
#include <filesystem>

#include "common/auth/principal_registry.h"
#include "common/clock.h"
#include "common/grpc/server_runner.h"
#include "convention-service/grpc/convention_handler.h"
#include "convention-service/service/convention_registry.h"
#include "convention-service/store/sqlite_convention_store.h"

int main(int argc, char** argv) {
  ent::BlockTerminationSignals();
  auto flags = ent::ParseServerFlags(argc, argv, {});
  if (!flags.ok()) {
    std::fprintf(stderr, "ent-convention-service: %s\n", flags.status().ToString().c_str());
    std::fprintf(stderr,
                 "usage: ent-convention-service --principals=PATH [--listen=HOST:PORT] "
                 "[--data-dir=DIR] [--port-file=PATH] [--drain-seconds=N] [--tls-cert=PATH "
                 "--tls-key=PATH [--tls-client-ca=PATH] [--tls-require-client-cert]] "
                 "[--max-message-bytes=N]\n");
    return 2;
  }
  std::error_code ec;
  std::filesystem::create_directories(flags->data_dir, ec);
  if (ec) {
    std::fprintf(stderr, "cannot create --data-dir %s: %s\n", flags->data_dir.c_str(),
                 ec.message().c_str());
    return 1;
  }
  ent::ParisTimeZone();  // fail fast without tzdata

  const std::string db_path = flags->data_dir + "/convention.db";
  auto store = ent::convention::SqliteConventionStore::Open(db_path);
  if (!store.ok()) {
    std::fprintf(stderr, "cannot open %s: %s\n", db_path.c_str(),
                 store.status().ToString().c_str());
    return 1;
  }
  auto principals = ent::PrincipalRegistry::Load(flags->principals);
  if (!principals.ok()) {
    std::fprintf(stderr, "ent-convention-service: %s\n", principals.status().ToString().c_str());
    return 1;
  }
  ent::RealClock clock;
  ent::convention::EventHub hub;
  ent::convention::ConventionRegistry registry(**store, clock, hub);
  ent::convention::ConventionHandler handler(registry, **principals);

  auto served = ent::ServeUntilSignal(
      *flags, {{&handler, "ent.convention.v1.ConventionService"}}, [&principals] {
        // SIGHUP: reload the principals; a bad file keeps the current ones.
        absl::Status reloaded = (*principals)->Reload();
        std::fprintf(stderr, "principals reload: %s (%zu principals in force)\n",
                     reloaded.ok() ? "ok" : reloaded.ToString().c_str(), (*principals)->size());
      });
  if (!served.ok()) {
    std::fprintf(stderr, "ent-convention-service: %s\n", served.ToString().c_str());
    return 1;
  }
  return 0;
}
