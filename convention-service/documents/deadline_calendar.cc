// The pending deadlines as an iCalendar file (declared in convention_documents.h).
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/clock.h"
#include "common/documents/french_text.h"
#include "common/documents/icalendar.h"
#include "common/proto_time.h"
#include "convention-service/documents/convention_documents.h"

namespace ent::convention {
namespace {

std::string Summary(const v1::PendingDeadline& d) {
  const std::string& s = d.subject();
  switch (d.kind()) {
    case v1::PendingDeadline::KIND_CONCILIATION:
      return absl::StrCat("Article 8 : dernier jour pour la conciliation — ", s);
    case v1::PendingDeadline::KIND_TERMINATION:
      return absl::StrCat("Article 8 : la résiliation prend effet à minuit — ", s);
    case v1::PendingDeadline::KIND_EXPIRY:
      return absl::StrCat("Dernier jour de la convention — ", s);
    case v1::PendingDeadline::KIND_RENEWAL_REMINDER:
      return absl::StrCat("Préparer le renouvellement — ", s);
    default: return absl::StrCat("Échéance — ", s);
  }
}

std::string KindId(v1::PendingDeadline::Kind k) {
  switch (k) {
    case v1::PendingDeadline::KIND_CONCILIATION: return "conciliation";
    case v1::PendingDeadline::KIND_TERMINATION: return "termination";
    case v1::PendingDeadline::KIND_EXPIRY: return "expiry";
    case v1::PendingDeadline::KIND_RENEWAL_REMINDER: return "renewal-reminder";
    default: return "deadline";
  }
}

}  // namespace

ent::document::v1::Document DeadlineCalendar(const std::vector<v1::PendingDeadline>& deadlines,
                                            absl::Time now, const std::string& scope) {
  std::vector<documents::CalendarEvent> events;
  // Minutes since 2020: later exports replace earlier ones.
  const int64_t sequence = std::max<int64_t>(
      0, absl::ToInt64Minutes(now - absl::FromCivil(absl::CivilMinute(2020, 1, 1), absl::UTCTimeZone())));
  for (const v1::PendingDeadline& d : deadlines) {
    const v1::ComputedDeadline& c = d.deadline();
    documents::CalendarEvent e;
    e.uid = absl::StrCat(KindId(d.kind()), ".", absl::StrReplaceAll(d.subject(), {{"/", "-"}}),
                         "@ent-ecole.ac-montpellier.fr");
    e.sequence = sequence;
    e.end = TimeFromProto(c.expires_at());
    const auto last_day = documents::CivilDateOf(c.last_day());
    e.start = last_day ? absl::FromCivil(*last_day, ParisTimeZone()) : e.end - absl::Hours(24);
    if (e.start >= e.end) e.start = e.end - absl::Hours(1);
    e.summary = Summary(d);
    e.description = absl::StrCat(
        d.subject(), " (commune INSEE ", d.commune_insee_code(), ")\n",
        c.rule().empty() ? "" : absl::StrCat(c.rule(), " ; "), "dernier jour : ",
        last_day ? documents::FrenchDateWithWeekday(*last_day) : "-", " ; échéance : ",
        absl::FormatTime("%Y-%m-%d %H:%M %Ez", e.end, ParisTimeZone()), " (heure de Paris)\n",
        c.explanation());
    e.categories = d.kind() == v1::PendingDeadline::KIND_CONCILIATION ||
                           d.kind() == v1::PendingDeadline::KIND_TERMINATION
                       ? "Article 8"
                       : "Convention";
    e.alarm_minutes_before = d.kind() == v1::PendingDeadline::KIND_CONCILIATION ||
                                     d.kind() == v1::PendingDeadline::KIND_RENEWAL_REMINDER
                                 ? 2 * 24 * 60
                                 : 0;
    events.push_back(std::move(e));
  }
  ent::document::v1::Document out;
  out.set_media_type("text/calendar");
  out.set_title(absl::StrCat("Échéances ENT-école — ", scope));
  out.set_content(documents::WriteICalendar(out.title(), events, now));
  out.set_filename("echeances-ent-ecole.ics");
  return out;
}

}  // namespace ent::convention
