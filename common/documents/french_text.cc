#include "common/documents/french_text.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace ent::documents {
namespace {

constexpr const char* kUnits[] = {"zéro",  "un",       "deux",     "trois",    "quatre",
                                  "cinq",  "six",      "sept",     "huit",     "neuf",
                                  "dix",   "onze",     "douze",    "treize",   "quatorze",
                                  "quinze", "seize",   "dix-sept", "dix-huit", "dix-neuf"};
constexpr const char* kTens[] = {"",          "",          "vingt",    "trente",
                                 "quarante",  "cinquante", "soixante", "soixante",
                                 "quatre-vingt", "quatre-vingt"};

// 0 < n < 100. `plural_end`: "quatre-vingts" takes its s only when it ends the
// number (or comes before million), never before "mille".
std::string Below100(int n, bool plural_end) {
  if (n < 20) return kUnits[n];
  const int tens = n / 10;
  int units = n % 10;
  if (tens == 7 || tens == 9) units += 10;  // soixante-dix, quatre-vingt-onze
  std::string out = kTens[tens];
  if (units == 0) {
    if (tens == 8 && plural_end) out += "s";
    return out;
  }
  if ((units == 1 || units == 11) && tens != 8 && tens != 9) {
    return absl::StrCat(out, " et ", kUnits[units]);  // vingt et un, soixante et onze
  }
  return absl::StrCat(out, "-", kUnits[units]);
}

// 0 < n < 1000.
std::string Below1000(int n, bool plural_end) {
  const int hundreds = n / 100;
  const int rest = n % 100;
  std::string out;
  if (hundreds > 0) {
    out = hundreds == 1 ? "cent" : absl::StrCat(kUnits[hundreds], " cent");
    if (hundreds > 1 && rest == 0 && plural_end) out += "s";
  }
  if (rest > 0) {
    if (!out.empty()) out += " ";
    out += Below100(rest, plural_end);
  }
  return out;
}

}  // namespace

std::string FrenchEuros(int64_t cents) {
  const bool negative = cents < 0;
  const uint64_t a = negative ? 0 - static_cast<uint64_t>(cents) : static_cast<uint64_t>(cents);
  std::string units = absl::StrCat(a / 100);
  for (int i = static_cast<int>(units.size()) - 3; i > 0; i -= 3) units.insert(i, " ");
  return absl::StrFormat("%s%s,%02d €", negative ? "-" : "", units, a % 100);
}

std::string NumberInWords(int64_t number) {
  if (number <= 0) return kUnits[0];
  const int billions = static_cast<int>(number / 1000000000);
  const int millions = static_cast<int>(number / 1000000 % 1000);
  const int thousands = static_cast<int>(number / 1000 % 1000);
  const int units = static_cast<int>(number % 1000);
  std::string out;
  auto append = [&out](const std::string& part) {
    if (!out.empty()) out += " ";
    out += part;
  };
  // Milliard and million are nouns: they take an s, and the number before
  // them keeps its own (deux cents millions).
  if (billions > 0) {
    append(absl::StrCat(Below1000(billions, true), billions > 1 ? " milliards" : " milliard"));
  }
  if (millions > 0) {
    append(absl::StrCat(Below1000(millions, true), millions > 1 ? " millions" : " million"));
  }
  // Mille is invariable and never preceded by "un".
  if (thousands > 0) append(thousands == 1 ? "mille" : absl::StrCat(Below1000(thousands, false), " mille"));
  if (units > 0) append(Below1000(units, true));
  return out;
}

std::string EurosInWords(int64_t cents) {
  if (cents < 0) return absl::StrCat("moins ", EurosInWords(-cents));
  const int64_t euros = cents / 100;
  const int64_t centimes = cents % 100;
  std::string out;
  if (euros > 0 || centimes == 0) {
    out = NumberInWords(euros);
    // "un million d'euros", but "un million deux euros".
    const bool whole_millions = euros >= 1000000 && euros % 1000000 == 0;
    out += whole_millions ? " d'euros" : (euros > 1 ? " euros" : " euro");
  }
  if (centimes > 0) {
    if (!out.empty()) out += " et ";
    out += absl::StrCat(NumberInWords(centimes), centimes > 1 ? " centimes" : " centime");
  }
  return out;
}

std::string FrenchDate(CivilDate d) {
  static constexpr const char* kMonths[] = {"janvier", "février", "mars",      "avril",
                                            "mai",     "juin",    "juillet",   "août",
                                            "septembre", "octobre", "novembre", "décembre"};
  return absl::StrCat(d.day() == 1 ? "1er" : absl::StrCat(d.day()), " ", kMonths[d.month() - 1],
                      " ", d.year());
}

std::string FrenchWeekday(CivilDate d) {
  switch (absl::GetWeekday(d)) {
    case absl::Weekday::monday: return "lundi";
    case absl::Weekday::tuesday: return "mardi";
    case absl::Weekday::wednesday: return "mercredi";
    case absl::Weekday::thursday: return "jeudi";
    case absl::Weekday::friday: return "vendredi";
    case absl::Weekday::saturday: return "samedi";
    case absl::Weekday::sunday: return "dimanche";
  }
  return "";
}

std::string FrenchDateWithWeekday(CivilDate d) {
  return absl::StrCat(FrenchWeekday(d), " ", FrenchDate(d));
}

std::optional<CivilDate> CivilDateOf(const google::type::Date& d) {
  return MakeDate(d.year(), d.month(), d.day());
}

std::string FrenchDate(const google::type::Date& d) {
  const auto c = CivilDateOf(d);
  return c ? FrenchDate(*c) : "-";
}

std::string FrenchDateWithWeekday(const google::type::Date& d) {
  const auto c = CivilDateOf(d);
  return c ? FrenchDateWithWeekday(*c) : "-";
}

std::string PartyInSentence(const std::string& name, bool sentence_start) {
  // The institution's noun as written at the start of a name, its article,
  // and the noun in lower case.
  struct Noun {
    const char* capitalised;
    const char* article;
    const char* lower;
  };
  static constexpr Noun kNouns[] = {
      {"Commune ", "la ", "commune "},       {"Ville ", "la ", "ville "},
      {"Mairie ", "la ", "mairie "},         {"Communauté ", "la ", "communauté "},
      {"Académie ", "l'", "académie "},      {"Rectorat ", "le ", "rectorat "},
      {"Région ", "la ", "région "},         {"Département ", "le ", "département "},
  };
  for (const Noun& n : kNouns) {
    const absl::string_view prefix = n.capitalised;
    if (absl::StartsWith(name, prefix) && name.size() > prefix.size()) {
      std::string article = n.article;
      if (sentence_start) article[0] = static_cast<char>(article[0] - 'a' + 'A');
      return absl::StrCat(article, n.lower, absl::string_view(name).substr(prefix.size()));
    }
  }
  return name;
}

}  // namespace ent::documents
