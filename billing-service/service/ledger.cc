#include "billing-service/service/ledger.h"

#include <nlohmann/json.hpp>

#include "common/strict_json.h"

#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/field_violations.h"
#include "common/idempotency.h"
#include "common/resource_names.h"
#include "common/status_macros.h"
#include "billing-service/store/billing_records.h"

namespace ent::billing {
namespace {

using nlohmann::json;

absl::StatusOr<TitreAccount> LoadTitre(BillingReader& r, int year, int64_t sequence) {
  ENT_ASSIGN_OR_RETURN(auto t, r.GetTitre(year, sequence));
  if (!t) {
    return absl::NotFoundError(absl::StrFormat("titres/%04d-%06d does not exist", year, sequence));
  }
  return std::move(*t);
}

// Legacy request-log rows (release fbf17cd) of IssueTitre: "2021-1".
absl::StatusOr<TitreAccount> TitreFromLegacyAnswer(BillingReader& r, const std::string& answer) {
  std::pair<std::string, std::string> parts = absl::StrSplit(answer, absl::MaxSplits('-', 1));
  int year = 0;
  int64_t sequence = 0;
  if (!absl::SimpleAtoi(parts.first, &year) || !absl::SimpleAtoi(parts.second, &sequence)) {
    return absl::InternalError("corrupt request log entry");
  }
  return LoadTitre(r, year, sequence);
}

CivilDate DateOf(const json& j, const char* field) {
  auto d = ParseIsoDate(j.at(field).get<std::string>());
  if (!d) throw std::runtime_error(absl::StrCat("bad date in ", field));
  return *d;
}

// Notices written by earlier releases: JSON with a topic.
absl::StatusOr<ConventionChange> ParseLegacyNotice(const std::string& topic,
                                                   const std::string& payload) {
  json j;
  try {
    j = json::parse(payload);
    RequireIntegerNumbers(j);
  } catch (const std::exception& e) {
    return InvalidField("payload", absl::StrCat("is not JSON: ", QuoteInput(e.what(), 200)));
  }
  try {
    ConventionChange change;
    change.convention = j.at("convention");
    if (topic == "convention.activated") {
      change.kind = ConventionChange::Kind::kActivated;
      BillableConvention& c = change.activated;
      c.convention = change.convention;
      const json& commune = j.at("commune");
      c.debtor = Debtor{commune.at("name"), commune.at("insee_code"), commune.at("siren"),
                        commune.at("address")};
      auto year = SchoolYear::Parse(j.at("school_year").get<std::string>());
      if (!year.ok()) return InvalidField("payload.school_year", std::string(year.status().message()));
      c.school_year = *year;
      c.effective_date = DateOf(j, "effective_date");
      c.end_date = DateOf(j, "end_date");
      c.last_day_in_force = c.end_date;
      for (const json& s : j.at("schools")) {
        c.schools.push_back({s.at("uai"), s.at("name"), DateOf(s, "enrolled_date"), std::nullopt});
      }
    } else if (topic == "convention.schools_amended") {
      change.kind = ConventionChange::Kind::kSchoolsAmended;
      const json& a = j.at("amendment");
      change.school = {a.at("uai"), a.at("name"), DateOf(a, "date"), std::nullopt};
      change.added = a.at("change") == "added";
    } else if (topic == "convention.terminated" || topic == "convention.expired") {
      change.kind = ConventionChange::Kind::kEnded;
      change.terminated = topic == "convention.terminated";
      change.last_day_in_force = DateOf(j, "last_day_in_force");
    } else {
      return InvalidField("topic", absl::StrCat("unknown topic ", QuoteInput(topic)));
    }
    return change;
  } catch (const std::exception& e) {
    return InvalidField("payload", absl::StrCat("malformed notice: ", QuoteInput(e.what(), 200)));
  }
}

}  // namespace

template <typename T>
void Ledger::Run(RequestContext ctx,
                 std::function<absl::StatusOr<T>(BillingWriter&, absl::Time)> work,
                 std::function<absl::StatusOr<T>(BillingReader&, const std::string&)> legacy_replay,
                 Callback<T> done) {
  if (auto st = ValidateRequestId(ctx.request_id); !st.ok()) return done(st);
  const absl::Time deadline = ctx.deadline;
  store_.WriteValue<T>(
      [this, ctx = std::move(ctx), work = std::move(work),
       legacy_replay = std::move(legacy_replay)](BillingWriter& w) -> absl::StatusOr<T> {
        ENT_ASSIGN_OR_RETURN(auto prior, FindPriorRequest<RequestRecord>(
                                             [&w](const std::string& key) { return w.FindRequest(key); },
                                             ctx.caller.name, ctx.request_id, ctx.fingerprint));
        if (prior && prior->legacy) return legacy_replay(w, prior->answer);
        if (prior) {
          T first;
          ENT_RETURN_IF_ERROR(DecodeAnswer(prior->answer, &first));
          return first;
        }
        const absl::Time now = clock_.Now();
        ENT_ASSIGN_OR_RETURN(T result, work(w, now));
        ENT_RETURN_IF_ERROR(w.SaveRequest(
            {ScopedRequestKey(ctx.caller.name, ctx.request_id), ctx.fingerprint,
             EncodeAnswer(result)},
            now));
        return result;
      },
      std::move(done), deadline);
}

void Ledger::SetTariff(RequestContext ctx, Tariff tariff, Callback<Tariff> done) {
  if (auto st = AuthorizeBilling(ctx.caller, BillingAction::kManage); !st.ok()) return done(st);
  FieldViolations v;
  if (tariff.unit_price_cents <= 0 || tariff.unit_price_cents > 1000000) {
    v.Add("tariff.unit_price_cents", "must be between 1 and 1000000 cents");
  }
  if (tariff.legal_basis.empty() || tariff.legal_basis.size() > 500) {
    v.Add("tariff.legal_basis", "is required (at most 500 bytes)");
  }
  if (tariff.vat_treatment.empty()) tariff.vat_treatment = kDefaultVatTreatment;
  if (tariff.vat_treatment.size() > 500) v.Add("tariff.vat_treatment", "must be at most 500 bytes");
  if (!v.empty()) return done(v.ToStatus());
  const SchoolYear year = tariff.school_year;
  Run<Tariff>(
      std::move(ctx),
      [tariff = std::move(tariff)](BillingWriter& w, absl::Time) -> absl::StatusOr<Tariff> {
        ENT_ASSIGN_OR_RETURN(std::optional<Tariff> current, w.GetTariff(tariff.school_year));
        if (current && current->locked) {
          return absl::FailedPreconditionError(absl::StrCat(
              "the tariff of ", tariff.school_year.ToString(),
              " is used by an issued titre and can no longer change"));
        }
        Tariff next = tariff;
        next.version = current ? current->version + 1 : 1;
        ENT_RETURN_IF_ERROR(w.PutTariff(next));
        return next;
      },
      [year](BillingReader& r, const std::string&) -> absl::StatusOr<Tariff> {
        ENT_ASSIGN_OR_RETURN(auto t, r.GetTariff(year));
        if (!t) return absl::InternalError("tariff vanished");
        return *t;
      },
      std::move(done));
}

absl::StatusOr<Tariff> Ledger::GetTariff(const Principal& caller, SchoolYear year) {
  ENT_RETURN_IF_ERROR(AuthorizeBilling(caller, BillingAction::kReadTariffs));
  return store_.ReadValue<Tariff>([&](BillingReader& r) -> absl::StatusOr<Tariff> {
    ENT_ASSIGN_OR_RETURN(auto t, r.GetTariff(year));
    if (!t) return absl::NotFoundError(absl::StrCat("tariffs/", year.ToString(), " does not exist"));
    return *t;
  });
}

absl::StatusOr<std::optional<Titre>> Ledger::IssueDue(BillingWriter& w, const BillableConvention& c,
                                                      const Tariff& tariff, absl::Time now,
                                                      const Author& by, std::string* why_not) {
  if (auto st = CheckBillable(c, tariff.school_year); !st.ok()) {
    *why_not = std::string(st.message());
    return std::optional<Titre>();
  }
  // What was billed is read under the convention's lock, so that no school is
  // billed twice however many writers issue at once.
  ENT_RETURN_IF_ERROR(w.LockConvention(c.convention));
  ENT_ASSIGN_OR_RETURN(std::vector<TitreAccount> existing, w.TitresOf(c.convention, tariff.school_year));
  std::set<std::string> billed;
  for (const auto& a : existing) {
    for (const auto& l : a.titre.lines) billed.insert(l.uai);
  }
  std::vector<TitreLine> lines = DueLines(c, tariff.school_year, tariff, billed);
  if (lines.empty()) {
    *why_not = existing.empty() ? "no school enrolled while the convention was in force"
                                : absl::StrCat("already billed by ", existing.back().titre.Name());
    return std::optional<Titre>();
  }
  // The issue date is the transaction's instant, like the creation time.
  Titre t = MakeTitre(c, tariff, std::move(lines),
                      existing.empty() ? TitreKind::kInitial : TitreKind::kSupplementary,
                      ParisDate(now), texts_);
  ENT_ASSIGN_OR_RETURN(t.sequence, w.TakeSequence(t.year));
  t.create_time = now;
  t.issued_by = by;
  ENT_RETURN_IF_ERROR(w.InsertTitre(t));
  return std::optional<Titre>(std::move(t));
}

void Ledger::IssueTitre(RequestContext ctx, std::string convention, SchoolYear year,
                        Callback<TitreAccount> done) {
  if (auto st = AuthorizeBilling(ctx.caller, BillingAction::kManage); !st.ok()) return done(st);
  Author by = ctx.caller.AsAuthor();
  Run<TitreAccount>(
      std::move(ctx),
      [this, convention = std::move(convention), year, by = std::move(by)](
          BillingWriter& w, absl::Time now) -> absl::StatusOr<TitreAccount> {
        ENT_ASSIGN_OR_RETURN(std::optional<Tariff> tariff, w.GetTariff(year));
        if (!tariff) {
          return FailedPreconditionWithReason(
              absl::StrCat("no tariff for ", year.ToString(), ": set it first (SetTariff)"),
              kReasonTariffMissing, kErrorDomain);
        }
        ENT_RETURN_IF_ERROR(w.LockConvention(convention));
        ENT_ASSIGN_OR_RETURN(std::optional<BillableConvention> c, w.GetConvention(convention));
        if (!c) {
          return FailedPreconditionWithReason(
              absl::StrCat(convention,
                           " is not billable yet: billing has not been told it took effect "
                           "(retry once convention-service's notice has arrived)"),
              kReasonNotNotified, kErrorDomain);
        }
        std::string why_not;
        ENT_ASSIGN_OR_RETURN(std::optional<Titre> issued, IssueDue(w, *c, *tariff, now, by, &why_not));
        if (issued) return TitreAccount{std::move(*issued), {}, {}};
        // Idempotent: nothing new is due; the latest titre comes back.
        ENT_ASSIGN_OR_RETURN(std::vector<TitreAccount> existing, w.TitresOf(convention, year));
        if (existing.empty()) {
          return FailedPreconditionWithReason(why_not, kReasonNothingDue, kErrorDomain);
        }
        return std::move(existing.back());
      },
      TitreFromLegacyAnswer, std::move(done));
}

// A campaign in progress: what its finished transactions did.
struct Ledger::Campaign {
  RequestContext ctx;
  SchoolYear year{2000};
  int max_listed = 100;
  std::string after;  // the last convention handled
  CampaignResult result;
  Callback<CampaignResult> done;
};

namespace {

// The answer of a request recorded by an earlier release (JSON).
absl::StatusOr<CampaignResult> LegacyCampaignAnswer(const std::string& text) {
  try {
    const json j = json::parse(text);
    RequireIntegerNumbers(j);
    CampaignResult r;
    for (const json& n : j.at("issued")) r.issued.push_back(n);
    for (const json& s : j.at("skipped")) r.skipped.emplace_back(s.at(0), s.at(1));
    r.issued_total_cents = j.at("total");
    r.issued_count = static_cast<int64_t>(r.issued.size());
    r.skipped_count = static_cast<int64_t>(r.skipped.size());
    return r;
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("corrupt campaign record: ", e.what()));
  }
}

// The school year's tariff, which a campaign needs.
absl::StatusOr<Tariff> CampaignTariff(BillingWriter& w, SchoolYear year) {
  ENT_ASSIGN_OR_RETURN(std::optional<Tariff> tariff, w.GetTariff(year));
  if (!tariff) {
    return absl::FailedPreconditionError(
        absl::StrCat("no tariff for ", year.ToString(), ": set it first (SetTariff)"));
  }
  return *tariff;
}

}  // namespace

void Ledger::RunCampaign(RequestContext ctx, SchoolYear year, int max_listed,
                         Callback<CampaignResult> done) {
  if (auto st = AuthorizeBilling(ctx.caller, BillingAction::kManage); !st.ok()) return done(st);
  if (auto st = ValidateRequestId(ctx.request_id); !st.ok()) return done(st);
  auto c = std::make_shared<Campaign>();
  c->ctx = std::move(ctx);
  c->year = year;
  c->max_listed = max_listed;
  c->done = std::move(done);
  // First: a retry gets the first answer; otherwise the tariff must exist.
  store_.WriteValue<std::optional<CampaignResult>>(
      [c](BillingWriter& w) -> absl::StatusOr<std::optional<CampaignResult>> {
        ENT_ASSIGN_OR_RETURN(auto prior, FindPriorRequest<RequestRecord>(
                                             [&w](const std::string& key) { return w.FindRequest(key); },
                                             c->ctx.caller.name, c->ctx.request_id, c->ctx.fingerprint));
        if (prior && prior->legacy) return LegacyCampaignAnswer(prior->answer);
        if (prior) {
          CampaignResult first;
          ENT_RETURN_IF_ERROR(DecodeAnswer(prior->answer, &first));
          return first;
        }
        ENT_RETURN_IF_ERROR(CampaignTariff(w, c->year).status());
        return std::optional<CampaignResult>();
      },
      [this, c](absl::StatusOr<std::optional<CampaignResult>> first) {
        if (!first.ok()) return c->done(first.status());
        if (*first) return c->done(std::move(**first));
        NextCampaignChunk(c);
      });
}

void Ledger::NextCampaignChunk(std::shared_ptr<Campaign> c) {
  struct Chunk {
    CampaignResult result;  // the campaign's, this chunk included
    std::string after;
    bool finished = false;
  };
  store_.WriteValue<Chunk>(
      [this, c](BillingWriter& w) -> absl::StatusOr<Chunk> {
        const absl::Time now = clock_.Now();
        // The tariff as it is now (read in each transaction: it may not
        // change once a titre uses it, but could before the first one).
        ENT_ASSIGN_OR_RETURN(const Tariff tariff, CampaignTariff(w, c->year));
        // Worked on a copy: a transaction that fails keeps nothing.
        Chunk chunk{c->result, c->after, false};
        ENT_ASSIGN_OR_RETURN(std::vector<BillableConvention> conventions,
                             w.ConventionsOfYear(c->year, c->after, kCampaignChunk));
        CampaignResult& r = chunk.result;
        for (const BillableConvention& conv : conventions) {
          std::string why_not;
          ENT_ASSIGN_OR_RETURN(std::optional<Titre> t, IssueDue(w, conv, tariff, now, c->ctx.caller.AsAuthor(), &why_not));
          if (t) {
            if (static_cast<int>(r.issued.size()) < c->max_listed) r.issued.push_back(t->Name());
            ++r.issued_count;
            r.issued_total_cents += t->total_cents;
          } else {
            if (static_cast<int>(r.skipped.size()) < c->max_listed) {
              r.skipped.emplace_back(conv.convention, why_not);
            }
            ++r.skipped_count;
          }
        }
        if (!conventions.empty()) chunk.after = conventions.back().convention;
        if (static_cast<int>(conventions.size()) < kCampaignChunk) {
          // The last transaction stores the answer, unless a retry of the
          // same request finished first: then its answer is the answer.
          ENT_ASSIGN_OR_RETURN(auto prior, FindPriorRequest<RequestRecord>(
                                               [&w](const std::string& key) { return w.FindRequest(key); },
                                               c->ctx.caller.name, c->ctx.request_id,
                                               c->ctx.fingerprint));
          if (prior && !prior->legacy) {
            ENT_RETURN_IF_ERROR(DecodeAnswer(prior->answer, &chunk.result));
          } else {
            ENT_RETURN_IF_ERROR(w.SaveRequest({ScopedRequestKey(c->ctx.caller.name, c->ctx.request_id),
                                               c->ctx.fingerprint, EncodeAnswer(r)},
                                              now));
          }
          chunk.finished = true;
        }
        return chunk;
      },
      [this, c](absl::StatusOr<Chunk> chunk) {
        if (!chunk.ok()) return c->done(chunk.status());
        c->result = std::move(chunk->result);
        c->after = std::move(chunk->after);
        if (chunk->finished) return c->done(std::move(c->result));
        NextCampaignChunk(c);
      });
}

absl::StatusOr<TitreAccount> Ledger::GetTitre(const Principal& caller, int year, int64_t sequence) {
  ENT_RETURN_IF_ERROR(AuthorizeBilling(caller, BillingAction::kReadTitres));
  absl::StatusOr<TitreAccount> loaded = store_.ReadValue<TitreAccount>(
      [&](BillingReader& r) { return LoadTitre(r, year, sequence); });
  if (!loaded.ok() && loaded.status().code() == absl::StatusCode::kNotFound &&
      caller.role == Role::kCommunePortal) {
    // Portals cannot probe which numbers exist.
    return absl::PermissionDeniedError(absl::StrFormat(
        "principal '%s' (commune portal) may not access titres/%04d-%06d", caller.name, year,
        sequence));
  }
  ENT_ASSIGN_OR_RETURN(TitreAccount a, std::move(loaded));
  ENT_RETURN_IF_ERROR(AuthorizeCommune(caller, BillingAction::kReadTitres, a.titre.debtor.insee_code));
  return a;
}

absl::StatusOr<std::vector<TitreAccount>> Ledger::ListTitres(const Principal& caller,
                                                             TitreFilter filter,
                                                             std::pair<int, int64_t> after,
                                                             int limit) {
  ENT_RETURN_IF_ERROR(AuthorizeBilling(caller, BillingAction::kReadTitres));
  if (caller.role == Role::kCommunePortal) {
    if (filter.commune_insee.empty()) {
      return absl::PermissionDeniedError(
          "a commune portal lists titres of one of its communes: set commune_insee_code");
    }
    ENT_RETURN_IF_ERROR(AuthorizeCommune(caller, BillingAction::kReadTitres, filter.commune_insee));
  }
  return store_.ReadValue<std::vector<TitreAccount>>(
      [&](BillingReader& r) { return r.ListTitres(filter, after, limit); });
}

void Ledger::RecordPayment(RequestContext ctx, int year, int64_t sequence, Payment payment,
                           Callback<Payment> done) {
  if (auto st = AuthorizeBilling(ctx.caller, BillingAction::kManage); !st.ok()) return done(st);
  Author by = ctx.caller.AsAuthor();
  Run<Payment>(
      std::move(ctx),
      [year, sequence, payment = std::move(payment), by = std::move(by)](
          BillingWriter& w, absl::Time now) -> absl::StatusOr<Payment> {
        ENT_RETURN_IF_ERROR(w.LockTitre(year, sequence));
        ENT_ASSIGN_OR_RETURN(TitreAccount a, LoadTitre(w, year, sequence));
        ENT_RETURN_IF_ERROR(CheckPayment(a, payment, ParisDate(now)));
        Payment p = payment;
        p.recorded_by = by;
        ENT_ASSIGN_OR_RETURN(p.id, w.InsertPayment(year, sequence, p, now));
        return p;
      },
      [year, sequence](BillingReader& r, const std::string& answer) -> absl::StatusOr<Payment> {
        ENT_ASSIGN_OR_RETURN(TitreAccount a, LoadTitre(r, year, sequence));
        for (const Payment& p : a.payments) {
          if (absl::StrCat(p.id) == answer) return p;
        }
        return absl::InternalError("payment vanished");
      },
      std::move(done));
}

void Ledger::CreateCorrection(RequestContext ctx, int year, int64_t sequence, Correction correction,
                              Callback<Correction> done) {
  if (auto st = AuthorizeBilling(ctx.caller, BillingAction::kManage); !st.ok()) return done(st);
  Author by = ctx.caller.AsAuthor();
  Run<Correction>(
      std::move(ctx),
      [year, sequence, correction = std::move(correction), by = std::move(by)](
          BillingWriter& w, absl::Time now) -> absl::StatusOr<Correction> {
        ENT_RETURN_IF_ERROR(w.LockTitre(year, sequence));
        ENT_ASSIGN_OR_RETURN(TitreAccount a, LoadTitre(w, year, sequence));
        Correction c = correction;
        c.date = ParisDate(now);
        c.recorded_by = by;
        ENT_RETURN_IF_ERROR(CheckCorrection(a, c));
        ENT_ASSIGN_OR_RETURN(c.id, w.InsertCorrection(year, sequence, c, now));
        return c;
      },
      [year, sequence](BillingReader& r, const std::string& answer) -> absl::StatusOr<Correction> {
        ENT_ASSIGN_OR_RETURN(TitreAccount a, LoadTitre(r, year, sequence));
        for (const Correction& c : a.corrections) {
          if (absl::StrCat(c.id) == answer) return c;
        }
        return absl::InternalError("correction vanished");
      },
      std::move(done));
}

void Ledger::GetStatement(const Principal& caller, const std::string& insee,
                          Callback<Statement> done) {
  if (auto st = AuthorizeCommune(caller, BillingAction::kReadTitres, insee); !st.ok()) {
    return done(st);
  }
  store_.ReadValueAsync<Statement>(
      [insee](BillingReader& r) -> absl::StatusOr<Statement> {
        Statement s;
        s.commune_insee = insee;
        ENT_ASSIGN_OR_RETURN(s.titres, r.TitresOfCommune(insee));
        for (const TitreAccount& a : s.titres) {
          s.total_cents += a.titre.total_cents;
          s.corrected_cents += a.corrected_cents();
          s.paid_cents += a.paid_cents();
        }
        return s;
      },
      std::move(done));
}

void Ledger::CheckNumbering(const Principal& caller, int year, Callback<NumberingReport> done) {
  // A read of every commune's numbers: for those who read all titres.
  if (auto st = AuthorizeBilling(caller, BillingAction::kReadTitres); !st.ok()) return done(st);
  if (caller.role == Role::kCommunePortal) {
    return done(absl::PermissionDeniedError(absl::StrCat(
        "principal '", caller.name, "' (commune portal) may not read the numbering report: it "
        "covers every commune's titres")));
  }
  store_.ReadValueAsync<NumberingReport>(
      [year](BillingReader& r) -> absl::StatusOr<NumberingReport> {
        ENT_ASSIGN_OR_RETURN(std::vector<int64_t> used, r.SequencesOf(year));
        NumberingReport report;
        ENT_ASSIGN_OR_RETURN(report.last_sequence, r.LastSequence(year));
        report.count = static_cast<int64_t>(used.size());
        int64_t expected = 1;
        for (size_t i = 0; i < used.size(); ++i) {
          if (i > 0 && used[i] == used[i - 1]) {
            report.duplicates.push_back(used[i]);
            continue;
          }
          for (; expected < used[i]; ++expected) report.gaps.push_back(expected);
          expected = used[i] + 1;
        }
        for (; expected <= report.last_sequence; ++expected) report.gaps.push_back(expected);
        return report;
      },
      std::move(done));
}

void Ledger::Notify(RequestContext ctx, std::string topic, std::string idempotency_key,
                    std::string payload, Callback<bool> done) {
  absl::StatusOr<ConventionChange> change = ParseLegacyNotice(topic, payload);
  Apply(std::move(ctx), std::move(idempotency_key), std::move(topic), std::move(change),
        std::move(done));
}

void Ledger::Notify(RequestContext ctx, std::string idempotency_key, ConventionChange change,
                    Callback<bool> done) {
  std::string topic = change.Topic();
  Apply(std::move(ctx), std::move(idempotency_key), std::move(topic), std::move(change),
        std::move(done));
}

void Ledger::Apply(RequestContext ctx, std::string idempotency_key, std::string topic,
                   absl::StatusOr<ConventionChange> change, Callback<bool> done) {
  if (auto st = AuthorizeBilling(ctx.caller, BillingAction::kNotify); !st.ok()) return done(st);
  if (idempotency_key.empty() || idempotency_key.size() > 300) {
    return done(InvalidField("idempotency_key", "is required (at most 300 bytes)"));
  }
  store_.WriteValue<bool>(
      [this, key = std::move(idempotency_key), topic = std::move(topic),
       change = std::move(change)](BillingWriter& w) -> absl::StatusOr<bool> {
        // A notice already received is acknowledged, whatever it now says.
        ENT_ASSIGN_OR_RETURN(bool fresh, w.RecordNotice(key, topic, clock_.Now()));
        if (!fresh) return false;
        if (!change.ok()) return change.status();
        ENT_RETURN_IF_ERROR(w.LockConvention(change->convention));
        ENT_ASSIGN_OR_RETURN(std::optional<BillableConvention> known,
                             w.GetConvention(change->convention));
        ENT_ASSIGN_OR_RETURN(BillableConvention next, ApplyChange(known, *change));
        ENT_RETURN_IF_ERROR(w.PutConvention(next));
        return true;
      },
      std::move(done));
}

}  // namespace ent::billing
