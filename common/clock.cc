#include "common/clock.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
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

absl::StatusOr<std::optional<absl::Time>> ParseClockFlag(const std::string& value) {
  if (value.empty() || value == "real") return std::optional<absl::Time>();
  absl::string_view rest = value;
  if (!absl::ConsumePrefix(&rest, "simulated:")) {
    return absl::InvalidArgumentError(
        "--clock: expected 'real' or 'simulated:<RFC 3339 instant>', e.g. "
        "simulated:2021-10-01T08:00:00+02:00");
  }
  absl::Time start;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, std::string(rest), &start, &error)) {
    return absl::InvalidArgumentError(absl::StrCat("--clock: bad instant '", rest, "': ", error));
  }
  return std::optional<absl::Time>(start);
}

absl::StatusOr<ServiceClock> MakeServiceClock(const std::string& flag) {
  auto start = ParseClockFlag(flag);
  if (!start.ok()) return start.status();
  ServiceClock out;
  if (*start) {
    auto manual = std::make_unique<ManualClock>(**start);
    out.simulated = manual.get();
    out.clock = std::move(manual);
  } else {
    out.clock = std::make_unique<RealClock>();
  }
  return out;
}

}  // namespace ent

namespace ent {

std::optional<absl::Time> ReadSimulatedInstant(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) return std::nullopt;
  absl::Time t;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, std::string(absl::StripAsciiWhitespace(line)), &t,
                       &error)) {
    return std::nullopt;
  }
  return t;
}

absl::Status WriteSimulatedInstant(const std::string& path, absl::Time t) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << absl::FormatTime(absl::RFC3339_full, t, absl::UTCTimeZone()) << "\n";
    if (!out.flush()) return absl::UnavailableError("cannot write " + temporary);
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    return absl::UnavailableError("cannot replace " + path);
  }
  return absl::OkStatus();
}

}  // namespace ent
