// The console's words: states, events, deadlines and roles in French, dates
// ("lundi 2 mai 2022"), instants in Europe/Paris ("lundi 2 mai 2022 à
// 10 h 00"), amounts ("1 234,56 €"), and the folding of names for search
// ("Saint-Ambroix" and "saint ambroix" match). Pure functions; thread-safe.
#ifndef ENT_CONSOLE_FRENCH_H_
#define ENT_CONSOLE_FRENCH_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/civil_date.h"
#include "ent/billing/v1/billing.pb.h"
#include "ent/convention/v1/convention.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/type/date.pb.h"

namespace ent::console {

// "lundi 2 mai 2022"; "" when unset.
std::string DateFr(const google::type::Date& d);
// "lundi 2 mai 2022 à 10 h 00" (Europe/Paris).
std::string InstantFr(absl::Time t);
std::string InstantFr(const google::protobuf::Timestamp& t);
// "1 234,56 €".
std::string EurosFr(int64_t cents);
// Whole days from `today` to `day` ("dans 3 jours", "aujourd'hui", "dépassée depuis 2 jours").
std::string DaysLeftFr(CivilDate today, CivilDate day);

std::string ConventionStateFr(convention::v1::Convention::State s);
// The DSFR badge class of a state: "fr-badge--success"…
std::string ConventionStateBadge(convention::v1::Convention::State s);
std::string DisputeStateFr(convention::v1::Dispute::State s);
std::string DisputeStateBadge(convention::v1::Dispute::State s);
std::string EventTypeFr(convention::v1::ConventionEvent::Type t);
// An event's changes in French, one line each, from its typed FieldChanges
// (never from its English description): "État : en vigueur → arrivée à
// échéance", "Dernier jour en vigueur : vendredi 27 mai 2022". Fields the
// console has no word for keep their API name; ISO dates and state names are
// phrased.
std::vector<std::string> EventChangesFr(const convention::v1::ConventionEvent& e);
std::string PartyFr(convention::v1::PartyRole p);
// What happens when the deadline falls due.
std::string DeadlineKindFr(convention::v1::PendingDeadline::Kind k);
std::string DeadlineConsequenceFr(convention::v1::PendingDeadline::Kind k);
std::string TitreStateFr(billing::v1::Titre::State s);
std::string RoleFr(int role);

// Lower case, accents removed, hyphens and apostrophes as spaces, spaces
// collapsed: "Saint-Ambroix" → "saint ambroix", "L'Haÿ" → "l hay".
std::string FoldForSearch(const std::string& text);

// "31/03/2022" or "2022-03-31" → the date; nullopt otherwise (impossible
// dates included).
std::optional<google::type::Date> ParseDateField(const std::string& text);
// "12,50", "12.50", "12" (euros) → cents; nullopt otherwise.
std::optional<int64_t> ParseEuros(const std::string& text);

}  // namespace ent::console

#endif  // ENT_CONSOLE_FRENCH_H_
