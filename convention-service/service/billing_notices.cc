#include "convention-service/service/billing_notices.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"

namespace ent::convention {
namespace {

using nlohmann::json;

json Header(const Convention& c) {
  return {{"convention", c.Name()},
          {"commune",
           {{"insee_code", c.commune.insee_code},
            {"siren", c.commune.siren},
            {"name", c.commune.party.name},
            {"address", c.commune.party.address}}},
          {"school_year", c.school_year.ToString()},
          {"effective_date", FormatIsoDate(c.effective_date)},
          {"end_date", FormatIsoDate(c.end_date)}};
}

}  // namespace

OutboxNotice ActivatedNotice(const Convention& c) {
  json payload = Header(c);
  json schools = json::array();
  for (const School& s : c.schools) {
    schools.push_back({{"uai", s.uai}, {"name", s.name},
                       {"enrolled_date", FormatIsoDate(s.enrolled_date.value_or(*c.effective_date))}});
  }
  payload["schools"] = schools;
  return {kTopicActivated, c.Name(), absl::StrCat(c.Name(), "/activated"), payload.dump()};
}

OutboxNotice SchoolsAmendedNotice(const Convention& c, const std::string& uai, bool added,
                                  CivilDate date) {
  json payload = Header(c);
  const School* school = c.FindSchool(uai);
  payload["amendment"] = {{"uai", uai},
                          {"name", school != nullptr ? school->name : ""},
                          {"change", added ? "added" : "removed"},
                          {"date", FormatIsoDate(date)}};
  return {kTopicSchoolsAmended, c.Name(),
          absl::StrCat(c.Name(), "/amendment/v", c.version + 1, "/", uai), payload.dump()};
}

OutboxNotice EndedNotice(const Convention& c, const char* topic) {
  json payload = Header(c);
  payload["last_day_in_force"] = FormatIsoDate(c.LastDayInForce());
  return {topic, c.Name(), absl::StrCat(c.Name(), "/", topic), payload.dump()};
}

}  // namespace ent::convention
