#include "bench/raw_writes.h"

#include <sqlite3.h>

#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/sqlite/test_vfs.h"

namespace ent::bench {
namespace {

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtFinalizer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using Db = std::unique_ptr<sqlite3, DbCloser>;
using Stmt = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

absl::Status Check(sqlite3* db, int rc, const std::string& what) {
  if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW) return absl::OkStatus();
  return absl::InternalError(absl::StrCat(what, ": ", sqlite3_errmsg(db)));
}

absl::StatusOr<Stmt> Prepare(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* s = nullptr;
  const int rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr);
  if (rc != SQLITE_OK) return absl::InternalError(absl::StrCat(sql, ": ", sqlite3_errmsg(db)));
  return Stmt(s);
}

// One template row: its columns and values (owned copies).
struct Row {
  std::vector<std::string> columns;
  std::vector<sqlite3_value*> values;
  ~Row() {
    for (sqlite3_value* v : values) sqlite3_value_free(v);
  }
};

absl::StatusOr<std::unique_ptr<Row>> ReadRow(sqlite3* db, const std::string& sql,
                                             const std::string& key) {
  auto stmt = Prepare(db, sql);
  if (!stmt.ok()) return stmt.status();
  if (!key.empty()) sqlite3_bind_text(stmt->get(), 1, key.c_str(), -1, SQLITE_TRANSIENT);
  if (sqlite3_step(stmt->get()) != SQLITE_ROW) {
    return absl::NotFoundError(absl::StrCat("no template row: ", sql));
  }
  auto row = std::make_unique<Row>();
  for (int i = 0; i < sqlite3_column_count(stmt->get()); ++i) {
    row->columns.push_back(sqlite3_column_name(stmt->get(), i));
    row->values.push_back(sqlite3_value_dup(sqlite3_column_value(stmt->get(), i)));
  }
  return row;
}

// "INSERT INTO table (columns but `skip`) VALUES (?…)".
std::string InsertSql(const std::string& table, const Row& row, const std::string& skip) {
  std::vector<std::string> cols, params;
  for (const std::string& c : row.columns) {
    if (c == skip) continue;
    cols.push_back(c);
    params.push_back(absl::StrCat("?", params.size() + 1));
  }
  return absl::StrCat("INSERT INTO ", table, " (", absl::StrJoin(cols, ", "), ") VALUES (",
                      absl::StrJoin(params, ", "), ")");
}

// Binds the template's values, `replaced` columns with the given texts.
void BindRow(sqlite3_stmt* stmt, const Row& row, const std::string& skip,
             const std::vector<std::pair<std::string, std::string>>& replaced) {
  int index = 0;
  for (size_t i = 0; i < row.columns.size(); ++i) {
    if (row.columns[i] == skip) continue;
    ++index;
    bool done = false;
    for (const auto& [column, text] : replaced) {
      if (row.columns[i] == column) {
        sqlite3_bind_text(stmt, index, text.c_str(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
        done = true;
      }
    }
    if (!done) sqlite3_bind_value(stmt, index, row.values[i]);
  }
}

}  // namespace

absl::StatusOr<RawWriteResult> RunRawWrites(const std::string& service_db, const std::string& raw_db,
                                            int batch, absl::Duration duration) {
  sqlite::MaybeInstallTestVfs();  // ENT_SQLITE_SYNC_DELAY_US, as in the service
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(raw_db.c_str(), &raw,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI, nullptr);
  Db db(raw);
  if (rc != SQLITE_OK) return absl::InternalError(absl::StrCat("cannot open ", raw_db));
  // The service's settings (common/sqlite/connection.cc).
  for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL",
                             "PRAGMA foreign_keys=ON", "PRAGMA busy_timeout=5000"}) {
    if (auto st = Check(raw, sqlite3_exec(raw, pragma, nullptr, nullptr, nullptr), pragma); !st.ok()) {
      return st;
    }
  }
  const std::string attach = absl::StrCat("ATTACH 'file:", service_db, "?mode=ro' AS src");
  if (auto st = Check(raw, sqlite3_exec(raw, attach.c_str(), nullptr, nullptr, nullptr), attach);
      !st.ok()) {
    return st;
  }
  // The schema: tables first, then their indexes and triggers.
  {
    auto schema = Prepare(raw,
                          "SELECT sql FROM src.sqlite_master WHERE sql IS NOT NULL AND name NOT "
                          "LIKE 'sqlite_%' ORDER BY type != 'table', rowid");
    if (!schema.ok()) return schema.status();
    std::vector<std::string> statements;
    while (sqlite3_step(schema->get()) == SQLITE_ROW) {
      statements.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(schema->get(), 0)));
    }
    for (const std::string& sql : statements) {
      if (auto st = Check(raw, sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, nullptr), sql);
          !st.ok()) {
        return st;
      }
    }
  }
  // One create's rows.
  auto convention = ReadRow(raw, "SELECT * FROM src.conventions ORDER BY id LIMIT 1", "");
  if (!convention.ok()) return convention.status();
  std::string id;
  for (size_t i = 0; i < (*convention)->columns.size(); ++i) {
    if ((*convention)->columns[i] == "id") {
      id = reinterpret_cast<const char*>(sqlite3_value_text((*convention)->values[i]));
    }
  }
  auto event = ReadRow(raw, "SELECT * FROM src.convention_events WHERE convention_id = ?1 ORDER BY sequence LIMIT 1", id);
  if (!event.ok()) return event.status();
  auto answer = ReadRow(raw, "SELECT * FROM src.request_log WHERE response_kind = 'convention' LIMIT 1", "");
  if (!answer.ok()) return answer.status();
  sqlite3_exec(raw, "DETACH src", nullptr, nullptr, nullptr);

  auto insert_convention = Prepare(raw, InsertSql("conventions", **convention, ""));
  auto insert_event = Prepare(raw, InsertSql("convention_events", **event, "sequence"));
  auto insert_answer = Prepare(raw, InsertSql("request_log", **answer, ""));
  auto begin = Prepare(raw, "BEGIN IMMEDIATE");
  auto commit = Prepare(raw, "COMMIT");
  for (auto* s : {&insert_convention, &insert_event, &insert_answer, &begin, &commit}) {
    if (!s->ok()) return s->status();
  }
  auto run = [raw](sqlite3_stmt* s, const char* what) {
    const int step = sqlite3_step(s);
    sqlite3_reset(s);
    return Check(raw, step, what);
  };
  int64_t creates = 0, transactions = 0;
  const absl::Time start = absl::Now();
  while (absl::Now() - start < duration) {
    if (auto st = run(begin->get(), "BEGIN"); !st.ok()) return st;
    for (int b = 0; b < batch; ++b, ++creates) {
      const std::string key = absl::StrCat("raw-", creates);
      BindRow(insert_convention->get(), **convention, "", {{"id", key}});
      BindRow(insert_event->get(), **event, "sequence", {{"convention_id", key}, {"request_id", key}});
      BindRow(insert_answer->get(), **answer, "", {{"request_id", key}});
      for (auto* s : {insert_convention->get(), insert_event->get(), insert_answer->get()}) {
        if (auto st = run(s, "INSERT"); !st.ok()) return st;
      }
    }
    if (auto st = run(commit->get(), "COMMIT"); !st.ok()) return st;
    ++transactions;
  }
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  return RawWriteResult{creates / seconds, transactions / seconds};
}

}  // namespace ent::bench
