// The application logic of billing-service: tariffs, issuing titres (one
// convention, or a whole school year's campaign) with gapless numbers,
// payments, corrections, statements, numbering checks, and the notices from
// convention-service that say what is billable. Each command is one store
// transaction, idempotent by request_id. Thread-safe; commands complete
// through their callback once durable; reads return directly.
#ifndef ENT_BILLING_SERVICE_LEDGER_H_
#define ENT_BILLING_SERVICE_LEDGER_H_

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "billing-service/service/billing_policy.h"
#include "billing-service/store/billing_store.h"
#include "common/idempotency.h"
#include "common/clock.h"

namespace ent::billing {

// ErrorInfo reasons of IssueTitre's refusals (domain kErrorDomain): whether
// to retry later (TARIFF_MISSING after SetTariff, CONVENTION_NOT_NOTIFIED once
// the activation notice arrives) or not (NOTHING_DUE: the convention was not
// in force that school year, or no school was enrolled).
inline constexpr char kErrorDomain[] = "billing.ent.ac-montpellier.fr";
inline constexpr char kReasonTariffMissing[] = "TARIFF_MISSING";
inline constexpr char kReasonNotNotified[] = "CONVENTION_NOT_NOTIFIED";
inline constexpr char kReasonNothingDue[] = "NOTHING_DUE";

using ::ent::RequestContext;

struct Statement {
  std::string commune_insee;
  std::vector<TitreAccount> titres;
  int64_t total_cents = 0;
  int64_t corrected_cents = 0;
  int64_t paid_cents = 0;
  int64_t balance_cents() const { return total_cents - corrected_cents - paid_cents; }
};

struct NumberingReport {
  int64_t count = 0;
  int64_t last_sequence = 0;
  std::vector<int64_t> gaps;
  std::vector<int64_t> duplicates;
};

class Ledger {
 public:
  template <typename T>
  using Callback = std::function<void(absl::StatusOr<T>)>;

  Ledger(BillingStore& store, const Clock& clock, TitreTemplate texts)
      : store_(store), clock_(clock), texts_(std::move(texts)) {}

  void SetTariff(RequestContext ctx, Tariff tariff, Callback<Tariff> done);
  absl::StatusOr<Tariff> GetTariff(const Principal& caller, SchoolYear year);
  void IssueTitre(RequestContext ctx, std::string convention, SchoolYear year,
                  Callback<TitreAccount> done);
  // A school year's campaign, in transactions of kCampaignChunk conventions
  // (other commands run between them); the answer lists at most `max_listed`
  // titres and skipped conventions and is stored with the last transaction.
  void RunCampaign(RequestContext ctx, SchoolYear year, int max_listed,
                   Callback<CampaignResult> done);
  absl::StatusOr<TitreAccount> GetTitre(const Principal& caller, int year, int64_t sequence);
  absl::StatusOr<std::vector<TitreAccount>> ListTitres(const Principal& caller, TitreFilter filter,
                                                       std::pair<int, int64_t> after, int limit);
  void RecordPayment(RequestContext ctx, int year, int64_t sequence, Payment payment,
                     Callback<Payment> done);
  void CreateCorrection(RequestContext ctx, int year, int64_t sequence, Correction correction,
                        Callback<Correction> done);
  // Reports that read a whole commune or year run on a store thread, not on
  // the caller's; `done` runs there.
  void GetStatement(const Principal& caller, const std::string& insee, Callback<Statement> done);
  void CheckNumbering(const Principal& caller, int year, Callback<NumberingReport> done);
  // A notice from convention-service; true when applied, false when already
  // seen (by its idempotency key).
  void Notify(RequestContext ctx, std::string idempotency_key, ConventionChange change,
              Callback<bool> done);
  // A notice written by an earlier release (topic and JSON payload).
  void Notify(RequestContext ctx, std::string topic, std::string idempotency_key,
              std::string payload, Callback<bool> done);

 private:
  struct Campaign;
  static constexpr int kCampaignChunk = 500;
  void NextCampaignChunk(std::shared_ptr<Campaign> c);

  // Records the notice `idempotency_key` and applies `change` (or its error)
  // unless it was received before.
  void Apply(RequestContext ctx, std::string idempotency_key, std::string topic,
             absl::StatusOr<ConventionChange> change, Callback<bool> done);

  // Runs `work` once per request_id and stores its answer; a retry gets that
  // first answer back as it was (Stripe's idempotency keys). Request-log rows
  // of release fbf17cd hold a reference instead, which `legacy_replay`
  // resolves against the current state (until retention prunes them).
  template <typename T>
  void Run(RequestContext ctx, std::function<absl::StatusOr<T>(BillingWriter&, absl::Time)> work,
           std::function<absl::StatusOr<T>(BillingReader&, const std::string&)> legacy_replay,
           Callback<T> done);

  // Issues what is due for one convention inside a transaction, by `by`;
  // nullopt when nothing is due (the reason in `why_not`).
  absl::StatusOr<std::optional<Titre>> IssueDue(BillingWriter& w, const BillableConvention& c,
                                                const Tariff& tariff, absl::Time now,
                                                const Author& by, std::string* why_not);

  BillingStore& store_;
  const Clock& clock_;
  const TitreTemplate texts_;
};

}  // namespace ent::billing

#endif  // ENT_BILLING_SERVICE_LEDGER_H_
