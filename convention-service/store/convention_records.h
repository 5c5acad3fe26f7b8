// Storage encoding of convention-service's records: binary protobuf messages
// of ent.convention.storage.v1 (proto/ent/convention/storage/v1/records.proto),
// one per `body`/`changes`/`response` column. Records written by older or
// newer code read here: absent fields take their defaults, unknown ones are
// skipped. Decoding fails with INTERNAL naming the record on bytes that do
// not parse or hold an impossible value (a date like 2021-02-30), never
// crashes.
#ifndef ENT_CONVENTION_STORE_CONVENTION_RECORDS_H_
#define ENT_CONVENTION_STORE_CONVENTION_RECORDS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "convention-service/domain/convention.h"
#include "convention-service/domain/dispute.h"
#include "convention-service/store/convention_store.h"

namespace ent::convention {

std::string EncodeConvention(const Convention& c);
absl::StatusOr<Convention> DecodeConvention(absl::string_view bytes);

std::string EncodeDispute(const Dispute& d);
absl::StatusOr<Dispute> DecodeDispute(absl::string_view bytes);

std::string EncodeChanges(const std::vector<FieldChange>& changes);
absl::StatusOr<std::vector<FieldChange>> DecodeChanges(absl::string_view bytes);

// The response kept for retries: a convention or a dispute.
std::string EncodeResponse(const Response& r);
absl::StatusOr<Response> DecodeResponse(absl::string_view bytes);

// The full name of the message every billing notice in the outbox carries.
inline constexpr char kConventionNoticeType[] = "ent.billing.v1.ConventionNotice";

// A notice queued in the outbox as protobuf JSON (the release before
// notices were stored as bytes): its ent.billing.v1.ConventionNotice bytes,
// or nothing when `json` is not such a notice (release fbf17cd's own JSON,
// which stays as it is). For the outbox's migration only.
std::optional<std::string> NoticeBytesFromJson(absl::string_view json);

}  // namespace ent::convention

#endif  // ENT_CONVENTION_STORE_CONVENTION_RECORDS_H_
