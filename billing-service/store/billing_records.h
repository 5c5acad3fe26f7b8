// Storage encoding of billing-service's records: the conventions billing
// knows (from convention-service's notices) and the body of a titre, as JSON
// beside the indexed columns. Decoding fails with INTERNAL on a corrupt row,
// never throws.
#ifndef ENT_BILLING_STORE_BILLING_RECORDS_H_
#define ENT_BILLING_STORE_BILLING_RECORDS_H_

#include <string>

#include "absl/status/statusor.h"
#include "billing-service/domain/billing.h"

namespace ent::billing {

std::string EncodeConvention(const BillableConvention& c);
absl::StatusOr<BillableConvention> DecodeConvention(const std::string& text);

// The titre's body (everything but its number, total and creation time).
std::string EncodeTitreBody(const Titre& t);
// Fills the body fields of `t` from `text`.
absl::Status DecodeTitreBody(const std::string& text, Titre& t);

}  // namespace ent::billing

#endif  // ENT_BILLING_STORE_BILLING_RECORDS_H_
