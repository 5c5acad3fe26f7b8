// Storage encoding of billing-service's records: binary protobuf messages of
// ent.billing.storage.v1 (proto/ent/billing/storage/v1/records.proto): the
// conventions billing knows, the body of a titre, and the first answer to a
// mutating request. Records written by older or newer code read here (absent
// fields take their defaults, unknown ones are skipped). Decoding fails with
// INTERNAL naming the record, never crashes.
#ifndef ENT_BILLING_STORE_BILLING_RECORDS_H_
#define ENT_BILLING_STORE_BILLING_RECORDS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "billing-service/domain/billing.h"

namespace ent::billing {

// The `recorded_by` column of payments and corrections: AuthorRecord bytes,
// empty for no author (rows of earlier releases read as an empty Author).
std::string EncodeAuthor(const Author& a);
absl::StatusOr<Author> DecodeAuthor(absl::string_view bytes);

std::string EncodeConvention(const BillableConvention& c);
absl::StatusOr<BillableConvention> DecodeConvention(absl::string_view bytes);

// The titre's body (everything but its number, total, lines and creation
// time, which have columns of their own).
std::string EncodeTitreBody(const Titre& t);
// Fills the body fields of `t` from `bytes`.
absl::Status DecodeTitreBody(absl::string_view bytes, Titre& t);

// The first answer to a mutating request, as it was given. Decoding an answer
// of another kind than asked is INTERNAL.
std::string EncodeAnswer(const Tariff& t);
std::string EncodeAnswer(const TitreAccount& a);
std::string EncodeAnswer(const Payment& p);
std::string EncodeAnswer(const Correction& c);
std::string EncodeAnswer(const CampaignResult& r);
absl::Status DecodeAnswer(absl::string_view bytes, Tariff* out);
absl::Status DecodeAnswer(absl::string_view bytes, TitreAccount* out);
absl::Status DecodeAnswer(absl::string_view bytes, Payment* out);
absl::Status DecodeAnswer(absl::string_view bytes, Correction* out);
absl::Status DecodeAnswer(absl::string_view bytes, CampaignResult* out);

}  // namespace ent::billing

#endif  // ENT_BILLING_STORE_BILLING_RECORDS_H_
