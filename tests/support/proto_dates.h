// google.type.Date and Timestamp helpers for tests.
#ifndef ENT_TESTS_SUPPORT_PROTO_DATES_H_
#define ENT_TESTS_SUPPORT_PROTO_DATES_H_

#include <cstdio>
#include <string>

#include <google/protobuf/timestamp.pb.h>

#include "absl/time/time.h"
#include "google/type/date.pb.h"

namespace ent::testing {

inline google::type::Date Date(int y, int m, int d) {
  google::type::Date out;
  out.set_year(y);
  out.set_month(m);
  out.set_day(d);
  return out;
}

// "YYYY-MM-DD".
inline std::string Iso(const google::type::Date& d) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02d", d.year(), d.month(), d.day());
  return buf;
}

// "YYYY-MM-DDTHH:MM:SSZ".
inline std::string Utc(const google::protobuf::Timestamp& t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(t.seconds()),
                          absl::UTCTimeZone());
}

}  // namespace ent::testing

#endif  // ENT_TESTS_SUPPORT_PROTO_DATES_H_
