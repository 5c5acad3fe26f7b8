// Injected time. Domain code asks a Clock for the current instant and never
// reads the system clock itself, so tests and demos can run on simulated time.
#ifndef ENT_COMMON_CLOCK_H_
#define ENT_COMMON_CLOCK_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/civil_date.h"

namespace ent {

// Source of the current instant. Implementations are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
};

// The system's real-time clock.
class RealClock final : public Clock {
 public:
  absl::Time Now() const override;
};

// A clock that only moves when told to. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(absl::Time start) : now_(start) {}
  absl::Time Now() const override;
  void Set(absl::Time t);
  void Advance(absl::Duration d);

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
};

// The Europe/Paris time zone, which every legal date of the project uses.
// Aborts at start-up if tzdata is missing rather than computing wrong dates.
const absl::TimeZone& ParisTimeZone();

// The civil date in Europe/Paris at instant `t`.
CivilDate ParisDate(absl::Time t);

// Today's date in Europe/Paris according to `clock`.
inline CivilDate TodayInParis(const Clock& clock) { return ParisDate(clock.Now()); }

// Parses --clock: "real" (or empty) or "simulated:<RFC 3339 instant>".
// Returns the simulated start instant, or nullopt for the real clock.
absl::StatusOr<std::optional<absl::Time>> ParseClockFlag(const std::string& value);

// A service's clock from its --clock flag: the real clock, or a ManualClock
// (`simulated` points at it) that only moves through ClockService.
struct ServiceClock {
  std::unique_ptr<Clock> clock;
  ManualClock* simulated = nullptr;
};
absl::StatusOr<ServiceClock> MakeServiceClock(const std::string& flag);

// A simulated clock kept across restarts: the instant it was last moved to,
// in a file (RFC 3339, one line). Read returns nullopt when the file is
// absent or unreadable; Write replaces it atomically (write, then rename).
std::optional<absl::Time> ReadSimulatedInstant(const std::string& path);
absl::Status WriteSimulatedInstant(const std::string& path, absl::Time t);

}  // namespace ent

#endif  // ENT_COMMON_CLOCK_H_
