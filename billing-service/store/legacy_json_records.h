// Decoders of the JSON records written by releases up to fbf17cd, kept only
// for the migration that re-encodes them as protobuf (migration 3 of
// SqliteBillingStore). Nothing writes this format any more. Decoding fails
// with INTERNAL on a corrupt row, never throws.
#ifndef ENT_BILLING_STORE_LEGACY_JSON_RECORDS_H_
#define ENT_BILLING_STORE_LEGACY_JSON_RECORDS_H_

#include <string>

#include "absl/status/statusor.h"
#include "billing-service/domain/billing.h"

namespace ent::billing {

absl::StatusOr<BillableConvention> DecodeLegacyConvention(const std::string& text);
// Fills the body fields of `t` (everything but its number, total, lines and
// creation time) from `text`.
absl::Status DecodeLegacyTitreBody(const std::string& text, Titre& t);

}  // namespace ent::billing

#endif  // ENT_BILLING_STORE_LEGACY_JSON_RECORDS_H_
