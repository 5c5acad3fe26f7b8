#include "tools/migrate/migrate.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "billing-service/store/postgres/postgres_billing_store.h"
#include "billing-service/store/sqlite/sqlite_billing_store.h"
#include "common/status_macros.h"
#include "convention-service/store/postgres/postgres_convention_store.h"
#include "convention-service/store/sqlite/sqlite_convention_store.h"

namespace ent::migrate {
namespace {

// How a column travels: integer, text, bytes, or a boolean read from an
// SQLite expression.
enum class Kind { kInt, kText, kBytes, kBool };

struct Column {
  std::string source;  // SQLite expression
  std::string target;  // PostgreSQL column
  Kind kind;
};

struct Table {
  std::string name;
  std::vector<Column> columns;
  std::string order;          // key order, for reading back
  std::string identity;       // identity column whose sequence follows the copied ids, if any
};

Column I(const std::string& c) { return {c, c, Kind::kInt}; }
Column T(const std::string& c) { return {c, c, Kind::kText}; }
Column B(const std::string& c) { return {c, c, Kind::kBytes}; }

const std::vector<Table>& ConventionTables() {
  static const auto* tables = new std::vector<Table>{
      {"conventions",
       {T("id"), T("commune_insee"), T("school_year"), I("state"), I("version"), B("body"), T("effective_date"),
        T("last_day"), T("renews")},
       "id", ""},
      {"convention_events",
       {I("sequence"), T("convention_id"), T("commune_insee"), I("type"), I("time_us"), T("actor"),
        T("request_id"), T("description"), B("changes"), I("state")},
       "sequence", ""},
      {"request_log", {T("request_id"), T("fingerprint"), T("response_kind"), B("response"), I("time_us")},
       "request_id", ""},
      {"disputes",
       {T("convention_id"), I("number"), T("commune_insee"), I("state"), T("deadline_day"), I("version"),
        B("body")},
       "convention_id, number", ""},
      {"workflow_timers",
       {I("id"), T("kind"), T("subject"), T("commune"), I("due_us"), T("last_day"), T("rule"), T("explanation"),
        I("state"), I("fired_us"), T("from_day"), I("attempts"), T("last_error"), I("next_us")},
       "id", "id"},
      {"workflow_outbox",
       {I("id"), T("topic"), T("key"), T("idempotency_key"), T("payload_type"), B("payload"), I("created_us"),
        I("attempts"), I("next_attempt_us"), T("last_error"), I("state"), I("delivered_us")},
       "id", "id"},
  };
  return *tables;
}

const std::vector<Table>& BillingTables() {
  static const auto* tables = new std::vector<Table>{
      {"tariffs", {T("school_year"), I("unit_price_cents"), T("legal_basis"), T("vat_treatment"), I("version")},
       "school_year", ""},
      {"conventions", {T("convention"), T("commune_insee"), T("school_year"), B("body")}, "convention", ""},
      {"notices", {T("idempotency_key"), T("topic"), I("received_us")}, "idempotency_key", ""},
      {"numbering", {I("year"), I("last_sequence")}, "year", ""},
      {"titres",
       {I("year"), I("sequence"), T("convention"), T("school_year"), T("commune_insee"), I("kind"),
        I("total_cents"), B("body"), I("created_us")},
       "year, sequence", ""},
      {"titre_lines",
       {I("year"), I("sequence"), I("position"), T("uai"), T("name"), I("unit_price_cents"), I("amount_cents")},
       "year, sequence, position", ""},
      {"payments",
       {I("id"), I("year"), I("sequence"), I("amount_cents"), T("received_date"), T("reference"),
        I("created_us")},
       "id", "id"},
      {"corrections",
       {I("id"), I("year"), I("sequence"), I("kind"), I("amount_cents"), T("reason"), T("justification"),
        T("date"), I("created_us")},
       "id", "id"},
      {"request_log",
       {T("request_id"), T("fingerprint"), B("answer"), {"typeof(answer) = 'text'", "legacy", Kind::kBool},
        I("time_us")},
       "request_id", ""},
  };
  return *tables;
}

// One value as both sides give it, for comparing.
struct Value {
  bool null = false;
  std::string bytes;  // integers and booleans in decimal
  bool operator==(const Value& o) const { return null == o.null && bytes == o.bytes; }
};

absl::StatusOr<std::vector<std::vector<Value>>> ReadSqlite(sqlite::Database& db, const Table& t) {
  std::vector<std::string> exprs;
  for (const Column& c : t.columns) exprs.push_back(c.source);
  absl::StatusOr<std::vector<std::vector<Value>>> out = std::vector<std::vector<Value>>();
  db.ReadSync([&](sqlite::Connection& conn) {
    auto stmt = conn.Prepare(absl::StrCat("SELECT ", absl::StrJoin(exprs, ", "), " FROM ", t.name,
                                          " ORDER BY ", t.order));
    if (!stmt.ok()) {
      out = stmt.status();
      return;
    }
    while (true) {
      auto row = stmt->Step();
      if (!row.ok()) {
        out = row.status();
        return;
      }
      if (!*row) return;
      std::vector<Value> values;
      for (size_t i = 0; i < t.columns.size(); ++i) {
        const int col = static_cast<int>(i);
        if (stmt->ColumnIsNull(col)) {
          values.push_back({true, ""});
        } else if (t.columns[i].kind == Kind::kInt) {
          values.push_back({false, absl::StrCat(stmt->ColumnInt64(col))});
        } else if (t.columns[i].kind == Kind::kBool) {
          values.push_back({false, stmt->ColumnInt64(col) != 0 ? "1" : "0"});
        } else {
          values.push_back({false, stmt->ColumnText(col)});
        }
      }
      out->push_back(std::move(values));
    }
  });
  return out;
}

absl::StatusOr<std::vector<std::vector<Value>>> ReadPostgres(postgres::Connection& conn, const Table& t) {
  std::vector<std::string> names;
  for (const Column& c : t.columns) names.push_back(c.target);
  ENT_ASSIGN_OR_RETURN(postgres::Result r, conn.Query(absl::StrCat("SELECT ", absl::StrJoin(names, ", "),
                                                                   " FROM ", t.name, " ORDER BY ", t.order)));
  std::vector<std::vector<Value>> out;
  for (int row = 0; row < r.rows(); ++row) {
    std::vector<Value> values;
    for (size_t i = 0; i < t.columns.size(); ++i) {
      const int col = static_cast<int>(i);
      if (r.IsNull(row, col)) {
        values.push_back({true, ""});
      } else if (t.columns[i].kind == Kind::kInt) {
        values.push_back({false, absl::StrCat(r.Int(row, col))});
      } else if (t.columns[i].kind == Kind::kBool) {
        values.push_back({false, r.Bool(row, col) ? "1" : "0"});
      } else if (t.columns[i].kind == Kind::kBytes) {
        values.push_back({false, r.Bytes(row, col)});
      } else {
        values.push_back({false, r.Text(row, col)});
      }
    }
    out.push_back(std::move(values));
  }
  return out;
}

absl::Status Insert(postgres::Connection& conn, const Table& t, const std::vector<std::vector<Value>>& rows) {
  std::vector<std::string> names, placeholders;
  for (size_t i = 0; i < t.columns.size(); ++i) {
    names.push_back(t.columns[i].target);
    placeholders.push_back(absl::StrCat("$", i + 1));
  }
  const std::string sql =
      absl::StrCat("INSERT INTO ", t.name, " (", absl::StrJoin(names, ", "), ") ",
                   t.identity.empty() ? "" : "OVERRIDING SYSTEM VALUE ", "VALUES (",
                   absl::StrJoin(placeholders, ", "), ")");
  for (const auto& row : rows) {
    postgres::Params p;
    for (size_t i = 0; i < row.size(); ++i) {
      if (row[i].null) {
        p.Null();
      } else if (t.columns[i].kind == Kind::kBytes) {
        p.Bytes(row[i].bytes);
      } else if (t.columns[i].kind == Kind::kBool) {
        p.Bool(row[i].bytes == "1");
      } else {
        p.Text(row[i].bytes);
      }
    }
    ENT_RETURN_IF_ERROR(conn.Query(sql, p).status());
  }
  if (!t.identity.empty()) {
    ENT_RETURN_IF_ERROR(conn.Query(absl::StrCat("SELECT setval(pg_get_serial_sequence('", t.name, "', '",
                                                t.identity, "'), COALESCE((SELECT MAX(", t.identity,
                                                ") FROM ", t.name, "), 0) + 1, false)"))
                            .status());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<TableReport>> Copy(sqlite::Database& from, postgres::Database& to,
                                              const std::vector<Table>& tables, const std::string& after_sql) {
  std::vector<TableReport> reports;
  absl::Status st = to.WriteSync([&](postgres::Connection& conn) -> absl::Status {
    reports.clear();
    for (const Table& t : tables) {
      ENT_ASSIGN_OR_RETURN(postgres::Result existing,
                           conn.Query(absl::StrCat("SELECT COUNT(*) FROM ", t.name)));
      if (existing.Int(0, 0) != 0) {
        return absl::FailedPreconditionError(absl::StrCat(
            "the target's ", to.schema(), ".", t.name, " already holds ", existing.Int(0, 0),
            " rows: migrate into an empty database"));
      }
    }
    for (const Table& t : tables) {
      ENT_ASSIGN_OR_RETURN(auto rows, ReadSqlite(from, t));
      ENT_RETURN_IF_ERROR(Insert(conn, t, rows));
      // Read back, in the same transaction, before it commits.
      ENT_ASSIGN_OR_RETURN(auto back, ReadPostgres(conn, t));
      if (back.size() != rows.size()) {
        return absl::DataLossError(absl::StrCat(t.name, ": ", rows.size(), " rows copied, ", back.size(),
                                                " read back"));
      }
      for (size_t r = 0; r < rows.size(); ++r) {
        for (size_t c = 0; c < t.columns.size(); ++c) {
          if (!(rows[r][c] == back[r][c])) {
            return absl::DataLossError(absl::StrCat(t.name, " row ", r + 1, ", column ", t.columns[c].target,
                                                    ": what was read back differs from the source"));
          }
        }
      }
      reports.push_back({t.name, static_cast<int64_t>(rows.size())});
    }
    if (!after_sql.empty()) ENT_RETURN_IF_ERROR(conn.Exec(after_sql));
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return reports;
}

}  // namespace

absl::StatusOr<std::vector<TableReport>> MigrateConventions(const std::string& sqlite_path,
                                                            const std::string& uri) {
  ENT_ASSIGN_OR_RETURN(auto from, convention::SqliteConventionStore::Open(sqlite_path));
  ENT_ASSIGN_OR_RETURN(auto to, convention::PostgresConventionStore::Open(uri));
  // The next event takes the sequence after the last one copied.
  return Copy(from->database(), to->database(), ConventionTables(),
              "UPDATE event_sequence SET last = (SELECT COALESCE(MAX(sequence), 0) FROM convention_events)");
}

absl::StatusOr<std::vector<TableReport>> MigrateBilling(const std::string& sqlite_path, const std::string& uri) {
  ENT_ASSIGN_OR_RETURN(auto from, billing::SqliteBillingStore::Open(sqlite_path));
  ENT_ASSIGN_OR_RETURN(auto to, billing::PostgresBillingStore::Open(uri));
  return Copy(from->database(), to->database(), BillingTables(), "");
}

}  // namespace ent::migrate
