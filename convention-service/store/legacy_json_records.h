// Decoders of the JSON records written by releases up to fbf17cd, kept only
// for the migration that re-encodes them as protobuf (migration 5 of
// SqliteConventionStore). Nothing writes this format any more. Decoding
// validates shape and fails with INTERNAL on a corrupt row, never throws.
#ifndef ENT_CONVENTION_STORE_LEGACY_JSON_RECORDS_H_
#define ENT_CONVENTION_STORE_LEGACY_JSON_RECORDS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "convention-service/domain/convention.h"
#include "convention-service/domain/dispute.h"

namespace ent::convention {

absl::StatusOr<Convention> DecodeLegacyConvention(const std::string& json);
absl::StatusOr<Dispute> DecodeLegacyDispute(const std::string& json);
absl::StatusOr<std::vector<FieldChange>> DecodeLegacyChanges(const std::string& json);

}  // namespace ent::convention

#endif  // ENT_CONVENTION_STORE_LEGACY_JSON_RECORDS_H_
