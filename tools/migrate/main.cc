// ent-migrate: moves an installation from its SQLite files into PostgreSQL
// (see migrate.h). Stop both services first.
//
//   ent-migrate --to=postgresql://… [--convention-db=PATH] [--billing-db=PATH]
#include <cstdio>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "common/postgres/connection.h"
#include "tools/migrate/migrate.h"

int main(int argc, char** argv) {
  std::string to, convention_db, billing_db;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (absl::ConsumePrefix(&arg, "--to=")) {
      to = std::string(arg);
    } else if (absl::ConsumePrefix(&arg, "--convention-db=")) {
      convention_db = std::string(arg);
    } else if (absl::ConsumePrefix(&arg, "--billing-db=")) {
      billing_db = std::string(arg);
    } else {
      std::fprintf(stderr, "ent-migrate: unknown argument %s\n", argv[i]);
      return 2;
    }
  }
  if (!ent::postgres::IsPostgresUri(to) || (convention_db.empty() && billing_db.empty())) {
    std::fprintf(stderr,
                 "usage: ent-migrate --to=postgresql://… [--convention-db=PATH] [--billing-db=PATH]\n"
                 "  copies the SQLite databases of stopped services into PostgreSQL, then reads every row "
                 "back\n");
    return 2;
  }
  auto run = [&](const char* what, const std::string& path, auto migrate) {
    if (path.empty()) return true;
    auto reports = migrate(path, to);
    if (!reports.ok()) {
      std::fprintf(stderr, "ent-migrate: %s (%s): %s\n", what, path.c_str(), reports.status().ToString().c_str());
      return false;
    }
    for (const auto& r : *reports) {
      std::printf("%s.%s: %lld rows copied and read back equal\n", what, r.table.c_str(),
                  static_cast<long long>(r.rows));
    }
    return true;
  };
  if (!run("convention", convention_db, ent::migrate::MigrateConventions)) return 1;
  if (!run("billing", billing_db, ent::migrate::MigrateBilling)) return 1;
  return 0;
}
