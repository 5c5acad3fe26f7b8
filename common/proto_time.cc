#include "common/proto_time.h"

#include <google/protobuf/util/time_util.h>

#include "absl/strings/str_cat.h"

namespace ent {

using google::protobuf::util::TimeUtil;

void DateToProto(CivilDate d, google::type::Date* out) {
  out->set_year(static_cast<int32_t>(d.year()));
  out->set_month(d.month());
  out->set_day(d.day());
}

absl::StatusOr<std::optional<CivilDate>> DateFromProto(const google::type::Date& d) {
  if (d.year() == 0 && d.month() == 0 && d.day() == 0) return std::optional<CivilDate>();
  std::optional<CivilDate> date = MakeDate(d.year(), d.month(), d.day());
  if (!date) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a valid date: ", d.year(), "-", d.month(), "-", d.day()));
  }
  return date;
}

std::optional<CivilDate> DateFromRequest(const google::type::Date& d, const std::string& field,
                                         FieldViolations& v) {
  if (d.year() == 0 && d.month() == 0 && d.day() == 0) return std::nullopt;
  std::optional<CivilDate> date = MakeDate(d.year(), d.month(), d.day());
  if (!date) {
    v.Add(field,
          absl::StrCat("is not a valid date (", d.year(), "-", d.month(), "-", d.day(),
                       "); a full year, month and day are required"),
          absl::StrCat("n'est pas une date qui existe (", d.day(), "/", d.month(), "/", d.year(),
                       ") : le jour, le mois et l'année sont requis"));
  }
  return date;
}

CivilDate RequiredDateFromRequest(const google::type::Date& d, const std::string& field,
                                  FieldViolations& v) {
  if (d.year() == 0 && d.month() == 0 && d.day() == 0) v.Add(field, "is required", "est obligatoire");
  return DateFromRequest(d, field, v).value_or(CivilDate());
}

void OptionalDateToProto(const std::optional<CivilDate>& d, google::type::Date* out) {
  if (d) {
    DateToProto(*d, out);
  } else {
    out->Clear();
  }
}

std::optional<CivilDate> StoredDateReader::Optional(const google::type::Date& d,
                                                   const char* field) {
  absl::StatusOr<std::optional<CivilDate>> date = DateFromProto(d);
  if (!date.ok()) {
    if (error_.ok()) error_ = absl::InternalError(absl::StrCat(field, ": ", date.status().message()));
    return std::nullopt;
  }
  return *date;
}

CivilDate StoredDateReader::Required(const google::type::Date& d, const char* field) {
  std::optional<CivilDate> date = Optional(d, field);
  if (!date && error_.ok()) error_ = absl::InternalError(absl::StrCat(field, " is missing"));
  return date.value_or(CivilDate());
}

void TimeToProto(absl::Time t, google::protobuf::Timestamp* out) {
  *out = TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(t));
}

absl::Time TimeFromProto(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

}  // namespace ent
