// French forms of amounts and dates as printed on public documents (titres de
// perception, registered letters, conventions): "1 234,56 €", "cent euros",
// "3 novembre 2021", "lundi 2 mai 2022". Pure functions; thread-safe.
#ifndef ENT_COMMON_DOCUMENTS_FRENCH_TEXT_H_
#define ENT_COMMON_DOCUMENTS_FRENCH_TEXT_H_

#include <cstdint>
#include <optional>
#include <string>

#include "common/civil_date.h"
#include "google/type/date.pb.h"

namespace ent::documents {

// "1 234,56 €", "-2,50 €" (a narrow no-break space would be typographically
// better; an ordinary space keeps the text searchable as users type it).
std::string FrenchEuros(int64_t cents);

// A whole number in words, traditional spelling: 21 "vingt et un", 80
// "quatre-vingts", 200 "deux cents", 201 "deux cent un", 1000 "mille".
// `number` must be in [0, 999 999 999 999].
std::string NumberInWords(int64_t number);

// An amount in words, as written on a titre: "cent euros", "un euro et cinq
// centimes", "un million d'euros", "zéro euro". Negative amounts are written
// as their absolute value preceded by "moins".
std::string EurosInWords(int64_t cents);

// "3 novembre 2021", "1er mai 2022".
std::string FrenchDate(CivilDate d);
// "lundi 2 mai 2022".
std::string FrenchDateWithWeekday(CivilDate d);
// "lundi".
std::string FrenchWeekday(CivilDate d);

// A party's name inside a French sentence, with its article: "Commune de
// Saint-Ambroix" → "la commune de Saint-Ambroix", "Académie de Montpellier" →
// "l'académie de Montpellier", "Rectorat de …" → "le rectorat de …"; a name
// that does not start with such a noun ("Saint-Ambroix", "SIVOM du …") is
// kept as written. `sentence_start` capitalises the article ("La commune…").
std::string PartyInSentence(const std::string& name, bool sentence_start = false);

// A date of the API: nullopt when unset or impossible.
std::optional<CivilDate> CivilDateOf(const google::type::Date& d);
// As above; "-" when unset or impossible.
std::string FrenchDate(const google::type::Date& d);
std::string FrenchDateWithWeekday(const google::type::Date& d);

}  // namespace ent::documents

#endif  // ENT_COMMON_DOCUMENTS_FRENCH_TEXT_H_
