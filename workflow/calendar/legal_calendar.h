// The legal calendar used for the convention's delays (DESIGN §3.4): French
// public holidays (Gregorian Easter computus; Alsace-Moselle as a variant),
// working days, and delay arithmetic after articles 640-642 of the Code de
// procédure civile. Every computed deadline carries an explanation a person
// can check. Pure computation; thread-safe.
#ifndef ENT_WORKFLOW_CALENDAR_LEGAL_CALENDAR_H_
#define ENT_WORKFLOW_CALENDAR_LEGAL_CALENDAR_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/civil_date.h"

namespace ent::workflow {

enum class CalendarVariant {
  kNational,       // the eleven national public holidays
  kAlsaceMoselle,  // plus Good Friday and 26 December
};

struct Holiday {
  CivilDate date;
  std::string name;  // e.g. "Fête du travail"
};

// A computed deadline and how it was computed.
struct Deadline {
  CivilDate act_date;          // date the delay runs from
  CivilDate nominal_last_day;  // before moving off a weekend or holiday
  CivilDate last_day;          // the deadline: the delay ends at 24:00 on this day
  absl::Time expires_at;       // 24:00 Europe/Paris on last_day (00:00 the next day)
  std::string rule;            // e.g. "1 month", "15 days", "2 months (délai franc)"
  std::string explanation;     // the computation, step by step, in words
};

class LegalCalendar {
 public:
  explicit LegalCalendar(CalendarVariant variant = CalendarVariant::kNational)
      : variant_(variant) {}

  // Easter Sunday of `year` (Gregorian calendar, anonymous computus).
  static CivilDate Easter(int year);

  std::vector<Holiday> HolidaysOf(int year) const;
  // The holiday's name, or nullopt on an ordinary day.
  std::optional<std::string> HolidayName(CivilDate d) const;
  bool IsWorkingDay(CivilDate d) const;

  // A delay of `days` days from an act on `act`: the day of the act does not
  // count (art. 641), so it ends `days` days later.
  Deadline AddDays(CivilDate act, int days) const;
  // A delay of `months` months: the same day number in the target month, or
  // that month's last day when the number does not exist (art. 641).
  Deadline AddMonths(CivilDate act, int months) const;
  // A "délai franc" of `months` months (administrative appeals): neither the
  // day of the act nor the last day counts, so it ends one day later.
  Deadline AddMonthsFranc(CivilDate act, int months) const;

 private:
  // Moves `nominal` to the next working day (art. 642) and explains why.
  Deadline Finish(CivilDate act, CivilDate nominal, std::string rule, std::string explanation) const;

  CalendarVariant variant_;
};

}  // namespace ent::workflow

#endif  // ENT_WORKFLOW_CALENDAR_LEGAL_CALENDAR_H_
