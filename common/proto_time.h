// The one conversion between the services' time types and protobuf's:
// civil dates <-> google.type.Date, instants <-> google.protobuf.Timestamp.
// Used by the API conversions of both services and by the stored records.
#ifndef ENT_COMMON_PROTO_TIME_H_
#define ENT_COMMON_PROTO_TIME_H_

#include <optional>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/civil_date.h"
#include "common/field_violations.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/type/date.pb.h"

namespace ent {

void DateToProto(CivilDate d, google::type::Date* out);
// An unset date (all zero) is nullopt; an impossible one (2021-02-30, a zero
// month) is INVALID_ARGUMENT naming it.
absl::StatusOr<std::optional<CivilDate>> DateFromProto(const google::type::Date& d);
// A date of a request: unset (all zero) is nullopt; an impossible one is a
// violation of `field` ("is not a valid date (2021-2-30); ...").
std::optional<CivilDate> DateFromRequest(const google::type::Date& d, const std::string& field,
                                         FieldViolations& v);
// Like DateFromRequest, but an unset date is a violation too ("is required").
CivilDate RequiredDateFromRequest(const google::type::Date& d, const std::string& field,
                                  FieldViolations& v);
// An optional date: set when `d` has a value, cleared otherwise.
void OptionalDateToProto(const std::optional<CivilDate>& d, google::type::Date* out);

// Reads the dates of a stored record: the first impossible or missing
// required date is remembered (as INTERNAL naming its field) so that a decoder
// converts every field and checks once.
class StoredDateReader {
 public:
  std::optional<CivilDate> Optional(const google::type::Date& d, const char* field);
  CivilDate Required(const google::type::Date& d, const char* field);
  const absl::Status& error() const { return error_; }

 private:
  absl::Status error_;
};

// Microsecond precision (the services' own), exact for negative instants too.
void TimeToProto(absl::Time t, google::protobuf::Timestamp* out);
absl::Time TimeFromProto(const google::protobuf::Timestamp& t);

}  // namespace ent

#endif  // ENT_COMMON_PROTO_TIME_H_
