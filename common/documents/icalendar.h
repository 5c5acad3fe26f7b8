// iCalendar (RFC 5545) files of events in Europe/Paris time, for support
// staff to import into their calendars: a VTIMEZONE for Europe/Paris, events
// with TZID-qualified start and end, text escaped (§3.3.11) and lines folded
// at 75 octets without splitting a UTF-8 character (§3.1), CRLF line ends.
// Pure functions; thread-safe.
#ifndef ENT_COMMON_DOCUMENTS_ICALENDAR_H_
#define ENT_COMMON_DOCUMENTS_ICALENDAR_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace ent::documents {

struct CalendarEvent {
  // Stable across exports, so that a re-import updates the event rather than
  // duplicate it (e.g. "conciliation.conventions-30227-2021-disputes-1@…").
  std::string uid;
  // Grows when the event changes (a later version replaces an earlier one).
  int64_t sequence = 0;
  absl::Time start;
  absl::Time end;
  std::string summary;
  std::string description;
  std::string categories;  // e.g. "Article 8"
  // Minutes before `start` to remind (a VALARM); 0 for none.
  int alarm_minutes_before = 0;
};

// The VCALENDAR with `events`; `stamp` is the DTSTAMP of every event (when
// the file was produced), `name` the calendar's display name.
std::string WriteICalendar(absl::string_view name, const std::vector<CalendarEvent>& events,
                           absl::Time stamp);

// TEXT value escaping of RFC 5545 §3.3.11 (backslash, semicolon, comma, newline).
std::string EscapeICalendarText(absl::string_view text);

// Folds one content line (without its CRLF) into lines of at most 75 octets,
// each continuation starting with a space; returns it with CRLF line ends.
std::string FoldICalendarLine(absl::string_view line);

}  // namespace ent::documents

#endif  // ENT_COMMON_DOCUMENTS_ICALENDAR_H_
