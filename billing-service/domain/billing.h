// The billing domain (DESIGN §3.5): tariffs, what billing knows of a
// convention, titres de perception with their lines, payments and
// corrections, and the rules that decide what is due. Money is integer euro
// cents. Plain data and functions, no I/O.
#ifndef ENT_BILLING_DOMAIN_BILLING_H_
#define ENT_BILLING_DOMAIN_BILLING_H_

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/auth/principal.h"
#include "common/civil_date.h"
#include "common/identifiers.h"

namespace ent::billing {

inline constexpr char kDefaultVatTreatment[] = "TVA non applicable, art. 256 B du CGI";

struct Tariff {
  SchoolYear school_year{2000};
  int64_t unit_price_cents = 0;
  std::string legal_basis;
  std::string vat_treatment = kDefaultVatTreatment;
  bool locked = false;  // a titre uses it
  int64_t version = 0;
};

struct Debtor {
  std::string name;
  std::string insee_code;
  std::string siren;
  std::string address;
};

// A school as billing knows it from the convention's notices.
struct Enrolment {
  std::string uai;
  std::string name;
  CivilDate enrolled;                 // from this date
  std::optional<CivilDate> withdrawn;  // until this date, when withdrawn by amendment
};

// What billing knows of a convention, from convention-service's notices.
struct BillableConvention {
  std::string convention;  // "conventions/{id}"
  Debtor debtor;
  SchoolYear school_year{2000};
  CivilDate effective_date;
  CivilDate end_date;
  CivilDate last_day_in_force;  // end date, or earlier when terminated
  bool ended = false;           // terminated or expired
  std::vector<Enrolment> schools;
};

// One notice of convention-service: what changed for billing.
struct ConventionChange {
  enum class Kind { kActivated, kSchoolsAmended, kEnded };
  Kind kind = Kind::kActivated;
  std::string convention;          // "conventions/{id}"
  BillableConvention activated;    // kActivated: the convention as it took effect
  Enrolment school;                // kSchoolsAmended: the school; its date in `enrolled`
  bool added = false;              // kSchoolsAmended: joined (true) or left
  CivilDate last_day_in_force;     // kEnded
  bool terminated = false;         // kEnded: terminated (true) or expired

  // The topic recorded with the notice, e.g. "convention.activated".
  std::string Topic() const;
};

// What billing knows of the convention after `change` (`known`: before it;
// an activation needs nothing known). FAILED_PRECONDITION when a change other
// than the activation arrives first.
absl::StatusOr<BillableConvention> ApplyChange(const std::optional<BillableConvention>& known,
                                               const ConventionChange& change);

struct TitreLine {
  std::string uai;
  std::string name;
  int64_t unit_price_cents = 0;
  int64_t amount_cents = 0;
};

enum class TitreKind { kInitial = 1, kSupplementary = 2 };

// Fixed texts printed on every titre.
struct TitreTemplate {
  std::string payment_terms =
      "Payable à réception, au plus tard dans les 30 jours, auprès de l'agent comptable du "
      "rectorat de l'académie de Montpellier (virement, références du titre à rappeler).";
  std::string appeal_routes =
      "Dans un délai de deux mois à compter de la notification du présent titre, le débiteur "
      "peut contester la somme réclamée devant le Tribunal administratif de Montpellier "
      "(art. L. 1617-5 du CGCT), après réclamation préalable auprès de l'ordonnateur.";
  std::string issuing_officer = "Sophie Béjean";
  std::string issuing_officer_capacity = "Rectrice de l'académie de Montpellier, ordonnatrice";
};

struct Titre {
  int year = 0;          // calendar year of issue
  int64_t sequence = 0;  // gapless within the year
  std::string convention;
  SchoolYear school_year{2000};
  TitreKind kind = TitreKind::kInitial;
  Debtor debtor;
  std::vector<TitreLine> lines;
  int64_t total_cents = 0;
  std::string vat_treatment;
  std::string legal_basis;
  CivilDate issue_date;
  TitreTemplate texts;
  absl::Time create_time;
  Author issued_by;  // empty for titres issued before authors were recorded

  // "2021-000001".
  std::string Number() const;
  std::string Name() const { return "titres/" + Number(); }
};

// Parses "YYYY-NNNNNN", written the one way the service writes it.
std::optional<std::pair<int, int64_t>> ParseTitreNumber(const std::string& number);

struct Payment {
  int64_t id = 0;
  int64_t amount_cents = 0;
  CivilDate received_date;
  std::string reference;
  Author recorded_by;
};

enum class CorrectionKind { kReduction = 1, kAnnulation = 2 };

struct Correction {
  int64_t id = 0;
  CorrectionKind kind = CorrectionKind::kReduction;
  int64_t amount_cents = 0;
  std::string reason;
  std::string justification;
  CivilDate date;
  Author recorded_by;
};

enum class TitreState { kIssued = 1, kPartiallyPaid, kPaid, kReduced, kCancelled };

// A titre with what happened to it since.
struct TitreAccount {
  Titre titre;
  std::vector<Payment> payments;
  std::vector<Correction> corrections;

  int64_t paid_cents() const;
  int64_t corrected_cents() const;
  int64_t balance_cents() const { return titre.total_cents - corrected_cents() - paid_cents(); }
  TitreState state() const;
};

// What a billing campaign for a school year did: how many titres it issued
// and conventions it skipped, and the first of each (at most the request's
// max_listed: the reply stays bounded whatever the size of the year).
struct CampaignResult {
  std::vector<std::string> issued;                          // titre names
  std::vector<std::pair<std::string, std::string>> skipped;  // (convention, reason)
  int64_t issued_total_cents = 0;
  int64_t issued_count = 0;
  int64_t skipped_count = 0;
};

// Why `c` owes nothing (more) for `year`, or OK when a titre may be due.
absl::Status CheckBillable(const BillableConvention& c, SchoolYear year);

// The lines due for `c` and `year`: one per school enrolled while the
// convention was in force during the school year and not yet billed.
std::vector<TitreLine> DueLines(const BillableConvention& c, SchoolYear year, const Tariff& tariff,
                                const std::set<std::string>& already_billed);

// Builds a titre (without number) from due lines.
Titre MakeTitre(const BillableConvention& c, const Tariff& tariff, std::vector<TitreLine> lines,
                TitreKind kind, CivilDate issue_date, const TitreTemplate& texts);

// Rules for payments and corrections against `account`.
absl::Status CheckPayment(const TitreAccount& account, const Payment& p, CivilDate today);
// Fills the amount of an annulation.
absl::Status CheckCorrection(const TitreAccount& account, Correction& c);

// "100.00 €".
std::string FormatEuros(int64_t cents);

}  // namespace ent::billing

#endif  // ENT_BILLING_DOMAIN_BILLING_H_
