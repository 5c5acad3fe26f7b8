#include "workflow/calendar/legal_calendar.h"

#include "absl/strings/str_cat.h"
#include "common/clock.h"

namespace ent::workflow {
namespace {

const char* kMonthNames[] = {"January", "February", "March",     "April",   "May",      "June",
                             "July",    "August",   "September", "October", "November", "December"};

CivilDate LastDayOfMonth(int year, int month) {
  return CivilDate(year, month + 1, 1) - 1;  // absl normalises month 13
}

bool IsWeekend(CivilDate d) {
  const absl::Weekday w = absl::GetWeekday(d);
  return w == absl::Weekday::saturday || w == absl::Weekday::sunday;
}

std::string EnglishWeekday(CivilDate d) {
  switch (absl::GetWeekday(d)) {
    case absl::Weekday::monday: return "Monday";
    case absl::Weekday::tuesday: return "Tuesday";
    case absl::Weekday::wednesday: return "Wednesday";
    case absl::Weekday::thursday: return "Thursday";
    case absl::Weekday::friday: return "Friday";
    case absl::Weekday::saturday: return "Saturday";
    case absl::Weekday::sunday: return "Sunday";
  }
  return "";
}

std::string Plural(int n, const char* unit) {
  return absl::StrCat(n, " ", unit, n == 1 ? "" : "s");
}

}  // namespace

CivilDate LegalCalendar::Easter(int year) {
  const int a = year % 19;
  const int b = year / 100;
  const int c = year % 100;
  const int d = b / 4;
  const int e = b % 4;
  const int f = (b + 8) / 25;
  const int g = (b - f + 1) / 3;
  const int h = (19 * a + b - d - g + 15) % 30;
  const int i = c / 4;
  const int k = c % 4;
  const int l = (32 + 2 * e + 2 * i - h - k) % 7;
  const int m = (a + 11 * h + 22 * l) / 451;
  const int month = (h + l - 7 * m + 114) / 31;
  const int day = (h + l - 7 * m + 114) % 31 + 1;
  return CivilDate(year, month, day);
}

std::vector<Holiday> LegalCalendar::HolidaysOf(int year) const {
  const CivilDate easter = Easter(year);
  std::vector<Holiday> out = {
      {CivilDate(year, 1, 1), "Jour de l'an"},
      {easter + 1, "Lundi de Pâques"},
      {CivilDate(year, 5, 1), "Fête du travail"},
      {CivilDate(year, 5, 8), "Victoire 1945"},
      {easter + 39, "Ascension"},
      {easter + 50, "Lundi de Pentecôte"},
      {CivilDate(year, 7, 14), "Fête nationale"},
      {CivilDate(year, 8, 15), "Assomption"},
      {CivilDate(year, 11, 1), "Toussaint"},
      {CivilDate(year, 11, 11), "Armistice 1918"},
      {CivilDate(year, 12, 25), "Noël"},
  };
  if (variant_ == CalendarVariant::kAlsaceMoselle) {
    out.push_back({easter - 2, "Vendredi saint"});
    out.push_back({CivilDate(year, 12, 26), "Saint-Étienne"});
  }
  return out;
}

std::optional<std::string> LegalCalendar::HolidayName(CivilDate d) const {
  for (const Holiday& h : HolidaysOf(static_cast<int>(d.year()))) {
    if (h.date == d) return h.name;
  }
  return std::nullopt;
}

bool LegalCalendar::IsWorkingDay(CivilDate d) const {
  return !IsWeekend(d) && !HolidayName(d).has_value();
}

Deadline LegalCalendar::Finish(CivilDate act, CivilDate nominal, std::string rule,
                               std::string explanation) const {
  CivilDate day = nominal;
  bool first = true;
  while (!IsWorkingDay(day)) {
    const auto holiday = HolidayName(day);
    std::string why = IsWeekend(day) ? EnglishWeekday(day) : std::string();
    if (holiday) why = why.empty() ? *holiday : absl::StrCat(why, ", ", *holiday);
    if (first) {
      absl::StrAppend(&explanation, " → ", why);
    } else {
      absl::StrAppend(&explanation, " → ", FormatIsoDate(day), " ", why);
    }
    first = false;
    day += 1;
  }
  if (day != nominal) absl::StrAppend(&explanation, " → ", FormatIsoDate(day));
  absl::StrAppend(&explanation, " (", EnglishWeekday(day), "); ends at 24:00 Europe/Paris");
  const absl::Time expires_at =
      absl::FromCivil(absl::CivilSecond(day + 1), ParisTimeZone());
  return Deadline{act, nominal, day, expires_at, std::move(rule), std::move(explanation)};
}

Deadline LegalCalendar::AddDays(CivilDate act, int days) const {
  const CivilDate nominal = act + days;
  std::string explanation =
      absl::StrCat(Plural(days, "day"), " from ", EnglishWeekday(act), " ", FormatIsoDate(act),
                   " (the day of the act does not count) → ", FormatIsoDate(nominal));
  return Finish(act, nominal, Plural(days, "day"), std::move(explanation));
}

Deadline LegalCalendar::AddMonths(CivilDate act, int months) const {
  const absl::CivilMonth target = absl::CivilMonth(act) + months;
  const CivilDate last = LastDayOfMonth(static_cast<int>(target.year()), target.month());
  std::string explanation = absl::StrCat(Plural(months, "month"), " from ", FormatIsoDate(act));
  CivilDate nominal;
  if (act.day() > last.day()) {
    nominal = last;
    absl::StrAppend(&explanation, " → ", FormatIsoDate(nominal), " (no ", act.day(), " ",
                    kMonthNames[target.month() - 1], ")");
  } else {
    nominal = CivilDate(target.year(), target.month(), act.day());
    absl::StrAppend(&explanation, " → ", FormatIsoDate(nominal));
  }
  return Finish(act, nominal, Plural(months, "month"), std::move(explanation));
}

Deadline LegalCalendar::AddMonthsFranc(CivilDate act, int months) const {
  const absl::CivilMonth target = absl::CivilMonth(act) + months;
  const CivilDate last = LastDayOfMonth(static_cast<int>(target.year()), target.month());
  const CivilDate same = act.day() > last.day()
                             ? last
                             : CivilDate(target.year(), target.month(), act.day());
  const CivilDate nominal = same + 1;
  std::string explanation = absl::StrCat(
      Plural(months, "month"), " délai franc from ", FormatIsoDate(act), " → ",
      FormatIsoDate(same), " → neither the first nor the last day counts → ",
      FormatIsoDate(nominal));
  return Finish(act, nominal, absl::StrCat(Plural(months, "month"), " (délai franc)"),
                std::move(explanation));
}

}  // namespace ent::workflow
