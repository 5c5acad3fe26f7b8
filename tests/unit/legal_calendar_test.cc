#include "workflow/calendar/legal_calendar.h"
#include "workflow/calendar/french_explanation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/time/time.h"

namespace ent::workflow {
namespace {

using ::testing::HasSubstr;

absl::Time Utc(const char* rfc3339) {
  absl::Time t;
  std::string err;
  EXPECT_TRUE(absl::ParseTime(absl::RFC3339_full, rfc3339, &t, &err)) << err;
  return t;
}

TEST(LegalCalendarTest, EasterComputus) {
  const std::pair<int, CivilDate> cases[] = {
      {2021, CivilDate(2021, 4, 4)},  {2022, CivilDate(2022, 4, 17)},
      {2024, CivilDate(2024, 3, 31)}, {2025, CivilDate(2025, 4, 20)},
      {2028, CivilDate(2028, 4, 16)}, {2038, CivilDate(2038, 4, 25)},
      {2008, CivilDate(2008, 3, 23)}, {2019, CivilDate(2019, 4, 21)},
  };
  for (const auto& [year, easter] : cases) EXPECT_EQ(LegalCalendar::Easter(year), easter) << year;
}

TEST(LegalCalendarTest, NationalHolidaysOfSeveralYears) {
  LegalCalendar calendar;
  struct Row {
    CivilDate date;
    const char* name;
  };
  const Row rows[] = {
      // 2022
      {CivilDate(2022, 4, 18), "Lundi de Pâques"}, {CivilDate(2022, 5, 26), "Ascension"},
      {CivilDate(2022, 6, 6), "Lundi de Pentecôte"}, {CivilDate(2022, 5, 1), "Fête du travail"},
      // 2024: Easter on 31 March, so Easter Monday is 1 April; leap year
      {CivilDate(2024, 4, 1), "Lundi de Pâques"}, {CivilDate(2024, 5, 9), "Ascension"},
      {CivilDate(2024, 5, 20), "Lundi de Pentecôte"},
      // 2025
      {CivilDate(2025, 4, 21), "Lundi de Pâques"}, {CivilDate(2025, 5, 29), "Ascension"},
      {CivilDate(2025, 6, 9), "Lundi de Pentecôte"}, {CivilDate(2025, 7, 14), "Fête nationale"},
      {CivilDate(2025, 8, 15), "Assomption"}, {CivilDate(2025, 11, 1), "Toussaint"},
      {CivilDate(2025, 11, 11), "Armistice 1918"}, {CivilDate(2025, 12, 25), "Noël"},
      {CivilDate(2025, 1, 1), "Jour de l'an"}, {CivilDate(2025, 5, 8), "Victoire 1945"},
  };
  for (const Row& row : rows) {
    EXPECT_EQ(calendar.HolidayName(row.date), std::optional<std::string>(row.name))
        << FormatIsoDate(row.date);
  }
  EXPECT_EQ(calendar.HolidaysOf(2024).size(), 11u);
  EXPECT_FALSE(calendar.HolidayName(CivilDate(2024, 3, 29)).has_value());  // no Good Friday
  EXPECT_FALSE(calendar.HolidayName(CivilDate(2024, 12, 26)).has_value());
  EXPECT_FALSE(calendar.IsWorkingDay(CivilDate(2024, 4, 1)));
  EXPECT_FALSE(calendar.IsWorkingDay(CivilDate(2024, 3, 30)));  // Saturday
  EXPECT_TRUE(calendar.IsWorkingDay(CivilDate(2024, 4, 2)));
}

TEST(LegalCalendarTest, AlsaceMoselleAddsGoodFridayAndSaintStephen) {
  LegalCalendar calendar(CalendarVariant::kAlsaceMoselle);
  EXPECT_EQ(calendar.HolidayName(CivilDate(2024, 3, 29)), std::optional<std::string>("Vendredi saint"));
  EXPECT_EQ(calendar.HolidayName(CivilDate(2024, 12, 26)), std::optional<std::string>("Saint-Étienne"));
  EXPECT_EQ(calendar.HolidaysOf(2024).size(), 13u);
}

// DESIGN §6 step 4.
TEST(LegalCalendarTest, OneMonthFromMarch31stEndsMonday2May2022) {
  LegalCalendar calendar;
  Deadline d = calendar.AddMonths(CivilDate(2022, 3, 31), 1);
  EXPECT_EQ(d.nominal_last_day, CivilDate(2022, 4, 30));
  EXPECT_EQ(d.last_day, CivilDate(2022, 5, 2));
  EXPECT_EQ(d.expires_at, Utc("2022-05-02T22:00:00Z"));  // 2022-05-03 00:00 Europe/Paris
  EXPECT_EQ(d.explanation,
            "1 month from 2022-03-31 → 2022-04-30 (no 31 April) → Saturday → 2022-05-01 Sunday, "
            "Fête du travail → 2022-05-02 (Monday); ends at 24:00 Europe/Paris");
}

// DESIGN §6 step 5.
TEST(LegalCalendarTest, FifteenDaysFromWednesday11May2022EndsFriday27May) {
  LegalCalendar calendar;
  Deadline d = calendar.AddDays(CivilDate(2022, 5, 11), 15);
  EXPECT_EQ(d.nominal_last_day, CivilDate(2022, 5, 26));
  EXPECT_EQ(d.last_day, CivilDate(2022, 5, 27));
  EXPECT_EQ(d.expires_at, Utc("2022-05-27T22:00:00Z"));
  EXPECT_THAT(d.explanation, HasSubstr("(the day of the act does not count) → 2022-05-26 → Ascension → 2022-05-27"));
}

TEST(LegalCalendarTest, MonthEndsAndLeapYears) {
  LegalCalendar calendar;
  const std::tuple<CivilDate, int, CivilDate> cases[] = {
      {CivilDate(2024, 1, 31), 1, CivilDate(2024, 2, 29)},   // leap year, Thursday
      {CivilDate(2023, 1, 31), 1, CivilDate(2023, 2, 28)},   // Tuesday
      {CivilDate(2022, 1, 15), 1, CivilDate(2022, 2, 15)},   // Tuesday
      {CivilDate(2022, 8, 31), 1, CivilDate(2022, 9, 30)},   // Friday
      {CivilDate(2022, 12, 15), 1, CivilDate(2023, 1, 16)},  // 15 January 2023 is a Sunday
      {CivilDate(2021, 12, 31), 2, CivilDate(2022, 2, 28)},  // Monday
  };
  for (const auto& [act, months, expected] : cases) {
    EXPECT_EQ(calendar.AddMonths(act, months).last_day, expected) << FormatIsoDate(act);
  }
  // Days across a year end and a holiday.
  EXPECT_EQ(calendar.AddDays(CivilDate(2024, 12, 17), 15).last_day, CivilDate(2025, 1, 2));
  EXPECT_EQ(calendar.AddDays(CivilDate(2025, 12, 10), 15).last_day, CivilDate(2025, 12, 26));
  LegalCalendar alsace(CalendarVariant::kAlsaceMoselle);
  EXPECT_EQ(alsace.AddDays(CivilDate(2025, 12, 10), 15).last_day, CivilDate(2025, 12, 29));
}

TEST(LegalCalendarTest, DeadlinesEndAtMidnightParisAcrossDaylightSaving) {
  LegalCalendar calendar;
  // Ends Monday 28 March 2022, after the switch to summer time (UTC+2).
  EXPECT_EQ(calendar.AddDays(CivilDate(2022, 3, 11), 15).expires_at, Utc("2022-03-28T22:00:00Z"));
  // Last day Friday 28 October 2022: midnight is still summer time (UTC+2).
  EXPECT_EQ(calendar.AddDays(CivilDate(2022, 10, 13), 15).expires_at, Utc("2022-10-28T22:00:00Z"));
  // Nominal Sunday 30 October 2022 (the switch back) → Monday 31: winter time (UTC+1).
  Deadline d = calendar.AddDays(CivilDate(2022, 10, 15), 15);
  EXPECT_EQ(d.last_day, CivilDate(2022, 10, 31));
  EXPECT_EQ(d.expires_at, Utc("2022-10-31T23:00:00Z"));
}

TEST(LegalCalendarTest, AppealWindowIsTwoMonthsDelaiFranc) {
  LegalCalendar calendar;
  // Saint-Ambroix: deliberation posted and transmitted on 29 October 2021.
  Deadline d = calendar.AddMonthsFranc(CivilDate(2021, 10, 29), 2);
  EXPECT_EQ(d.nominal_last_day, CivilDate(2021, 12, 30));
  EXPECT_EQ(d.last_day, CivilDate(2021, 12, 30));  // Thursday
  EXPECT_EQ(d.rule, "2 months (délai franc)");
  // 30 April + 2 months → 30 June + 1 → Saturday 1 July 2023 → Monday 3 July.
  EXPECT_EQ(calendar.AddMonthsFranc(CivilDate(2023, 4, 30), 2).last_day, CivilDate(2023, 7, 3));
}

TEST(FrenchExplanation, GoldenConciliationDeadlineSaysWhy31AprilBecomes2May) {
  const LegalCalendar calendar;
  const Deadline d = calendar.AddMonths(CivilDate(2022, 3, 31), 1);
  EXPECT_EQ(FrenchExplanation(d, calendar).value_or(""),
            "Délai d'un mois à compter du jeudi 31 mars 2022. Le jour de l'acte ne compte pas "
            "(art. 641 du code de procédure civile) ; le 31 du mois suivant n'existant pas, le "
            "délai échoit le dernier jour de ce mois, le samedi 30 avril 2022. Le délai qui "
            "expirerait un samedi, un dimanche ou un jour férié est prorogé jusqu'au premier jour "
            "ouvrable suivant (art. 642) : samedi 30 avril 2022, dimanche 1er mai 2022 (Fête du "
            "travail) ne sont pas ouvrables. Le délai expire le lundi 2 mai 2022 à 24 heures "
            "(heure de Paris).");
}

TEST(FrenchExplanation, FifteenDaysNameTheActAndTheHoliday) {
  const LegalCalendar calendar;
  const Deadline d = calendar.AddDays(CivilDate(2022, 5, 11), 15);
  const std::string text = FrenchExplanation(d, calendar, "de l'envoi de la lettre").value_or("");
  EXPECT_THAT(text, HasSubstr("Délai de quinze jours à compter du mercredi 11 mai 2022, date de "
                              "l'envoi de la lettre."));
  EXPECT_THAT(text, HasSubstr("Ascension"));
  EXPECT_THAT(text, HasSubstr("Le délai expire le vendredi 27 mai 2022 à 24 heures"));
}

TEST(FrenchExplanation, FrancDelayAndUnknownRules) {
  const LegalCalendar calendar;
  const Deadline franc = calendar.AddMonthsFranc(CivilDate(2021, 10, 29), 2);
  EXPECT_THAT(FrenchExplanation(franc, calendar).value_or(""),
              HasSubstr("Délai franc de deux mois à compter du vendredi 29 octobre 2021."));
  EXPECT_EQ(FrenchDelay("15 days").value_or(""), "de quinze jours");
  EXPECT_FALSE(FrenchDelay("end date").has_value());
  Deadline other = calendar.AddDays(CivilDate(2022, 5, 11), 15);
  other.last_day = CivilDate(2022, 5, 30);  // stored under another calendar: not explained
  EXPECT_FALSE(FrenchExplanation(other, calendar).has_value());
}

}  // namespace
}  // namespace ent::workflow
