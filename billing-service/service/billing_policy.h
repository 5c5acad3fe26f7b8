// Who may do what in billing-service (DESIGN §3.6): finance manages tariffs,
// titres, campaigns, payments and corrections; rectorat services, support
// staff and finance read titres and statements, commune portals their own
// communes'; convention-service's outbox (internal service) sends notices.
#ifndef ENT_BILLING_SERVICE_BILLING_POLICY_H_
#define ENT_BILLING_SERVICE_BILLING_POLICY_H_

#include <string>

#include "absl/status/status.h"
#include "common/auth/principal.h"

namespace ent::billing {

enum class BillingAction {
  kReadTariffs,  // every authenticated caller
  kManage,       // tariffs, issuing, campaigns, payments, corrections, numbering checks
  kReadTitres,   // titres and statements
  kNotify,       // convention notices from the outbox
};

absl::Status AuthorizeBilling(const Principal& caller, BillingAction action);
// For titres and statements: commune portals only for their communes.
absl::Status AuthorizeCommune(const Principal& caller, BillingAction action,
                              const std::string& insee);

}  // namespace ent::billing

#endif  // ENT_BILLING_SERVICE_BILLING_POLICY_H_
