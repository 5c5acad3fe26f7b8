// A legal delay's computation in French, after articles 640 to 642 of the code
// de procédure civile, as the Article 8 letters print it and the API returns
// it (ComputedDeadline.explanation_fr). Pure functions; thread-safe.
#ifndef ENT_WORKFLOW_CALENDAR_FRENCH_EXPLANATION_H_
#define ENT_WORKFLOW_CALENDAR_FRENCH_EXPLANATION_H_

#include <optional>
#include <string>

#include "workflow/calendar/legal_calendar.h"

namespace ent::workflow {

// The delay of `rule` ("1 month", "15 days", "2 months (délai franc)") in
// French: "d'un mois", "de quinze jours", "franc de deux mois"; nullopt for a
// rule of another form.
std::optional<std::string> FrenchDelay(const std::string& rule);

// The computation of `d` in words, e.g. "Délai d'un mois à compter du jeudi
// 31 mars 2022. Le jour de l'acte ne compte pas (art. 641 du code de procédure
// civile) ; le 31 du mois suivant n'existant pas, le délai échoit le dernier
// jour de ce mois, le samedi 30 avril 2022. Le délai qui expirerait un samedi,
// un dimanche ou un jour férié est prorogé jusqu'au premier jour ouvrable
// suivant (art. 642) : samedi 30 avril 2022, dimanche 1er mai 2022 (Fête du
// travail) ne sont pas ouvrables. Le délai expire le lundi 2 mai 2022 à 24
// heures (heure de Paris)." `act`, when not empty, names the act after the
// date ("de l'envoi de la mise en demeure" → "…, date de l'envoi de …").
// Recomputed with `calendar` from `d`'s act date and rule: nullopt when the
// rule is not understood or the calendar does not give `d`'s last day (a
// deadline stored under other rules), so that a caller never prints a
// computation that disagrees with the recorded date.
std::optional<std::string> FrenchExplanation(const Deadline& d, const LegalCalendar& calendar,
                                             const std::string& act = "");

}  // namespace ent::workflow

#endif  // ENT_WORKFLOW_CALENDAR_FRENCH_EXPLANATION_H_
