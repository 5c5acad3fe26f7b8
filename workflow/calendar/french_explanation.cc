#include "workflow/calendar/french_explanation.h"

#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/documents/french_text.h"

namespace ent::workflow {
namespace {

using documents::FrenchDateWithWeekday;

struct Rule {
  int count = 0;
  bool months = false;
  bool franc = false;
};

std::optional<Rule> ParseRule(const std::string& rule) {
  Rule r;
  std::string text = rule;
  if (absl::EndsWith(text, " (délai franc)")) {
    r.franc = true;
    text.resize(text.size() - std::string(" (délai franc)").size());
  }
  std::vector<std::string> words = absl::StrSplit(text, ' ');
  if (words.size() != 2 || !absl::SimpleAtoi(words[0], &r.count) || r.count <= 0 ||
      r.count > 3650) {
    return std::nullopt;
  }
  if (words[1] == "month" || words[1] == "months") {
    r.months = true;
  } else if (words[1] != "day" && words[1] != "days") {
    return std::nullopt;
  }
  if (r.franc && !r.months) return std::nullopt;
  return r;
}

}  // namespace

std::optional<std::string> FrenchDelay(const std::string& rule) {
  const auto r = ParseRule(rule);
  if (!r) return std::nullopt;
  const std::string count = r->count == 1 ? "un" : documents::NumberInWords(r->count);
  const std::string unit = r->months ? "mois" : (r->count == 1 ? "jour" : "jours");
  const std::string amount = absl::StrCat(count, " ", unit);
  if (r->franc) return absl::StrCat("franc de ", amount);
  return absl::StrCat(r->count == 1 ? "d'" : "de ", amount);
}

std::optional<std::string> FrenchExplanation(const Deadline& d, const LegalCalendar& calendar,
                                             const std::string& act) {
  const auto r = ParseRule(d.rule);
  const auto delay = FrenchDelay(d.rule);
  if (!r || !delay) return std::nullopt;
  const Deadline again = r->franc    ? calendar.AddMonthsFranc(d.act_date, r->count)
                         : r->months ? calendar.AddMonths(d.act_date, r->count)
                                     : calendar.AddDays(d.act_date, r->count);
  if (again.last_day != d.last_day) return std::nullopt;
  std::string out = absl::StrCat("Délai ", *delay, " à compter du ",
                                 FrenchDateWithWeekday(again.act_date),
                                 act.empty() ? "" : absl::StrCat(", date ", act), ". ");
  if (r->franc) {
    absl::StrAppend(&out, "Ni le jour de l'acte ni le dernier jour ne comptent (délai franc) : le "
                    "délai échoit le ", FrenchDateWithWeekday(again.nominal_last_day), ".");
  } else {
    absl::StrAppend(&out, "Le jour de l'acte ne compte pas (art. 641 du code de procédure civile)");
    if (r->months && again.nominal_last_day.day() != again.act_date.day()) {
      absl::StrAppend(&out, " ; le ", again.act_date.day(), " du mois ",
                      r->count == 1 ? "suivant" : "d'arrivée",
                      " n'existant pas, le délai échoit le dernier jour de ce mois, le ",
                      FrenchDateWithWeekday(again.nominal_last_day), ".");
    } else {
      absl::StrAppend(&out, " : le délai échoit le ", FrenchDateWithWeekday(again.nominal_last_day),
                      ".");
    }
  }
  if (again.last_day != again.nominal_last_day) {
    std::vector<std::string> days;
    for (CivilDate day = again.nominal_last_day; day < again.last_day; ++day) {
      const auto holiday = calendar.HolidayName(day);
      days.push_back(absl::StrCat(FrenchDateWithWeekday(day),
                                  holiday ? absl::StrCat(" (", *holiday, ")") : ""));
    }
    absl::StrAppend(&out, " Le délai qui expirerait un samedi, un dimanche ou un jour férié est "
                    "prorogé jusqu'au premier jour ouvrable suivant (art. 642) : ",
                    absl::StrJoin(days, ", "), days.size() > 1 ? " ne sont pas" : " n'est pas",
                    " ouvrable", days.size() > 1 ? "s" : "", ".");
  }
  absl::StrAppend(&out, " Le délai expire le ", FrenchDateWithWeekday(again.last_day),
                  " à 24 heures (heure de Paris).");
  return out;
}

}  // namespace ent::workflow
