// The two backends' schemas after every migration, compared: each service's
// tables, their columns (name and whether NULL is allowed) and the indexes
// created by name, read from SQLite's catalogue (sqlite_master,
// pragma_table_info) and PostgreSQL's (information_schema, pg_indexes,
// leaving out the indexes PostgreSQL creates for primary keys and UNIQUE
// constraints, which SQLite names sqlite_autoindex_*). A table, a column or
// an index present on one backend only fails the test unless it is listed
// below with the reason the other backend does without it. Constraints and
// triggers are written in each dialect and checked by the conformance suites
// (the same rule refused on both), not here.
#include <filesystem>
#include <map>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "billing-service/store/postgres/postgres_billing_store.h"
#include "billing-service/store/sqlite/sqlite_billing_store.h"
#include "convention-service/store/postgres/postgres_convention_store.h"
#include "convention-service/store/sqlite/sqlite_convention_store.h"
#include "tests/support/postgres_server.h"

namespace ent {
namespace {

// "table", "table.column nullable|not null", "index table.name".
using Schema = std::set<std::string>;

Schema SqliteSchema(sqlite::Database& db) {
  Schema out;
  db.ReadSync([&](sqlite::Connection& conn) {
    auto tables = conn.Prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name");
    ASSERT_TRUE(tables.ok()) << tables.status();
    std::vector<std::string> names;
    while (tables->Step().value_or(false)) names.push_back(tables->ColumnText(0));
    for (const std::string& table : names) {
      out.insert(table);
      auto columns = conn.Prepare("SELECT name, \"notnull\", pk FROM pragma_table_info(?1)");
      ASSERT_TRUE(columns.ok()) << columns.status();
      columns->Bind(1, table);
      while (columns->Step().value_or(false)) {
        // SQLite lets a primary key column hold NULL unless told; PostgreSQL never does.
        const bool not_null = columns->ColumnInt64(1) != 0 || columns->ColumnInt64(2) != 0;
        out.insert(absl::StrCat(table, ".", columns->ColumnText(0), not_null ? " not null" : " nullable"));
      }
    }
    auto indexes = conn.Prepare(
        "SELECT tbl_name, name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_autoindex_%'");
    ASSERT_TRUE(indexes.ok()) << indexes.status();
    while (indexes->Step().value_or(false)) {
      out.insert(absl::StrCat("index ", indexes->ColumnText(0), ".", indexes->ColumnText(1)));
    }
  });
  return out;
}

Schema PostgresSchema(postgres::Database& db, const std::string& schema) {
  Schema out;
  db.ReadSync([&](postgres::Connection& conn) {
    // Partitions are storage of their parent table, not tables of the schema.
    auto tables = conn.Query(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY 1",
        postgres::Params().Text(schema));
    ASSERT_TRUE(tables.ok()) << tables.status();
    for (int i = 0; i < tables->rows(); ++i) {
      const std::string table = tables->Text(i, 0);
      out.insert(table);
      auto columns = conn.Query(
          "SELECT column_name, is_nullable FROM information_schema.columns "
          "WHERE table_schema = $1 AND table_name = $2",
          postgres::Params().Text(schema).Text(table));
      ASSERT_TRUE(columns.ok()) << columns.status();
      for (int j = 0; j < columns->rows(); ++j) {
        out.insert(absl::StrCat(table, ".", columns->Text(j, 0),
                                columns->Text(j, 1) == "NO" ? " not null" : " nullable"));
      }
    }
    auto indexes = conn.Query(
        "SELECT i.tablename, i.indexname FROM pg_indexes i "
        "JOIN pg_class t ON t.relname = i.tablename AND t.relnamespace = $1::text::regnamespace "
        "WHERE i.schemaname = $1::text AND NOT t.relispartition AND NOT EXISTS ("
        "  SELECT 1 FROM pg_constraint k WHERE k.conindid = (quote_ident($1::text) || '.' || "
        "  quote_ident(i.indexname))::regclass)",
        postgres::Params().Text(schema));
    ASSERT_TRUE(indexes.ok()) << indexes.status();
    for (int i = 0; i < indexes->rows(); ++i) {
      out.insert(absl::StrCat("index ", indexes->Text(i, 0), ".", indexes->Text(i, 1)));
    }
  });
  return out;
}

// What one backend has and the other has not, each with its reason.
using Differences = std::map<std::string, std::string>;

// Both services' schemas on PostgreSQL keep their version in a table; SQLite
// keeps it in the file's header (PRAGMA user_version).
Differences PostgresVersionTable() {
  const char* why = "SQLite keeps the schema version in PRAGMA user_version";
  return {{"schema_version", why}, {"schema_version.id not null", why}, {"schema_version.version not null", why}};
}

void ExpectParity(const Schema& sqlite, const Schema& postgres, const Differences& sqlite_only,
                  const Differences& postgres_only) {
  std::vector<std::string> unexplained;
  for (const std::string& item : sqlite) {
    if (!postgres.count(item) && !sqlite_only.count(item)) unexplained.push_back("SQLite only: " + item);
  }
  for (const std::string& item : postgres) {
    if (!sqlite.count(item) && !postgres_only.count(item)) unexplained.push_back("PostgreSQL only: " + item);
  }
  // A listed difference that no longer exists is stale: the list says what is.
  for (const auto& [item, why] : sqlite_only) {
    if (!sqlite.count(item) || postgres.count(item)) unexplained.push_back("listed, not a difference: " + item);
  }
  for (const auto& [item, why] : postgres_only) {
    if (!postgres.count(item) || sqlite.count(item)) unexplained.push_back("listed, not a difference: " + item);
  }
  EXPECT_TRUE(unexplained.empty()) << absl::StrJoin(unexplained, "\n");
}

class SchemaParity : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("ent-schema-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
    auto server = testing::SharedPostgres();
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *server;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;
  testing::PostgresServer* server_ = nullptr;
};

TEST_F(SchemaParity, ConventionSchemasMatch) {
  auto sqlite = convention::SqliteConventionStore::Open((dir_ / "convention.db").string());
  ASSERT_TRUE(sqlite.ok()) << sqlite.status();
  auto uri = server_->CreateDatabase();
  ASSERT_TRUE(uri.ok()) << uri.status();
  auto postgres = convention::PostgresConventionStore::Open(*uri);
  ASSERT_TRUE(postgres.ok()) << postgres.status();
  Differences postgres_only = PostgresVersionTable();
  const char* sequence =
      "several writers: the counter row whose update orders the history's sequences by commit, gap-free "
      "(SQLite's one writer numbers events in commit order by itself)";
  postgres_only.insert({{"event_sequence", sequence},
                        {"event_sequence.id not null", sequence},
                        {"event_sequence.last not null", sequence}});
  const char* lease =
      "several instances: the outbox dispatcher's fenced lease (one process owns a SQLite file)";
  postgres_only.insert({{"workflow_outbox_lease", lease},
                        {"workflow_outbox_lease.id not null", lease},
                        {"workflow_outbox_lease.holder not null", lease},
                        {"workflow_outbox_lease.epoch not null", lease},
                        {"workflow_outbox_lease.taken_us not null", lease}});
  postgres_only.insert({"index state_counts.state_counts_by_state",
                        "several writers append changes to state_counts (no row every writer locks), summed "
                        "by state; SQLite updates one row per state, found by its primary key"});
  ExpectParity(SqliteSchema((*sqlite)->database()), PostgresSchema((*postgres)->database(), "convention"),
               /*sqlite_only=*/{}, postgres_only);
}

TEST_F(SchemaParity, BillingSchemasMatch) {
  auto sqlite = billing::SqliteBillingStore::Open((dir_ / "billing.db").string());
  ASSERT_TRUE(sqlite.ok()) << sqlite.status();
  auto uri = server_->CreateDatabase();
  ASSERT_TRUE(uri.ok()) << uri.status();
  auto postgres = billing::PostgresBillingStore::Open(*uri);
  ASSERT_TRUE(postgres.ok()) << postgres.status();
  Differences postgres_only = PostgresVersionTable();
  postgres_only.insert({"index billing_totals.billing_totals_by_year",
                        "several writers append changes to billing_totals, summed by school year; SQLite "
                        "updates one row per year, found by its primary key"});
  postgres_only.insert({"request_log.legacy not null",
                        "an answer migrated from release fbf17cd (a reference, not a record): SQLite tells "
                        "it by the value's type (typeof(answer) = 'text'), PostgreSQL's bytea cannot"});
  ExpectParity(SqliteSchema((*sqlite)->database()), PostgresSchema((*postgres)->database(), "billing"),
               /*sqlite_only=*/{}, postgres_only);
}

}  // namespace
}  // namespace ent
