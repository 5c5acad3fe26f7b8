#include "billing-service/domain/billing.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/documents/french_text.h"
#include "common/field_violations.h"
#include "common/resource_names.h"

namespace ent::billing {

using documents::FrenchDate;
using documents::FrenchEuros;

std::string Titre::Number() const { return FormatTitreNumber(year, sequence); }

std::optional<std::pair<int, int64_t>> ParseTitreNumber(const std::string& number) {
  int year = 0;
  int64_t sequence = 0;
  if (!::ent::ParseTitreNumber(number, &year, &sequence)) return std::nullopt;
  return std::make_pair(year, sequence);
}

int64_t TitreAccount::paid_cents() const {
  int64_t sum = 0;
  for (const auto& p : payments) sum += p.amount_cents;
  return sum;
}

int64_t TitreAccount::corrected_cents() const {
  int64_t sum = 0;
  for (const auto& c : corrections) sum += c.amount_cents;
  return sum;
}

TitreState TitreAccount::state() const {
  for (const auto& c : corrections) {
    if (c.kind == CorrectionKind::kAnnulation) return TitreState::kCancelled;
  }
  if (balance_cents() == 0 && paid_cents() > 0) return TitreState::kPaid;
  if (paid_cents() > 0) return TitreState::kPartiallyPaid;
  if (corrected_cents() > 0) return TitreState::kReduced;
  return TitreState::kIssued;
}

absl::Status CheckBillable(const BillableConvention& c, SchoolYear year) {
  if (c.school_year != year) {
    return absl::FailedPreconditionError(absl::StrCat(c.convention, " is for the school year ",
                                                      c.school_year.ToString(), ", not ",
                                                      year.ToString()));
  }
  if (c.last_day_in_force < year.first_day() || c.effective_date > year.last_day() ||
      c.last_day_in_force < c.effective_date) {
    return absl::FailedPreconditionError(absl::StrCat(
        c.convention, " was not in force during the school year ", year.ToString()));
  }
  return absl::OkStatus();
}

std::vector<TitreLine> DueLines(const BillableConvention& c, SchoolYear year, const Tariff& tariff,
                                const std::set<std::string>& already_billed) {
  std::vector<TitreLine> lines;
  const CivilDate from = std::max(c.effective_date, year.first_day());
  const CivilDate to = std::min(c.last_day_in_force, year.last_day());
  for (const Enrolment& s : c.schools) {
    if (already_billed.count(s.uai)) continue;
    const CivilDate enrolled_to = s.withdrawn.value_or(to);
    // Enrolled on at least one day while the convention was in force.
    if (s.enrolled > to || enrolled_to < from || s.enrolled > enrolled_to) continue;
    lines.push_back({s.uai, s.name, tariff.unit_price_cents, tariff.unit_price_cents});
  }
  return lines;
}

Titre MakeTitre(const BillableConvention& c, const Tariff& tariff, std::vector<TitreLine> lines,
                TitreKind kind, CivilDate issue_date, const TitreTemplate& texts) {
  Titre t;
  t.year = static_cast<int>(issue_date.year());
  t.convention = c.convention;
  t.school_year = tariff.school_year;
  t.kind = kind;
  t.debtor = c.debtor;
  for (const auto& l : lines) t.total_cents += l.amount_cents;
  t.lines = std::move(lines);
  t.vat_treatment = tariff.vat_treatment;
  t.legal_basis = tariff.legal_basis;
  t.issue_date = issue_date;
  t.texts = texts;
  return t;
}

absl::Status CheckPayment(const TitreAccount& account, const Payment& p, CivilDate today) {
  FieldViolations v;
  if (p.amount_cents <= 0) {
    v.Add("payment.amount_cents", "must be positive", "doit être supérieur à zéro");
  }
  if (p.reference.empty() || p.reference.size() > 200) {
    v.Add("payment.reference", "is required (at most 200 bytes)",
          "est obligatoire (200 octets au plus)");
  }
  if (!v.empty()) return v.ToStatus();
  // Dates against today and the stored titre: state, not form (AIP-193).
  PreconditionViolations dates;
  if (p.received_date > today) {
    dates.Add("payment.received_date",
              absl::StrCat("must not be after today (", FormatIsoDate(today), ")"), "TIME",
              absl::StrCat("Le paiement ne peut être reçu après aujourd'hui (", FrenchDate(today),
                           ")."));
  }
  if (p.received_date < account.titre.issue_date) {
    dates.Add("payment.received_date",
              absl::StrCat("must not be before the titre was issued (",
                           FormatIsoDate(account.titre.issue_date), ")"),
              "STATE",
              absl::StrCat("Le paiement ne peut précéder l'émission du titre (",
                           FrenchDate(account.titre.issue_date), ")."));
  }
  if (!dates.empty()) return dates.ToStatus();
  if (account.state() == TitreState::kCancelled) {
    return FailedPreconditionFr(absl::StrCat(account.titre.Name(), " is cancelled"),
                                "Le titre est annulé.");
  }
  // The same transfer recorded twice (a retry without the request id) must
  // not count twice: a reference is recorded once per titre.
  for (const Payment& earlier : account.payments) {
    if (earlier.reference == p.reference) {
      return FailedPreconditionOn(
          "payment.reference",
          absl::StrCat("'", p.reference, "' is already recorded on ", account.titre.Name(),
                       " (payment ", earlier.id, " of ", FormatEuros(earlier.amount_cents),
                       " received ", FormatIsoDate(earlier.received_date),
                       "): a second payment needs its own reference"),
          "STATE",
          absl::StrCat("La référence « ", p.reference, " » est déjà celle d'un paiement de ",
                       FrenchEuros(earlier.amount_cents), " reçu le ",
                       FrenchDate(earlier.received_date),
                       " : un autre paiement a sa propre référence."));
    }
  }
  if (p.amount_cents > account.balance_cents()) {
    return FailedPreconditionFr(
        absl::StrCat("overpayment refused: ", account.titre.Name(), " has a balance of ",
                     FormatEuros(account.balance_cents()), ", the payment is ",
                     FormatEuros(p.amount_cents)),
        absl::StrCat("Paiement refusé : il reste ", FrenchEuros(account.balance_cents()),
                     " à payer, le paiement est de ", FrenchEuros(p.amount_cents), "."));
  }
  return absl::OkStatus();
}

absl::Status CheckCorrection(const TitreAccount& account, Correction& c) {
  FieldViolations v;
  if (c.reason.empty() || c.reason.size() > 1000) {
    v.Add("correction.reason", "is required (at most 1000 bytes): corrections are for errors only",
          "est obligatoire (1000 octets au plus) : une correction répare une erreur");
  }
  if (c.justification.empty() || c.justification.size() > 1000) {
    v.Add("correction.justification", "is required (at most 1000 bytes)",
          "est obligatoire (1000 octets au plus)");
  }
  if (c.kind == CorrectionKind::kReduction && c.amount_cents <= 0) {
    v.Add("correction.amount_cents", "must be positive for a réduction",
          "doit être supérieur à zéro pour une réduction");
  }
  if (!v.empty()) return v.ToStatus();
  if (account.state() == TitreState::kCancelled) {
    return FailedPreconditionFr(absl::StrCat(account.titre.Name(), " is already cancelled"),
                                "Le titre est déjà annulé.");
  }
  if (c.kind == CorrectionKind::kAnnulation) {
    if (account.paid_cents() > 0) {
      return FailedPreconditionFr(
          absl::StrCat(account.titre.Name(), " is partly paid (", FormatEuros(account.paid_cents()),
                       "); sums received are never refunded: reduce the remaining balance instead"),
          absl::StrCat("Le titre est en partie payé (", FrenchEuros(account.paid_cents()),
                       ") : les sommes reçues ne sont jamais remboursées ; réduisez plutôt le "
                       "reste dû."));
    }
    c.amount_cents = account.balance_cents();
    return absl::OkStatus();
  }
  if (c.amount_cents > account.balance_cents()) {
    return FailedPreconditionFr(
        absl::StrCat("a réduction of ", FormatEuros(c.amount_cents), " exceeds the balance of ",
                     FormatEuros(account.balance_cents()), " (sums received are never refunded)"),
        absl::StrCat("Une réduction de ", FrenchEuros(c.amount_cents), " dépasse le reste dû, ",
                     FrenchEuros(account.balance_cents()),
                     " (les sommes reçues ne sont jamais remboursées)."));
  }
  return absl::OkStatus();
}

std::string FormatEuros(int64_t cents) {
  const bool negative = cents < 0;
  const int64_t a = negative ? -cents : cents;
  return absl::StrFormat("%s%d.%02d €", negative ? "-" : "", a / 100, a % 100);
}

std::string ConventionChange::Topic() const {
  switch (kind) {
    case Kind::kActivated: return "convention.activated";
    case Kind::kSchoolsAmended: return "convention.schools_amended";
    case Kind::kEnded: return terminated ? "convention.terminated" : "convention.expired";
  }
  return "convention.unknown";
}

absl::StatusOr<BillableConvention> ApplyChange(const std::optional<BillableConvention>& known,
                                               const ConventionChange& change) {
  if (change.kind == ConventionChange::Kind::kActivated) return change.activated;
  if (!known) {
    return absl::FailedPreconditionError(absl::StrCat(
        change.convention, " is unknown to billing: its activation notice has not arrived"));
  }
  BillableConvention c = *known;
  if (change.kind == ConventionChange::Kind::kSchoolsAmended) {
    if (change.added) {
      c.schools.push_back(change.school);
    } else {
      for (Enrolment& e : c.schools) {
        if (e.uai == change.school.uai && !e.withdrawn) e.withdrawn = change.school.enrolled;
      }
    }
  } else {
    c.last_day_in_force = change.last_day_in_force;
    c.ended = true;
  }
  return c;
}

}  // namespace ent::billing
