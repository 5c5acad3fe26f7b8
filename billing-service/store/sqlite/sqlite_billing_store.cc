#include "billing-service/store/sqlite/sqlite_billing_store.h"

#include "billing-service/store/billing_records.h"
#include "billing-service/store/legacy_json_records.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace ent::billing {
namespace {

absl::Status ReencodeLegacyRecords(sqlite::Connection& conn) {
  ENT_RETURN_IF_ERROR(sqlite::RewriteRows(
      conn, "SELECT convention, body FROM conventions WHERE typeof(body) = 'text'", 1,
      "UPDATE conventions SET body = ?1 WHERE convention = ?2",
      [](const std::vector<std::string>& row) -> absl::StatusOr<std::string> {
        ENT_ASSIGN_OR_RETURN(BillableConvention c, DecodeLegacyConvention(row[1]));
        return EncodeConvention(c);
      }));
  // An issued titre never changes: its guard is lifted for this one rewrite
  // of the encoding (same content), inside the migration's transaction.
  ENT_RETURN_IF_ERROR(conn.Exec("DROP TRIGGER titres_no_update"));
  ENT_RETURN_IF_ERROR(sqlite::RewriteRows(
      conn,
      "SELECT CAST(year AS TEXT), CAST(sequence AS TEXT), body FROM titres "
      "WHERE typeof(body) = 'text'",
      2,
      "UPDATE titres SET body = ?1 WHERE year = CAST(?2 AS INTEGER) AND "
      "sequence = CAST(?3 AS INTEGER)",
      [](const std::vector<std::string>& row) -> absl::StatusOr<std::string> {
        Titre t;
        ENT_RETURN_IF_ERROR(DecodeLegacyTitreBody(row[2], t));
        return EncodeTitreBody(t);
      }));
  return conn.Exec(
      "CREATE TRIGGER titres_no_update BEFORE UPDATE ON titres "
      "BEGIN SELECT RAISE(ABORT, 'an issued titre never changes: use a correction'); END;");
}

const std::vector<sqlite::Migration>& Migrations() {
  static const auto* const migrations = new std::vector<sqlite::Migration>{R"sql(
CREATE TABLE tariffs (
  school_year      TEXT PRIMARY KEY,
  unit_price_cents INTEGER NOT NULL CHECK (unit_price_cents > 0),
  legal_basis      TEXT NOT NULL,
  vat_treatment    TEXT NOT NULL,
  version          INTEGER NOT NULL
) WITHOUT ROWID;

-- What convention-service told us, one row per convention.
CREATE TABLE conventions (
  convention    TEXT PRIMARY KEY,
  commune_insee TEXT NOT NULL,
  school_year   TEXT NOT NULL,
  body          TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX conventions_by_year ON conventions (school_year, convention);

CREATE TABLE notices (
  idempotency_key TEXT PRIMARY KEY,
  topic           TEXT NOT NULL,
  received_us     INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE numbering (
  year          INTEGER PRIMARY KEY,
  last_sequence INTEGER NOT NULL
);

CREATE TABLE titres (
  year          INTEGER NOT NULL,
  sequence      INTEGER NOT NULL CHECK (sequence > 0),
  convention    TEXT NOT NULL,
  school_year   TEXT NOT NULL,
  commune_insee TEXT NOT NULL,
  kind          INTEGER NOT NULL,
  total_cents   INTEGER NOT NULL CHECK (total_cents >= 0),
  body          TEXT NOT NULL,
  created_us    INTEGER NOT NULL,
  PRIMARY KEY (year, sequence)
) WITHOUT ROWID;
CREATE INDEX titres_by_convention ON titres (convention, school_year);
CREATE INDEX titres_by_commune ON titres (commune_insee, year, sequence);
CREATE TABLE titre_lines (
  year             INTEGER NOT NULL,
  sequence         INTEGER NOT NULL,
  position         INTEGER NOT NULL,
  uai              TEXT NOT NULL,
  name             TEXT NOT NULL,
  unit_price_cents INTEGER NOT NULL,
  amount_cents     INTEGER NOT NULL,
  PRIMARY KEY (year, sequence, position),
  FOREIGN KEY (year, sequence) REFERENCES titres (year, sequence)
) WITHOUT ROWID;
CREATE TABLE payments (
  id            INTEGER PRIMARY KEY,
  year          INTEGER NOT NULL,
  sequence      INTEGER NOT NULL,
  amount_cents  INTEGER NOT NULL CHECK (amount_cents > 0),
  received_date TEXT NOT NULL,
  reference     TEXT NOT NULL,
  created_us    INTEGER NOT NULL,
  FOREIGN KEY (year, sequence) REFERENCES titres (year, sequence)
);
CREATE INDEX payments_by_titre ON payments (year, sequence);
CREATE TABLE corrections (
  id            INTEGER PRIMARY KEY,
  year          INTEGER NOT NULL,
  sequence      INTEGER NOT NULL,
  kind          INTEGER NOT NULL,
  amount_cents  INTEGER NOT NULL CHECK (amount_cents >= 0),
  reason        TEXT NOT NULL,
  justification TEXT NOT NULL,
  date          TEXT NOT NULL,
  created_us    INTEGER NOT NULL,
  FOREIGN KEY (year, sequence) REFERENCES titres (year, sequence)
);
CREATE INDEX corrections_by_titre ON corrections (year, sequence);

-- An issued titre and its lines never change; payments and corrections are
-- documents of their own, never changed either.
CREATE TRIGGER titres_no_update BEFORE UPDATE ON titres
  BEGIN SELECT RAISE(ABORT, 'an issued titre never changes: use a correction'); END;
CREATE TRIGGER titres_no_delete BEFORE DELETE ON titres
  BEGIN SELECT RAISE(ABORT, 'an issued titre is never deleted: use an annulation'); END;
CREATE TRIGGER titre_lines_no_update BEFORE UPDATE ON titre_lines
  BEGIN SELECT RAISE(ABORT, 'an issued titre never changes'); END;
CREATE TRIGGER titre_lines_no_delete BEFORE DELETE ON titre_lines
  BEGIN SELECT RAISE(ABORT, 'an issued titre never changes'); END;
CREATE TRIGGER payments_no_update BEFORE UPDATE ON payments
  BEGIN SELECT RAISE(ABORT, 'payments are never changed'); END;
CREATE TRIGGER payments_no_delete BEFORE DELETE ON payments
  BEGIN SELECT RAISE(ABORT, 'payments are never deleted'); END;
CREATE TRIGGER corrections_no_update BEFORE UPDATE ON corrections
  BEGIN SELECT RAISE(ABORT, 'corrections are never changed'); END;
CREATE TRIGGER corrections_no_delete BEFORE DELETE ON corrections
  BEGIN SELECT RAISE(ABORT, 'corrections are never deleted'); END;
-- A tariff used by a titre is locked.
CREATE TRIGGER tariffs_locked BEFORE UPDATE ON tariffs
  WHEN EXISTS (SELECT 1 FROM titres WHERE school_year = OLD.school_year)
  BEGIN SELECT RAISE(ABORT, 'this tariff is used by an issued titre'); END;

CREATE TABLE request_log (
  request_id  TEXT PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  answer      TEXT NOT NULL,
  time_us     INTEGER NOT NULL
) WITHOUT ROWID;
)sql",
      // 2: retention (PruneBefore) by age.
      "CREATE INDEX request_log_by_time ON request_log (time_us);",
      // 3: records at rest become binary protobuf (records.proto); the JSON
      // rows of earlier releases are re-encoded once, here. Stored answers
      // of earlier releases are references, left as they are (text).
      sqlite::Migration(std::string(sqlite::kRecordFormatsTableSql) + R"sql(
INSERT INTO record_formats VALUES
  ('conventions', 'body', 'ent.billing.storage.v1.BillableConventionRecord'),
  ('titres', 'body', 'ent.billing.storage.v1.TitreBodyRecord'),
  ('request_log', 'answer', 'ent.billing.storage.v1.StoredAnswerRecord (text: a reference, release fbf17cd)');
)sql",
                        ReencodeLegacyRecords),
      // 4: the row the health probe rewrites (a durable write each interval).
      "CREATE TABLE health_probe (id INTEGER PRIMARY KEY CHECK (id = 1), at_us INTEGER NOT NULL);",
      // 5: amounts per school year kept as titres, payments and corrections
      // are inserted (they never change), so that metrics read a few rows.
      R"sql(
CREATE TABLE billing_totals (
  school_year     TEXT PRIMARY KEY,
  titres          INTEGER NOT NULL,
  issued_cents    INTEGER NOT NULL,
  paid_cents      INTEGER NOT NULL,
  corrected_cents INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO billing_totals SELECT school_year, count(*), sum(total_cents), 0, 0 FROM titres GROUP BY school_year;
UPDATE billing_totals SET
  paid_cents = COALESCE((SELECT sum(p.amount_cents) FROM payments p JOIN titres t
                         ON t.year = p.year AND t.sequence = p.sequence
                         WHERE t.school_year = billing_totals.school_year), 0),
  corrected_cents = COALESCE((SELECT sum(c.amount_cents) FROM corrections c JOIN titres t
                              ON t.year = c.year AND t.sequence = c.sequence
                              WHERE t.school_year = billing_totals.school_year), 0);
CREATE TRIGGER titres_totalled AFTER INSERT ON titres BEGIN
  INSERT INTO billing_totals VALUES (NEW.school_year, 1, NEW.total_cents, 0, 0)
    ON CONFLICT (school_year) DO UPDATE SET titres = titres + 1, issued_cents = issued_cents + NEW.total_cents;
END;
CREATE TRIGGER payments_totalled AFTER INSERT ON payments BEGIN
  UPDATE billing_totals SET paid_cents = paid_cents + NEW.amount_cents
    WHERE school_year = (SELECT school_year FROM titres WHERE year = NEW.year AND sequence = NEW.sequence);
END;
CREATE TRIGGER corrections_totalled AFTER INSERT ON corrections BEGIN
  UPDATE billing_totals SET corrected_cents = corrected_cents + NEW.amount_cents
    WHERE school_year = (SELECT school_year FROM titres WHERE year = NEW.year AND sequence = NEW.sequence);
END;
)sql",
      // 6: who recorded each payment and correction (AuthorRecord bytes;
      // empty in the rows of earlier releases).
      R"sql(
ALTER TABLE payments ADD COLUMN recorded_by BLOB NOT NULL DEFAULT x'';
ALTER TABLE corrections ADD COLUMN recorded_by BLOB NOT NULL DEFAULT x'';
INSERT INTO record_formats VALUES
  ('payments', 'recorded_by', 'ent.billing.storage.v1.AuthorRecord'),
  ('corrections', 'recorded_by', 'ent.billing.storage.v1.AuthorRecord');
)sql"};
  return *migrations;
}

// TitreAccount::state() in SQL, for the titre of the enclosing row of
// `titres` (the store filters on it; a test checks both agree).
constexpr char kTitreStateSql[] = R"sql((
  WITH paid AS (SELECT COALESCE(SUM(amount_cents), 0) AS cents FROM payments p
                WHERE p.year = titres.year AND p.sequence = titres.sequence),
       corrected AS (SELECT COALESCE(SUM(amount_cents), 0) AS cents, MAX(kind = 2) AS annulled
                     FROM corrections c
                     WHERE c.year = titres.year AND c.sequence = titres.sequence)
  SELECT CASE
    WHEN corrected.annulled THEN 5
    WHEN paid.cents > 0 AND titres.total_cents - corrected.cents - paid.cents = 0 THEN 3
    WHEN paid.cents > 0 THEN 2
    WHEN corrected.cents > 0 THEN 4
    ELSE 1 END
  FROM paid, corrected))sql";

class SqliteTx final : public BillingWriter {
 public:
  explicit SqliteTx(sqlite::Connection& conn) : conn_(conn) {}

  absl::StatusOr<std::optional<Tariff>> GetTariff(SchoolYear year) override {
    ENT_ASSIGN_OR_RETURN(auto stmt,
                         conn_.Prepare("SELECT unit_price_cents, legal_basis, vat_treatment, "
                                       "version, EXISTS (SELECT 1 FROM titres WHERE school_year "
                                       "= ?1) FROM tariffs WHERE school_year = ?1"));
    stmt.Bind(1, year.ToString());
    ENT_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return std::optional<Tariff>();
    return std::optional<Tariff>(Tariff{year, stmt.ColumnInt64(0), stmt.ColumnText(1),
                                        stmt.ColumnText(2), stmt.ColumnInt64(4) != 0,
                                        stmt.ColumnInt64(3)});
  }

  absl::StatusOr<std::optional<BillableConvention>> GetConvention(const std::string& name) override {
    ENT_ASSIGN_OR_RETURN(auto stmt,
                         conn_.Prepare("SELECT body FROM conventions WHERE convention = ?1"));
    stmt.Bind(1, name);
    ENT_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return std::optional<BillableConvention>();
    ENT_ASSIGN_OR_RETURN(BillableConvention c, DecodeConvention(stmt.ColumnText(0)));
    return std::optional<BillableConvention>(std::move(c));
  }

  absl::StatusOr<std::vector<BillableConvention>> ConventionsOfYear(SchoolYear year,
                                                                    const std::string& after,
                                                                    int limit) override {
    ENT_ASSIGN_OR_RETURN(auto stmt, conn_.Prepare("SELECT body FROM conventions WHERE "
                                                  "school_year = ?1 AND convention > ?2 "
                                                  "ORDER BY convention LIMIT ?3"));
    stmt.Bind(1, year.ToString()).Bind(2, after).Bind(3, static_cast<int64_t>(limit));
    std::vector<BillableConvention> out;
    while (true) {
      ENT_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      ENT_ASSIGN_OR_RETURN(BillableConvention c, DecodeConvention(stmt.ColumnText(0)));
      out.push_back(std::move(c));
    }
    return out;
  }

  absl::StatusOr<std::optional<TitreAccount>> GetTitre(int year, int64_t sequence) override {
    ENT_ASSIGN_OR_RETURN(auto titres, Titres("year = ?1 AND sequence = ?2", [&](sqlite::Statement& s) {
      s.Bind(1, static_cast<int64_t>(year)).Bind(2, sequence);
    }));
    if (titres.empty()) return std::optional<TitreAccount>();
    return std::optional<TitreAccount>(std::move(titres[0]));
  }

  absl::StatusOr<std::vector<TitreAccount>> TitresOf(const std::string& convention,
                                                     SchoolYear year) override {
    return Titres("convention = ?1 AND school_year = ?2", [&](sqlite::Statement& s) {
      s.Bind(1, convention).Bind(2, year.ToString());
    });
  }

  absl::StatusOr<std::vector<TitreAccount>> ListTitres(const TitreFilter& filter,
                                                       std::pair<int, int64_t> after,
                                                       int limit) override {
    std::string where = "(year, sequence) > (?1, ?2)";
    if (!filter.commune_insee.empty()) where += " AND commune_insee = ?3";
    if (filter.school_year) where += " AND school_year = ?4";
    if (filter.state) where += absl::StrCat(" AND ", kTitreStateSql, " = ?5");
    return Titres(
        where,
        [&](sqlite::Statement& s) {
          s.Bind(1, static_cast<int64_t>(after.first)).Bind(2, after.second);
          if (!filter.commune_insee.empty()) s.Bind(3, filter.commune_insee);
          if (filter.school_year) s.Bind(4, filter.school_year->ToString());
          if (filter.state) s.Bind(5, static_cast<int64_t>(*filter.state));
        },
        limit);
  }

  absl::StatusOr<std::vector<TitreAccount>> TitresOfCommune(const std::string& insee) override {
    return Titres("commune_insee = ?1", [&](sqlite::Statement& s) { s.Bind(1, insee); });
  }

  absl::StatusOr<std::vector<int64_t>> SequencesOf(int year) override {
    ENT_ASSIGN_OR_RETURN(auto stmt, conn_.Prepare("SELECT sequence FROM titres WHERE year = ?1 "
                                                  "ORDER BY sequence"));
    stmt.Bind(1, static_cast<int64_t>(year));
    std::vector<int64_t> out;
    while (true) {
      ENT_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      out.push_back(stmt.ColumnInt64(0));
    }
    return out;
  }

  absl::StatusOr<int64_t> LastSequence(int year) override {
    ENT_ASSIGN_OR_RETURN(auto stmt,
                         conn_.Prepare("SELECT last_sequence FROM numbering WHERE year = ?1"));
    stmt.Bind(1, static_cast<int64_t>(year));
    ENT_ASSIGN_OR_RETURN(bool row, stmt.Step());
    return row ? stmt.ColumnInt64(0) : 0;
  }

  absl::StatusOr<std::vector<SchoolYearTotals>> Totals() override {
    ENT_ASSIGN_OR_RETURN(auto stmt, conn_.Prepare("SELECT school_year, titres, issued_cents, "
                                                  "paid_cents, corrected_cents FROM billing_totals "
                                                  "ORDER BY school_year"));
    std::vector<SchoolYearTotals> out;
    while (true) {
      ENT_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) return out;
      out.push_back({stmt.ColumnText(0), stmt.ColumnInt64(1), stmt.ColumnInt64(2),
                     stmt.ColumnInt64(3), stmt.ColumnInt64(4)});
    }
  }

  absl::Status PutTariff(const Tariff& t) override {
    const bool insert = t.version == 1;
    ENT_ASSIGN_OR_RETURN(
        auto stmt,
        conn_.Prepare(insert ? "INSERT INTO tariffs (school_year, unit_price_cents, legal_basis, "
                               "vat_treatment, version) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT "
                               "(school_year) DO NOTHING"
                             : "UPDATE tariffs SET unit_price_cents = ?2, legal_basis = ?3, "
                               "vat_treatment = ?4, version = ?5 WHERE school_year = ?1 AND "
                               "version = ?5 - 1"));
    stmt.Bind(1, t.school_year.ToString())
        .Bind(2, t.unit_price_cents)
        .Bind(3, t.legal_basis)
        .Bind(4, t.vat_treatment)
        .Bind(5, t.version);
    ENT_RETURN_IF_ERROR(stmt.Run());
    if (conn_.Changes() != 1) {
      return absl::AbortedError(absl::StrCat("the tariff of ", t.school_year.ToString(),
                                             " was changed concurrently: retry"));
    }
    return absl::OkStatus();
  }

  // One writer: the transaction already excludes every other writer.
  absl::Status LockConvention(const std::string&) override { return absl::OkStatus(); }
  absl::Status LockTitre(int, int64_t) override { return absl::OkStatus(); }

  absl::Status PutConvention(const BillableConvention& c) override {
    ENT_ASSIGN_OR_RETURN(auto stmt,
                         conn_.Prepare("INSERT OR REPLACE INTO conventions (convention, "
                                       "commune_insee, school_year, body) VALUES (?1, ?2, ?3, ?4)"));
    stmt.Bind(1, c.convention)
        .Bind(2, c.debtor.insee_code)
        .Bind(3, c.school_year.ToString())
        .BindBlob(4, EncodeConvention(c));
    return stmt.Run();
  }

  absl::StatusOr<int64_t> TakeSequence(int year) override {
    ENT_ASSIGN_OR_RETURN(
        auto stmt,
        conn_.Prepare("INSERT INTO numbering (year, last_sequence) VALUES (?1, 1) ON CONFLICT "
                      "(year) DO UPDATE SET last_sequence = last_sequence + 1 "
                      "RETURNING last_sequence"));
    stmt.Bind(1, static_cast<int64_t>(year));
    ENT_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return absl::InternalError("numbering returned no row");
    const int64_t sequence = stmt.ColumnInt64(0);
    ENT_RETURN_IF_ERROR(stmt.Run());
    return sequence;
  }

  absl::Status InsertTitre(const Titre& t) override {
    ENT_ASSIGN_OR_RETURN(
        auto stmt,
        conn_.Prepare("INSERT INTO titres (year, sequence, convention, school_year, "
                      "commune_insee, kind, total_cents, body, created_us) "
                      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"));
    stmt.Bind(1, static_cast<int64_t>(t.year))
        .Bind(2, t.sequence)
        .Bind(3, t.convention)
        .Bind(4, t.school_year.ToString())
        .Bind(5, t.debtor.insee_code)
        .Bind(6, static_cast<int64_t>(t.kind))
        .Bind(7, t.total_cents)
        .BindBlob(8, EncodeTitreBody(t))
        .Bind(9, absl::ToUnixMicros(t.create_time));
    ENT_RETURN_IF_ERROR(stmt.Run());
    for (size_t i = 0; i < t.lines.size(); ++i) {
      const TitreLine& l = t.lines[i];
      ENT_ASSIGN_OR_RETURN(
          auto line, conn_.Prepare("INSERT INTO titre_lines (year, sequence, position, uai, name, "
                                   "unit_price_cents, amount_cents) "
                                   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
      line.Bind(1, static_cast<int64_t>(t.year))
          .Bind(2, t.sequence)
          .Bind(3, static_cast<int64_t>(i + 1))
          .Bind(4, l.uai)
          .Bind(5, l.name)
          .Bind(6, l.unit_price_cents)
          .Bind(7, l.amount_cents);
      ENT_RETURN_IF_ERROR(line.Run());
    }
    return absl::OkStatus();
  }

  absl::StatusOr<int64_t> InsertPayment(int year, int64_t sequence, const Payment& p,
                                        absl::Time now) override {
    ENT_ASSIGN_OR_RETURN(
        auto stmt, conn_.Prepare("INSERT INTO payments (year, sequence, amount_cents, "
                                 "received_date, reference, created_us, recorded_by) "
                                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
    stmt.Bind(1, static_cast<int64_t>(year))
        .Bind(2, sequence)
        .Bind(3, p.amount_cents)
        .Bind(4, FormatIsoDate(p.received_date))
        .Bind(5, p.reference)
        .Bind(6, absl::ToUnixMicros(now))
        .BindBlob(7, EncodeAuthor(p.recorded_by));
    ENT_RETURN_IF_ERROR(stmt.Run());
    return conn_.LastInsertRowId();
  }

  absl::StatusOr<int64_t> InsertCorrection(int year, int64_t sequence, const Correction& c,
                                           absl::Time now) override {
    ENT_ASSIGN_OR_RETURN(
        auto stmt, conn_.Prepare("INSERT INTO corrections (year, sequence, kind, amount_cents, "
                                 "reason, justification, date, created_us, recorded_by) "
                                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"));
    stmt.Bind(1, static_cast<int64_t>(year))
        .Bind(2, sequence)
        .Bind(3, static_cast<int64_t>(c.kind))
        .Bind(4, c.amount_cents)
        .Bind(5, c.reason)
        .Bind(6, c.justification)
        .Bind(7, FormatIsoDate(c.date))
        .Bind(8, absl::ToUnixMicros(now))
        .BindBlob(9, EncodeAuthor(c.recorded_by));
    ENT_RETURN_IF_ERROR(stmt.Run());
    return conn_.LastInsertRowId();
  }

  absl::StatusOr<bool> RecordNotice(const std::string& key, const std::string& topic,
                                    absl::Time now) override {
    ENT_ASSIGN_OR_RETURN(auto stmt,
                         conn_.Prepare("INSERT INTO notices (idempotency_key, topic, received_us) "
                                       "VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING"));
    stmt.Bind(1, key).Bind(2, topic).Bind(3, absl::ToUnixMicros(now));
    ENT_RETURN_IF_ERROR(stmt.Run());
    return conn_.Changes() == 1;
  }

  absl::StatusOr<std::optional<RequestRecord>> FindRequest(const std::string& id) override {
    ENT_ASSIGN_OR_RETURN(auto stmt, conn_.Prepare("SELECT fingerprint, answer, "
                                                  "typeof(answer) = 'text' FROM request_log "
                                                  "WHERE request_id = ?1"));
    stmt.Bind(1, id);
    ENT_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return std::optional<RequestRecord>();
    return std::optional<RequestRecord>(
        RequestRecord{id, stmt.ColumnText(0), stmt.ColumnText(1), stmt.ColumnInt64(2) != 0});
  }

  absl::Status SaveRequest(const RequestRecord& r, absl::Time now) override {
    ENT_ASSIGN_OR_RETURN(auto stmt,
                         conn_.Prepare("INSERT INTO request_log (request_id, fingerprint, answer, "
                                       "time_us) VALUES (?1, ?2, ?3, ?4)"));
    stmt.Bind(1, r.request_id).Bind(2, r.fingerprint).Bind(4, absl::ToUnixMicros(now));
    if (r.legacy) {
      stmt.Bind(3, r.answer);
    } else {
      stmt.BindBlob(3, r.answer);
    }
    return stmt.Run();
  }

  absl::StatusOr<int64_t> PruneBefore(absl::Time cutoff, int limit) override {
    ENT_ASSIGN_OR_RETURN(auto stmt, conn_.Prepare("DELETE FROM request_log WHERE request_id IN "
                                                  "(SELECT request_id FROM request_log WHERE "
                                                  "time_us < ?1 LIMIT ?2)"));
    stmt.Bind(1, absl::ToUnixMicros(cutoff)).Bind(2, static_cast<int64_t>(limit));
    ENT_RETURN_IF_ERROR(stmt.Run());
    return static_cast<int64_t>(conn_.Changes());
  }

 private:
  // Titres matching `where` (parameters bound by `bind`), with lines,
  // payments and corrections, by number.
  // Titres matching `where` (bound by `bind`), by number, at most `limit`
  // (-1: all, SQLite's LIMIT -1), with their lines, payments and corrections.
  absl::StatusOr<std::vector<TitreAccount>> Titres(
      const std::string& where, const std::function<void(sqlite::Statement&)>& bind,
      int limit = -1) {
    ENT_ASSIGN_OR_RETURN(
        auto stmt, conn_.Prepare(absl::StrCat("SELECT year, sequence, total_cents, body, created_us "
                                              "FROM titres WHERE ",
                                              where, " ORDER BY year, sequence LIMIT ?9")));
    bind(stmt);
    stmt.Bind(9, static_cast<int64_t>(limit));
    std::vector<TitreAccount> out;
    while (true) {
      ENT_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      TitreAccount a;
      Titre& t = a.titre;
      t.year = static_cast<int>(stmt.ColumnInt64(0));
      t.sequence = stmt.ColumnInt64(1);
      t.total_cents = stmt.ColumnInt64(2);
      t.create_time = absl::FromUnixMicros(stmt.ColumnInt64(4));
      ENT_RETURN_IF_ERROR(DecodeTitreBody(stmt.ColumnText(3), t));
      out.push_back(std::move(a));
    }
    for (TitreAccount& a : out) ENT_RETURN_IF_ERROR(LoadDetails(a));
    return out;
  }

  absl::Status LoadDetails(TitreAccount& a) {
    const int64_t year = a.titre.year;
    const int64_t seq = a.titre.sequence;
    {
      ENT_ASSIGN_OR_RETURN(auto stmt, conn_.Prepare("SELECT uai, name, unit_price_cents, "
                                                    "amount_cents FROM titre_lines WHERE year = "
                                                    "?1 AND sequence = ?2 ORDER BY position"));
      stmt.Bind(1, year).Bind(2, seq);
      while (true) {
        ENT_ASSIGN_OR_RETURN(bool row, stmt.Step());
        if (!row) break;
        a.titre.lines.push_back(
            {stmt.ColumnText(0), stmt.ColumnText(1), stmt.ColumnInt64(2), stmt.ColumnInt64(3)});
      }
    }
    {
      ENT_ASSIGN_OR_RETURN(auto stmt, conn_.Prepare("SELECT id, amount_cents, received_date, "
                                                    "reference, recorded_by FROM payments WHERE "
                                                    "year = ?1 AND sequence = ?2 ORDER BY id"));
      stmt.Bind(1, year).Bind(2, seq);
      while (true) {
        ENT_ASSIGN_OR_RETURN(bool row, stmt.Step());
        if (!row) break;
        ENT_ASSIGN_OR_RETURN(Author by, DecodeAuthor(stmt.ColumnText(4)));
        a.payments.push_back({stmt.ColumnInt64(0), stmt.ColumnInt64(1),
                              ParseIsoDate(stmt.ColumnText(2)).value_or(CivilDate()),
                              stmt.ColumnText(3), std::move(by)});
      }
    }
    {
      ENT_ASSIGN_OR_RETURN(auto stmt, conn_.Prepare("SELECT id, kind, amount_cents, reason, "
                                                    "justification, date, recorded_by FROM "
                                                    "corrections WHERE year = ?1 AND sequence = ?2 "
                                                    "ORDER BY id"));
      stmt.Bind(1, year).Bind(2, seq);
      while (true) {
        ENT_ASSIGN_OR_RETURN(bool row, stmt.Step());
        if (!row) break;
        ENT_ASSIGN_OR_RETURN(Author by, DecodeAuthor(stmt.ColumnText(6)));
        a.corrections.push_back({stmt.ColumnInt64(0),
                                 static_cast<CorrectionKind>(stmt.ColumnInt64(1)),
                                 stmt.ColumnInt64(2), stmt.ColumnText(3), stmt.ColumnText(4),
                                 ParseIsoDate(stmt.ColumnText(5)).value_or(CivilDate()),
                                 std::move(by)});
      }
    }
    return absl::OkStatus();
  }

  sqlite::Connection& conn_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteBillingStore>> SqliteBillingStore::Open(const std::string& path) {
  sqlite::Database::Options options;
  options.path = path;
  options.migrations = Migrations();
  ENT_ASSIGN_OR_RETURN(auto db, sqlite::Database::Open(std::move(options)));
  return std::unique_ptr<SqliteBillingStore>(new SqliteBillingStore(std::move(db)));
}

void SqliteBillingStore::Write(std::function<absl::Status(BillingWriter&)> work,
                               std::function<void(absl::Status)> done, absl::Time /*deadline*/) {
  // One process, a local file: no wait here is long enough to need one.
  db_->Write(
      [work = std::move(work)](sqlite::Connection& conn) {
        SqliteTx tx(conn);
        return work(tx);
      },
      std::move(done));
}

void SqliteBillingStore::Read(const std::function<void(BillingReader&)>& work) {
  db_->ReadNow([&work](sqlite::Connection& conn) {
    SqliteTx tx(conn);
    work(tx);
  });
}

void SqliteBillingStore::ReadAsync(std::function<void(BillingReader&)> work) {
  db_->ReadAsync([work = std::move(work)](sqlite::Connection& conn) {
    SqliteTx tx(conn);
    work(tx);
  });
}

}  // namespace ent::billing
