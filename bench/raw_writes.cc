#include "bench/raw_writes.h"

#include <sqlite3.h>

#include <memory>
#include <vector>

#include "absl/strings/ascii.h"
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
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  Db db(raw);
  if (rc != SQLITE_OK) return absl::InternalError(absl::StrCat("cannot open ", raw_db));
  // The service's settings (common/sqlite/connection.cc).
  for (const char* pragma : {"PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON",
                             "PRAGMA busy_timeout=5000"}) {
    if (auto st = Check(raw, sqlite3_exec(raw, pragma, nullptr, nullptr, nullptr), pragma); !st.ok()) {
      return st;
    }
  }
  // The service's database as it is (same tables, indexes, triggers and
  // rows, so that the raw writes land in B-trees of the same size), by the
  // backup API from a read-only connection.
  {
    sqlite3* src_raw = nullptr;
    rc = sqlite3_open_v2(service_db.c_str(), &src_raw, SQLITE_OPEN_READONLY, nullptr);
    Db src(src_raw);
    if (rc != SQLITE_OK) return absl::InternalError(absl::StrCat("cannot open ", service_db));
    sqlite3_backup* backup = sqlite3_backup_init(raw, "main", src_raw, "main");
    if (backup == nullptr) return Check(raw, SQLITE_ERROR, "backup");
    while ((rc = sqlite3_backup_step(backup, 4096)) == SQLITE_OK || rc == SQLITE_BUSY ||
           rc == SQLITE_LOCKED) {
    }
    sqlite3_backup_finish(backup);
    if (rc != SQLITE_DONE) return Check(raw, rc, "backup of the service's database");
  }
  for (const char* pragma : {"PRAGMA journal_mode=WAL"}) {
    if (auto st = Check(raw, sqlite3_exec(raw, pragma, nullptr, nullptr, nullptr), pragma); !st.ok()) {
      return st;
    }
  }
  // One create's rows.
  auto convention = ReadRow(raw, "SELECT * FROM conventions ORDER BY id LIMIT 1", "");
  if (!convention.ok()) return convention.status();
  std::string id;
  for (size_t i = 0; i < (*convention)->columns.size(); ++i) {
    if ((*convention)->columns[i] == "id") {
      id = reinterpret_cast<const char*>(sqlite3_value_text((*convention)->values[i]));
    }
  }
  std::string template_insee, template_request;
  for (size_t i = 0; i < (*convention)->columns.size(); ++i) {
    if ((*convention)->columns[i] == "commune_insee") {
      template_insee = reinterpret_cast<const char*>(sqlite3_value_text((*convention)->values[i]));
    }
  }
  // The communes, in the order the service's creates cycle through them: the
  // raw keys fall where the service's do (scattered by commune across every
  // index), not appended at the end of each B-tree.
  std::vector<std::string> communes;
  {
    auto list = Prepare(raw, "SELECT DISTINCT commune_insee FROM conventions ORDER BY commune_insee");
    if (!list.ok()) return list.status();
    while (sqlite3_step(list->get()) == SQLITE_ROW) {
      communes.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(list->get(), 0)));
    }
  }
  if (communes.empty()) return absl::NotFoundError("no convention in the service's database");
  auto event = ReadRow(raw, "SELECT * FROM convention_events WHERE convention_id = ?1 ORDER BY sequence LIMIT 1", id);
  if (!event.ok()) return event.status();
  auto answer = ReadRow(raw, "SELECT * FROM request_log WHERE response_kind = 'convention' LIMIT 1", "");
  if (!answer.ok()) return answer.status();
  for (size_t i = 0; i < (*answer)->columns.size(); ++i) {
    if ((*answer)->columns[i] == "request_id") {
      template_request = reinterpret_cast<const char*>(sqlite3_value_text((*answer)->values[i]));
    }
  }
  // A request id shaped like the service's: the template's with its commune
  // replaced (ids are scoped by principal and name the commune).
  const size_t insee_at = template_request.find(template_insee);

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
      const std::string& insee = communes[static_cast<size_t>(creates) % communes.size()];
      const std::string key = absl::StrCat(absl::AsciiStrToLower(insee), "-2027-raw-", creates);
      std::string request = absl::StrCat(template_request, "-raw-", creates);
      if (insee_at != std::string::npos) request.replace(insee_at, template_insee.size(), insee);
      BindRow(insert_convention->get(), **convention, "", {{"id", key}, {"commune_insee", insee}});
      BindRow(insert_event->get(), **event, "sequence",
              {{"convention_id", key}, {"commune_insee", insee}, {"request_id", request}});
      BindRow(insert_answer->get(), **answer, "", {{"request_id", request}});
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
