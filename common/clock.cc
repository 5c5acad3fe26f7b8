#include "common/clock.h"

#include <cstdio>
#include <cstdlib>

#include "absl/time/clock.h"

namespace ent {

absl::Time RealClock::Now() const { return absl::Now(); }

absl::Time ManualClock::Now() const {
  absl::MutexLock lock(&mu_);
  return now_;
}

void ManualClock::Set(absl::Time t) {
  absl::MutexLock lock(&mu_);
  now_ = t;
}

void ManualClock::Advance(absl::Duration d) {
  absl::MutexLock lock(&mu_);
  now_ += d;
}

const absl::TimeZone& ParisTimeZone() {
  static const absl::TimeZone* const zone = [] {
    auto* tz = new absl::TimeZone;
    if (!absl::LoadTimeZone("Europe/Paris", tz)) {
      std::fprintf(stderr, "fatal: time zone Europe/Paris not found (install tzdata)\n");
      std::abort();
    }
    return tz;
  }();
  return *zone;
}

CivilDate ParisDate(absl::Time t) {
  return absl::ToCivilDay(t, ParisTimeZone());
}

}  // namespace ent
