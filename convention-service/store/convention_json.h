// Storage encoding of the convention aggregate and event changes as JSON
// (readable with the sqlite3 shell). Decoding validates shape and fails with
// INTERNAL on a corrupt row rather than throwing.
#ifndef ENT_CONVENTION_STORE_CONVENTION_JSON_H_
#define ENT_CONVENTION_STORE_CONVENTION_JSON_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "convention-service/domain/convention.h"
#include "convention-service/domain/dispute.h"

namespace ent::convention {

std::string EncodeConvention(const Convention& c);
absl::StatusOr<Convention> DecodeConvention(const std::string& json);

std::string EncodeDispute(const Dispute& d);
absl::StatusOr<Dispute> DecodeDispute(const std::string& json);

// A JSON array of strings (bound to SQL as a json_each() argument).
std::string EncodeStrings(const std::vector<std::string>& values);

std::string EncodeChanges(const std::vector<FieldChange>& changes);
absl::StatusOr<std::vector<FieldChange>> DecodeChanges(const std::string& json);

}  // namespace ent::convention

#endif  // ENT_CONVENTION_STORE_CONVENTION_JSON_H_
