#include "billing-service/store/postgres/postgres_billing_store.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_cat.h"
#include "billing-service/store/billing_records.h"
#include "common/status_macros.h"

namespace ent::billing {
namespace {

// billing_totals folded into one row per school year. One statement: it
// takes the rows committed before it; amounts appended meanwhile stay as they
// are, summed with the rest by Totals; a concurrent fold skips the rows this
// one deleted.
constexpr char kFoldTotalsSql[] =
    "WITH gone AS (DELETE FROM billing_totals RETURNING *) INSERT INTO billing_totals "
    "SELECT school_year, sum(titres), sum(issued_cents), sum(paid_cents), sum(corrected_cents) FROM gone "
    "GROUP BY school_year";


using postgres::Params;
using postgres::Result;

// The migrations of sqlite_billing_store.cc, one for one, in PostgreSQL's
// dialect (instants in microseconds since the epoch, bodies as bytea).
const std::vector<postgres::Migration>& Migrations() {
  static const auto* const migrations = new std::vector<postgres::Migration>{
      std::string(postgres::kRefuseChangeFunctionSql) + R"sql(
CREATE TABLE tariffs (
  school_year      TEXT PRIMARY KEY,
  unit_price_cents BIGINT NOT NULL CHECK (unit_price_cents > 0),
  legal_basis      TEXT NOT NULL,
  vat_treatment    TEXT NOT NULL,
  version          BIGINT NOT NULL
);
CREATE TABLE conventions (
  convention    TEXT PRIMARY KEY,
  commune_insee TEXT NOT NULL,
  school_year   TEXT NOT NULL,
  body          BYTEA NOT NULL
);
CREATE INDEX conventions_by_year ON conventions (school_year, convention);
CREATE TABLE notices (
  idempotency_key TEXT PRIMARY KEY,
  topic           TEXT NOT NULL,
  received_us     BIGINT NOT NULL
);
CREATE TABLE numbering (
  year          INTEGER PRIMARY KEY,
  last_sequence BIGINT NOT NULL
);
CREATE TABLE titres (
  year          INTEGER NOT NULL,
  sequence      BIGINT NOT NULL CHECK (sequence > 0),
  convention    TEXT NOT NULL,
  school_year   TEXT NOT NULL,
  commune_insee TEXT NOT NULL,
  kind          INTEGER NOT NULL,
  total_cents   BIGINT NOT NULL CHECK (total_cents >= 0),
  body          BYTEA NOT NULL,
  created_us    BIGINT NOT NULL,
  PRIMARY KEY (year, sequence)
);
CREATE INDEX titres_by_convention ON titres (convention, school_year);
CREATE INDEX titres_by_commune ON titres (commune_insee, year, sequence);
CREATE TABLE titre_lines (
  year             INTEGER NOT NULL,
  sequence         BIGINT NOT NULL,
  position         INTEGER NOT NULL,
  uai              TEXT NOT NULL,
  name             TEXT NOT NULL,
  unit_price_cents BIGINT NOT NULL,
  amount_cents     BIGINT NOT NULL,
  PRIMARY KEY (year, sequence, position),
  FOREIGN KEY (year, sequence) REFERENCES titres (year, sequence)
);
CREATE TABLE payments (
  id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  year          INTEGER NOT NULL,
  sequence      BIGINT NOT NULL,
  amount_cents  BIGINT NOT NULL CHECK (amount_cents > 0),
  received_date TEXT NOT NULL,
  reference     TEXT NOT NULL,
  created_us    BIGINT NOT NULL,
  FOREIGN KEY (year, sequence) REFERENCES titres (year, sequence)
);
CREATE INDEX payments_by_titre ON payments (year, sequence);
CREATE TABLE corrections (
  id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  year          INTEGER NOT NULL,
  sequence      BIGINT NOT NULL,
  kind          INTEGER NOT NULL,
  amount_cents  BIGINT NOT NULL CHECK (amount_cents >= 0),
  reason        TEXT NOT NULL,
  justification TEXT NOT NULL,
  date          TEXT NOT NULL,
  created_us    BIGINT NOT NULL,
  FOREIGN KEY (year, sequence) REFERENCES titres (year, sequence)
);
CREATE INDEX corrections_by_titre ON corrections (year, sequence);

-- An issued titre and its lines never change; payments and corrections are
-- documents of their own, never changed either (refuse_change: created first).
CREATE TRIGGER titres_no_update BEFORE UPDATE ON titres FOR EACH ROW
  EXECUTE FUNCTION refuse_change('an issued titre never changes: use a correction');
CREATE TRIGGER titres_no_delete BEFORE DELETE ON titres FOR EACH ROW
  EXECUTE FUNCTION refuse_change('an issued titre is never deleted: use an annulation');
CREATE TRIGGER titre_lines_no_change BEFORE UPDATE OR DELETE ON titre_lines FOR EACH ROW
  EXECUTE FUNCTION refuse_change('an issued titre never changes');
CREATE TRIGGER payments_no_change BEFORE UPDATE OR DELETE ON payments FOR EACH ROW
  EXECUTE FUNCTION refuse_change('payments are never changed or deleted');
CREATE TRIGGER corrections_no_change BEFORE UPDATE OR DELETE ON corrections FOR EACH ROW
  EXECUTE FUNCTION refuse_change('corrections are never changed or deleted');
CREATE TRIGGER append_only_no_truncate BEFORE TRUNCATE ON titres FOR EACH STATEMENT
  EXECUTE FUNCTION refuse_change('an issued titre is never deleted');
-- A tariff used by a titre is locked.
CREATE FUNCTION tariff_locked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM titres WHERE school_year = OLD.school_year) THEN
    RAISE EXCEPTION 'this tariff is used by an issued titre';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER tariffs_locked BEFORE UPDATE ON tariffs FOR EACH ROW EXECUTE FUNCTION tariff_locked();

CREATE TABLE request_log (
  request_id  TEXT PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  answer      BYTEA NOT NULL,
  legacy      BOOLEAN NOT NULL DEFAULT false,  -- a reference (release fbf17cd), migrated from SQLite
  time_us     BIGINT NOT NULL
);
)sql",
      // 2: retention (PruneBefore) by age.
      "CREATE INDEX request_log_by_time ON request_log (time_us);",
      // 3: what each bytes column holds.
      std::string(postgres::kRecordFormatsTableSql) + R"sql(
INSERT INTO record_formats VALUES
  ('conventions', 'body', 'ent.billing.storage.v1.BillableConventionRecord'),
  ('titres', 'body', 'ent.billing.storage.v1.TitreBodyRecord'),
  ('request_log', 'answer', 'ent.billing.storage.v1.StoredAnswerRecord (legacy: a reference, release fbf17cd)');
)sql",
      // 4: the row the health probe rewrites.
      "CREATE TABLE health_probe (id INTEGER PRIMARY KEY CHECK (id = 1), at_us BIGINT NOT NULL);",
      // 5: amounts per school year, kept as titres, payments and corrections
      // are inserted: each appends its amounts (no row every writer updates,
      // which would serialize them until commit); a year's totals are the
      // sums of its rows, folded into one row per year by retention
      // (kFoldTotalsSql).
      R"sql(
CREATE TABLE billing_totals (
  school_year     TEXT NOT NULL,
  titres          BIGINT NOT NULL,
  issued_cents    BIGINT NOT NULL,
  paid_cents      BIGINT NOT NULL,
  corrected_cents BIGINT NOT NULL
);
CREATE INDEX billing_totals_by_year ON billing_totals (school_year);
CREATE FUNCTION titres_totalled() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO billing_totals VALUES (NEW.school_year, 1, NEW.total_cents, 0, 0);
  RETURN NULL;
END $$;
CREATE TRIGGER titres_totalled AFTER INSERT ON titres FOR EACH ROW EXECUTE FUNCTION titres_totalled();
CREATE FUNCTION payments_totalled() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO billing_totals SELECT school_year, 0, 0, NEW.amount_cents, 0 FROM titres
    WHERE year = NEW.year AND sequence = NEW.sequence;
  RETURN NULL;
END $$;
CREATE TRIGGER payments_totalled AFTER INSERT ON payments FOR EACH ROW EXECUTE FUNCTION payments_totalled();
CREATE FUNCTION corrections_totalled() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO billing_totals SELECT school_year, 0, 0, 0, NEW.amount_cents FROM titres
    WHERE year = NEW.year AND sequence = NEW.sequence;
  RETURN NULL;
END $$;
CREATE TRIGGER corrections_totalled AFTER INSERT ON corrections FOR EACH ROW
  EXECUTE FUNCTION corrections_totalled();
)sql",
      // 6 (PostgreSQL only): a tariff change that waited for a titre issued
      // at that tariff (GetTariff's share lock) is refused as the service
      // refuses it, FAILED_PRECONDITION (ent_expect_rows' SQLSTATE EN412).
      R"sql(
CREATE OR REPLACE FUNCTION tariff_locked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM titres WHERE school_year = OLD.school_year) THEN
    RAISE EXCEPTION USING ERRCODE = 'EN412', MESSAGE =
      'the tariff of ' || OLD.school_year || ' is used by an issued titre and can no longer change';
  END IF;
  RETURN NEW;
END $$;
)sql",
      // 7: who recorded each payment and correction (AuthorRecord bytes;
      // empty in the rows of earlier releases).
      R"sql(
ALTER TABLE payments ADD COLUMN recorded_by BYTEA NOT NULL DEFAULT ''::bytea;
ALTER TABLE corrections ADD COLUMN recorded_by BYTEA NOT NULL DEFAULT ''::bytea;
INSERT INTO record_formats VALUES
  ('payments', 'recorded_by', 'ent.billing.storage.v1.AuthorRecord'),
  ('corrections', 'recorded_by', 'ent.billing.storage.v1.AuthorRecord');
)sql"};
  return *migrations;
}

// TitreAccount::state() in SQL, for the titre of the enclosing row of
// `titres` (as sqlite_billing_store.cc; the conformance suite checks both).
constexpr char kTitreStateSql[] = R"sql((
  WITH paid AS (SELECT COALESCE(SUM(amount_cents), 0) AS cents FROM payments p
                WHERE p.year = titres.year AND p.sequence = titres.sequence),
       corrected AS (SELECT COALESCE(SUM(amount_cents), 0) AS cents,
                            COALESCE(bool_or(kind = 2), false) AS annulled
                     FROM corrections c
                     WHERE c.year = titres.year AND c.sequence = titres.sequence)
  SELECT CASE
    WHEN corrected.annulled THEN 5
    WHEN paid.cents > 0 AND titres.total_cents - corrected.cents - paid.cents = 0 THEN 3
    WHEN paid.cents > 0 THEN 2
    WHEN corrected.cents > 0 THEN 4
    ELSE 1 END
  FROM paid, corrected))sql";

// A statement's WHERE clause and its parameters, numbered as they are added.
struct Where {
  std::string sql;
  Params params;
  // Appends "AND <left> <op> $n" (the first without AND).
  void Add(const std::string& left, const std::string& op, Params& (Params::*set)(std::string),
           std::string value) {
    (params.*set)(std::move(value));
    absl::StrAppend(&sql, sql.empty() ? "" : " AND ", left, " ", op, " $", params.size());
  }
};

class PgTx final : public BillingWriter {
 public:
  // `writable`: in a write transaction (where GetTariff locks what it reads).
  PgTx(postgres::Connection& conn, bool writable) : conn_(conn), writable_(writable) {}

  absl::StatusOr<std::optional<Tariff>> GetTariff(SchoolYear year) override {
    // In a write transaction the tariff row is share-locked until the end:
    // a titre priced at it commits before the tariff can change (PutTariff's
    // UPDATE waits, then its trigger sees the titre), or waits for a change
    // under way and reads the tariff as changed.
    ENT_ASSIGN_OR_RETURN(
        Result r, conn_.Query(absl::StrCat("SELECT unit_price_cents, legal_basis, vat_treatment, version, "
                                           "EXISTS (SELECT 1 FROM titres WHERE school_year = $1) "
                                           "FROM tariffs WHERE school_year = $1",
                                           writable_ ? " FOR SHARE OF tariffs" : ""),
                              Params().Text(year.ToString())));
    if (r.rows() == 0) return std::optional<Tariff>();
    return std::optional<Tariff>(
        Tariff{year, r.Int(0, 0), r.Text(0, 1), r.Text(0, 2), r.Bool(0, 4), r.Int(0, 3)});
  }

  absl::StatusOr<std::optional<BillableConvention>> GetConvention(const std::string& name) override {
    ENT_ASSIGN_OR_RETURN(Result r, conn_.Query("SELECT body FROM conventions WHERE convention = $1",
                                               Params().Text(name)));
    if (r.rows() == 0) return std::optional<BillableConvention>();
    ENT_ASSIGN_OR_RETURN(BillableConvention c, DecodeConvention(r.Bytes(0, 0)));
    return std::optional<BillableConvention>(std::move(c));
  }

  absl::StatusOr<std::vector<BillableConvention>> ConventionsOfYear(SchoolYear year,
                                                                    const std::string& after,
                                                                    int limit) override {
    ENT_ASSIGN_OR_RETURN(
        Result r, conn_.Query("SELECT body FROM conventions WHERE school_year = $1 AND "
                              "convention > $2 ORDER BY convention LIMIT $3",
                              Params().Text(year.ToString()).Text(after).Int(limit)));
    std::vector<BillableConvention> out;
    for (int i = 0; i < r.rows(); ++i) {
      ENT_ASSIGN_OR_RETURN(BillableConvention c, DecodeConvention(r.Bytes(i, 0)));
      out.push_back(std::move(c));
    }
    return out;
  }

  absl::StatusOr<std::optional<TitreAccount>> GetTitre(int year, int64_t sequence) override {
    Where w;
    w.Add("year", "=", &Params::Text, absl::StrCat(year));
    w.Add("sequence", "=", &Params::Text, absl::StrCat(sequence));
    ENT_ASSIGN_OR_RETURN(auto titres, Titres(w));
    if (titres.empty()) return std::optional<TitreAccount>();
    return std::optional<TitreAccount>(std::move(titres[0]));
  }

  absl::StatusOr<std::vector<TitreAccount>> TitresOf(const std::string& convention,
                                                     SchoolYear year) override {
    Where w;
    w.Add("convention", "=", &Params::Text, convention);
    w.Add("school_year", "=", &Params::Text, year.ToString());
    return Titres(w);
  }

  absl::StatusOr<std::vector<TitreAccount>> ListTitres(const TitreFilter& filter,
                                                       std::pair<int, int64_t> after,
                                                       int limit) override {
    Where w;
    w.params.Int(after.first).Int(after.second);
    w.sql = "(year, sequence) > ($1::integer, $2::bigint)";
    if (!filter.commune_insee.empty()) w.Add("commune_insee", "=", &Params::Text, filter.commune_insee);
    if (filter.school_year) w.Add("school_year", "=", &Params::Text, filter.school_year->ToString());
    if (filter.state) {
      w.Add(kTitreStateSql, "=", &Params::Text, absl::StrCat(static_cast<int>(*filter.state)));
    }
    return Titres(w, limit);
  }

  absl::StatusOr<std::vector<TitreAccount>> TitresOfCommune(const std::string& insee) override {
    Where w;
    w.Add("commune_insee", "=", &Params::Text, insee);
    return Titres(w);
  }

  absl::StatusOr<std::vector<int64_t>> SequencesOf(int year) override {
    ENT_ASSIGN_OR_RETURN(Result r, conn_.Query("SELECT sequence FROM titres WHERE year = $1 "
                                               "ORDER BY sequence",
                                               Params().Int(year)));
    std::vector<int64_t> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(r.Int(i, 0));
    return out;
  }

  absl::StatusOr<int64_t> LastSequence(int year) override {
    ENT_ASSIGN_OR_RETURN(Result r, conn_.Query("SELECT last_sequence FROM numbering WHERE year = $1",
                                               Params().Int(year)));
    return r.rows() == 0 ? 0 : r.Int(0, 0);
  }

  absl::StatusOr<std::vector<SchoolYearTotals>> Totals() override {
    ENT_ASSIGN_OR_RETURN(Result r, conn_.Query("SELECT school_year, sum(titres), sum(issued_cents), "
                                               "sum(paid_cents), sum(corrected_cents) FROM billing_totals "
                                               "GROUP BY school_year ORDER BY school_year"));
    std::vector<SchoolYearTotals> out;
    for (int i = 0; i < r.rows(); ++i) {
      out.push_back({r.Text(i, 0), r.Int(i, 1), r.Int(i, 2), r.Int(i, 3), r.Int(i, 4)});
    }
    return out;
  }

  absl::Status PutTariff(const Tariff& t) override {
    static const std::string kInsert = postgres::ExpectRowsSql(
        "INSERT INTO tariffs (school_year, unit_price_cents, legal_basis, vat_treatment, version) "
        "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (school_year) DO NOTHING",
        1, 6, absl::StatusCode::kAborted);
    static const std::string kUpdate = postgres::ExpectRowsSql(
        "UPDATE tariffs SET unit_price_cents = $2, legal_basis = $3, vat_treatment = $4, version = $5 "
        "WHERE school_year = $1 AND version = $5::bigint - 1",
        1, 6, absl::StatusCode::kAborted);
    // Sent with the next statement; the server checks the version.
    conn_.Defer(t.version == 1 ? kInsert : kUpdate,
                Params()
                    .Text(t.school_year.ToString())
                    .Int(t.unit_price_cents)
                    .Text(t.legal_basis)
                    .Text(t.vat_treatment)
                    .Int(t.version)
                    .Text(absl::StrCat("the tariff of ", t.school_year.ToString(),
                                       " was changed concurrently: retry")));
    return absl::OkStatus();
  }

  absl::Status LockConvention(const std::string& convention) override {
    return Lock(absl::StrCat("billing.convention:", convention));
  }
  absl::Status LockTitre(int year, int64_t sequence) override {
    return Lock(absl::StrCat("billing.titre:", year, "/", sequence));
  }

  absl::Status PutConvention(const BillableConvention& c) override {
    conn_.Defer("INSERT INTO conventions (convention, commune_insee, school_year, body) "
                "VALUES ($1, $2, $3, $4) ON CONFLICT (convention) DO UPDATE SET "
                "commune_insee = EXCLUDED.commune_insee, school_year = EXCLUDED.school_year, "
                "body = EXCLUDED.body",
                Params()
                    .Text(c.convention)
                    .Text(c.debtor.insee_code)
                    .Text(c.school_year.ToString())
                    .Bytes(EncodeConvention(c)));
    return absl::OkStatus();
  }

  absl::StatusOr<int64_t> TakeSequence(int year) override {
    // The counter row stays locked until this transaction ends.
    ENT_ASSIGN_OR_RETURN(
        Result r, conn_.Query("INSERT INTO numbering (year, last_sequence) VALUES ($1, 1) "
                              "ON CONFLICT (year) DO UPDATE SET last_sequence = "
                              "numbering.last_sequence + 1 RETURNING last_sequence",
                              Params().Int(year)));
    if (r.rows() != 1) return absl::InternalError("numbering returned no row");
    return r.Int(0, 0);
  }

  absl::Status InsertTitre(const Titre& t) override {
    // Deferred, the titre and its lines: sent with the next statement.
    conn_.Defer("INSERT INTO titres (year, sequence, convention, school_year, commune_insee, kind, "
                "total_cents, body, created_us) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                Params()
                    .Int(t.year)
                    .Int(t.sequence)
                    .Text(t.convention)
                    .Text(t.school_year.ToString())
                    .Text(t.debtor.insee_code)
                    .Int(static_cast<int64_t>(t.kind))
                    .Int(t.total_cents)
                    .Bytes(EncodeTitreBody(t))
                    .Int(absl::ToUnixMicros(t.create_time)));
    for (size_t i = 0; i < t.lines.size(); ++i) {
      const TitreLine& l = t.lines[i];
      conn_.Defer("INSERT INTO titre_lines (year, sequence, position, uai, name, unit_price_cents, "
                  "amount_cents) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                  Params()
                      .Int(t.year)
                      .Int(t.sequence)
                      .Int(static_cast<int64_t>(i + 1))
                      .Text(l.uai)
                      .Text(l.name)
                      .Int(l.unit_price_cents)
                      .Int(l.amount_cents));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<int64_t> InsertPayment(int year, int64_t sequence, const Payment& p,
                                        absl::Time now) override {
    ENT_ASSIGN_OR_RETURN(Result r, conn_.Query("INSERT INTO payments (year, sequence, amount_cents, "
                                               "received_date, reference, created_us, recorded_by) "
                                               "VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                                               Params()
                                                   .Int(year)
                                                   .Int(sequence)
                                                   .Int(p.amount_cents)
                                                   .Text(FormatIsoDate(p.received_date))
                                                   .Text(p.reference)
                                                   .Int(absl::ToUnixMicros(now))
                                                   .Bytes(EncodeAuthor(p.recorded_by))));
    return r.Int(0, 0);
  }

  absl::StatusOr<int64_t> InsertCorrection(int year, int64_t sequence, const Correction& c,
                                           absl::Time now) override {
    ENT_ASSIGN_OR_RETURN(Result r,
                         conn_.Query("INSERT INTO corrections (year, sequence, kind, amount_cents, "
                                     "reason, justification, date, created_us, recorded_by) "
                                     "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                                     Params()
                                         .Int(year)
                                         .Int(sequence)
                                         .Int(static_cast<int64_t>(c.kind))
                                         .Int(c.amount_cents)
                                         .Text(c.reason)
                                         .Text(c.justification)
                                         .Text(FormatIsoDate(c.date))
                                         .Int(absl::ToUnixMicros(now))
                                         .Bytes(EncodeAuthor(c.recorded_by))));
    return r.Int(0, 0);
  }

  absl::StatusOr<bool> RecordNotice(const std::string& key, const std::string& topic,
                                    absl::Time now) override {
    ENT_ASSIGN_OR_RETURN(Result r, conn_.Query("INSERT INTO notices (idempotency_key, topic, "
                                               "received_us) VALUES ($1, $2, $3) "
                                               "ON CONFLICT DO NOTHING",
                                               Params().Text(key).Text(topic).Int(
                                                   absl::ToUnixMicros(now))));
    return r.affected() == 1;
  }

  absl::StatusOr<std::optional<RequestRecord>> FindRequest(const std::string& id) override {
    ENT_ASSIGN_OR_RETURN(Result r, conn_.Query("SELECT fingerprint, answer, legacy FROM "
                                               "request_log WHERE request_id = $1",
                                               Params().Text(id)));
    if (r.rows() == 0) return std::optional<RequestRecord>();
    return std::optional<RequestRecord>(
        RequestRecord{id, r.Text(0, 0), r.Bytes(0, 1), r.Bool(0, 2)});
  }

  absl::Status SaveRequest(const RequestRecord& rec, absl::Time now) override {
    // Deferred: a request id taken meanwhile fails the COMMIT (ABORTED).
    conn_.Defer("INSERT INTO request_log (request_id, fingerprint, answer, legacy, time_us) "
                "VALUES ($1, $2, $3, $4, $5)",
                Params()
                    .Text(rec.request_id)
                    .Text(rec.fingerprint)
                    .Bytes(rec.answer)
                    .Bool(rec.legacy)
                    .Int(absl::ToUnixMicros(now)));
    return absl::OkStatus();
  }

  absl::StatusOr<int64_t> PruneBefore(absl::Time cutoff, int limit) override {
    ENT_ASSIGN_OR_RETURN(Result r, conn_.Query("DELETE FROM request_log WHERE request_id IN "
                                               "(SELECT request_id FROM request_log WHERE "
                                               "time_us < $1 LIMIT $2)",
                                               Params().Int(absl::ToUnixMicros(cutoff)).Int(limit)));
    // The totals' appended amounts, one row per school year again.
    ENT_RETURN_IF_ERROR(conn_.Exec(kFoldTotalsSql));
    return r.affected();
  }

 private:
  // A lock held until the transaction ends, named by `key`.
  // Deferred: taken, in order, before the statements that follow it.
  absl::Status Lock(const std::string& key) {
    conn_.Defer("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", Params().Text(key));
    return absl::OkStatus();
  }

  // Titres matching `where`, by number, at most `limit` (-1: all), with their
  // lines, payments and corrections.
  absl::StatusOr<std::vector<TitreAccount>> Titres(Where& where, int limit = -1) {
    std::string sql = absl::StrCat("SELECT year, sequence, total_cents, body, created_us FROM titres "
                                   "WHERE ",
                                   where.sql, " ORDER BY year, sequence");
    if (limit >= 0) {
      where.params.Int(limit);
      absl::StrAppend(&sql, " LIMIT $", where.params.size());
    }
    ENT_ASSIGN_OR_RETURN(Result r, conn_.Query(sql, where.params));
    std::vector<TitreAccount> out;
    for (int i = 0; i < r.rows(); ++i) {
      TitreAccount a;
      Titre& t = a.titre;
      t.year = static_cast<int>(r.Int(i, 0));
      t.sequence = r.Int(i, 1);
      t.total_cents = r.Int(i, 2);
      t.create_time = absl::FromUnixMicros(r.Int(i, 4));
      ENT_RETURN_IF_ERROR(DecodeTitreBody(r.Bytes(i, 3), t));
      out.push_back(std::move(a));
    }
    ENT_RETURN_IF_ERROR(LoadDetails(out));
    return out;
  }

  // The lines, payments and corrections of every titre of `accounts`: three
  // statements whatever their number (each titre's key in two arrays), not
  // three per titre.
  absl::Status LoadDetails(std::vector<TitreAccount>& accounts) {
    if (accounts.empty()) return absl::OkStatus();
    std::vector<std::string> years, sequences;
    absl::flat_hash_map<std::pair<int, int64_t>, TitreAccount*> by_key;
    for (TitreAccount& a : accounts) {
      years.push_back(absl::StrCat(a.titre.year));
      sequences.push_back(absl::StrCat(a.titre.sequence));
      by_key[{a.titre.year, a.titre.sequence}] = &a;
    }
    const Params keys = Params()
                            .Text(absl::StrCat("{", absl::StrJoin(years, ","), "}"))
                            .Text(absl::StrCat("{", absl::StrJoin(sequences, ","), "}"));
    constexpr char kOfPage[] =
        " WHERE (year, sequence) IN (SELECT * FROM unnest($1::integer[], $2::bigint[])) ";
    auto account = [&](const Result& r, int row) -> TitreAccount* {
      auto it = by_key.find({static_cast<int>(r.Int(row, 0)), r.Int(row, 1)});
      return it == by_key.end() ? nullptr : it->second;
    };
    {
      ENT_ASSIGN_OR_RETURN(Result r, conn_.Query(absl::StrCat("SELECT year, sequence, uai, name, "
                                                              "unit_price_cents, amount_cents FROM titre_lines",
                                                              kOfPage, "ORDER BY year, sequence, position"),
                                                 keys));
      for (int i = 0; i < r.rows(); ++i) {
        if (TitreAccount* a = account(r, i)) {
          a->titre.lines.push_back({r.Text(i, 2), r.Text(i, 3), r.Int(i, 4), r.Int(i, 5)});
        }
      }
    }
    {
      ENT_ASSIGN_OR_RETURN(Result r, conn_.Query(absl::StrCat("SELECT year, sequence, id, amount_cents, "
                                                              "received_date, reference, recorded_by "
                                                              "FROM payments",
                                                              kOfPage, "ORDER BY id"),
                                                 keys));
      for (int i = 0; i < r.rows(); ++i) {
        TitreAccount* a = account(r, i);
        if (a == nullptr) continue;
        ENT_ASSIGN_OR_RETURN(Author by, DecodeAuthor(r.Bytes(i, 6)));
        a->payments.push_back({r.Int(i, 2), r.Int(i, 3), ParseIsoDate(r.Text(i, 4)).value_or(CivilDate()),
                               r.Text(i, 5), std::move(by)});
      }
    }
    {
      ENT_ASSIGN_OR_RETURN(Result r, conn_.Query(absl::StrCat("SELECT year, sequence, id, kind, amount_cents, "
                                                              "reason, justification, date, recorded_by "
                                                              "FROM corrections",
                                                              kOfPage, "ORDER BY id"),
                                                 keys));
      for (int i = 0; i < r.rows(); ++i) {
        TitreAccount* a = account(r, i);
        if (a == nullptr) continue;
        ENT_ASSIGN_OR_RETURN(Author by, DecodeAuthor(r.Bytes(i, 8)));
        a->corrections.push_back({r.Int(i, 2), static_cast<CorrectionKind>(r.Int(i, 3)), r.Int(i, 4),
                                  r.Text(i, 5), r.Text(i, 6), ParseIsoDate(r.Text(i, 7)).value_or(CivilDate()),
                                  std::move(by)});
      }
    }
    return absl::OkStatus();
  }

  postgres::Connection& conn_;
  const bool writable_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<PostgresBillingStore>> PostgresBillingStore::Open(
    const std::string& uri, const postgres::Timeouts& timeouts) {
  postgres::Database::Options options;
  options.uri = uri;
  options.timeouts = timeouts;
  options.schema = "billing";
  options.migrations = Migrations();
  ENT_ASSIGN_OR_RETURN(auto db, postgres::Database::Open(std::move(options)));
  return std::unique_ptr<PostgresBillingStore>(new PostgresBillingStore(std::move(db)));
}

void PostgresBillingStore::Write(std::function<absl::Status(BillingWriter&)> work,
                                 std::function<void(absl::Status)> done, absl::Time deadline) {
  db_->Write(
      [work = std::move(work)](postgres::Connection& conn) {
        PgTx tx(conn, /*writable=*/true);
        return work(tx);
      },
      std::move(done), deadline);
}

void PostgresBillingStore::Read(const std::function<void(BillingReader&)>& work) {
  db_->ReadNow([&work](postgres::Connection& conn) {
    PgTx tx(conn, /*writable=*/false);
    work(tx);
  });
}

void PostgresBillingStore::ReadAsync(std::function<void(BillingReader&)> work) {
  db_->ReadAsync([work = std::move(work)](postgres::Connection& conn) {
    PgTx tx(conn, /*writable=*/false);
    work(tx);
  });
}

}  // namespace ent::billing
