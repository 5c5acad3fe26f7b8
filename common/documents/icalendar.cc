#include "common/documents/icalendar.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/clock.h"

namespace ent::documents {
namespace {

constexpr char kTimeZone[] = "Europe/Paris";

// Europe/Paris since 1996 (EU summer time rules).
constexpr char kParisTimeZone[] =
    "BEGIN:VTIMEZONE\r\n"
    "TZID:Europe/Paris\r\n"
    "BEGIN:DAYLIGHT\r\n"
    "TZOFFSETFROM:+0100\r\n"
    "TZOFFSETTO:+0200\r\n"
    "TZNAME:CEST\r\n"
    "DTSTART:19810329T020000\r\n"
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n"
    "END:DAYLIGHT\r\n"
    "BEGIN:STANDARD\r\n"
    "TZOFFSETFROM:+0200\r\n"
    "TZOFFSETTO:+0100\r\n"
    "TZNAME:CET\r\n"
    "DTSTART:19961027T030000\r\n"
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n"
    "END:STANDARD\r\n"
    "END:VTIMEZONE\r\n";

std::string ParisLocal(absl::Time t) {
  return absl::FormatTime("%Y%m%dT%H%M%S", t, ParisTimeZone());
}

std::string Utc(absl::Time t) { return absl::FormatTime("%Y%m%dT%H%M%SZ", t, absl::UTCTimeZone()); }

}  // namespace

std::string EscapeICalendarText(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case ';': out += "\\;"; break;
      case ',': out += "\\,"; break;
      case '\n': out += "\\n"; break;
      case '\r': break;
      default: out += c;
    }
  }
  return out;
}

std::string FoldICalendarLine(absl::string_view line) {
  std::string out;
  size_t width = 0;  // octets on the current physical line
  for (size_t i = 0; i < line.size();) {
    // The length of the UTF-8 character starting at i.
    size_t n = 1;
    const unsigned char c = static_cast<unsigned char>(line[i]);
    if (c >= 0xF0) n = 4;
    else if (c >= 0xE0) n = 3;
    else if (c >= 0xC0) n = 2;
    n = std::min(n, line.size() - i);
    if (width + n > 75) {
      out += "\r\n ";
      width = 1;
    }
    out.append(line.data() + i, n);
    width += n;
    i += n;
  }
  out += "\r\n";
  return out;
}

std::string WriteICalendar(absl::string_view name, const std::vector<CalendarEvent>& events,
                           absl::Time stamp) {
  std::string out;
  auto line = [&out](absl::string_view l) { out += FoldICalendarLine(l); };
  line("BEGIN:VCALENDAR");
  line("VERSION:2.0");
  line("PRODID:-//Academie de Montpellier//ENT-ecole conventions//FR");
  line("CALSCALE:GREGORIAN");
  line("METHOD:PUBLISH");
  line(absl::StrCat("X-WR-CALNAME:", EscapeICalendarText(name)));
  line(absl::StrCat("X-WR-TIMEZONE:", kTimeZone));
  out += kParisTimeZone;
  for (const CalendarEvent& e : events) {
    line("BEGIN:VEVENT");
    line(absl::StrCat("UID:", e.uid));
    line(absl::StrCat("SEQUENCE:", e.sequence));
    line(absl::StrCat("DTSTAMP:", Utc(stamp)));
    line(absl::StrCat("DTSTART;TZID=", kTimeZone, ":", ParisLocal(e.start)));
    line(absl::StrCat("DTEND;TZID=", kTimeZone, ":", ParisLocal(e.end)));
    line(absl::StrCat("SUMMARY:", EscapeICalendarText(e.summary)));
    line(absl::StrCat("DESCRIPTION:", EscapeICalendarText(e.description)));
    if (!e.categories.empty()) line(absl::StrCat("CATEGORIES:", EscapeICalendarText(e.categories)));
    line("TRANSP:TRANSPARENT");
    if (e.alarm_minutes_before > 0) {
      line("BEGIN:VALARM");
      line("ACTION:DISPLAY");
      line(absl::StrCat("DESCRIPTION:", EscapeICalendarText(e.summary)));
      line(absl::StrCat("TRIGGER:-PT", e.alarm_minutes_before, "M"));
      line("END:VALARM");
    }
    line("END:VEVENT");
  }
  line("END:VCALENDAR");
  return out;
}

}  // namespace ent::documents
