#include "convention-service/store/convention_json.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"

namespace ent::convention {
namespace {

using nlohmann::json;

json DateJson(const std::optional<CivilDate>& d) {
  return d ? json(FormatIsoDate(*d)) : json(nullptr);
}

CivilDate DateFrom(const json& j) {
  auto d = ParseIsoDate(j.get<std::string>());
  if (!d) throw std::runtime_error("bad date " + j.get<std::string>());
  return *d;
}

std::optional<CivilDate> OptionalDateFrom(const json& j) {
  if (j.is_null()) return std::nullopt;
  return DateFrom(j);
}

json PartyJson(const Party& p) {
  return {{"name", p.name}, {"address", p.address}, {"representative", p.representative},
          {"capacity", p.capacity}};
}

Party PartyFrom(const json& j) {
  return Party{j.at("name"), j.at("address"), j.at("representative"), j.at("capacity")};
}

}  // namespace

std::string EncodeConvention(const Convention& c) {
  json schools = json::array();
  for (const auto& s : c.schools) {
    schools.push_back({{"uai", s.uai}, {"name", s.name}, {"type", static_cast<int>(s.type)},
                       {"enrolled", DateJson(s.enrolled_date)}});
  }
  json signatures = json::array();
  for (const auto& s : c.signatures) {
    signatures.push_back({{"party", static_cast<int>(s.party)}, {"date", FormatIsoDate(s.date)},
                          {"signatory", s.signatory}, {"capacity", s.capacity},
                          {"place", s.place}});
  }
  json deliberation = nullptr;
  if (c.deliberation) {
    const Deliberation& d = *c.deliberation;
    deliberation = {{"number", d.number},
                    {"session", FormatIsoDate(d.session_date)},
                    {"council", d.council_members},
                    {"present", d.members_present},
                    {"absent", d.members_absent},
                    {"proxies", d.proxies},
                    {"votes", d.votes},
                    {"votes_for", d.votes_for},
                    {"transmitted", FormatIsoDate(d.transmitted_date)},
                    {"posted", FormatIsoDate(d.posted_date)},
                    {"ack", d.acknowledgement_id},
                    {"stated_end", DateJson(d.stated_end_date)}};
  }
  json j = {{"id", c.id},
            {"academie", PartyJson(c.academie)},
            {"commune",
             {{"insee", c.commune.insee_code},
              {"siren", c.commune.siren},
              {"party", PartyJson(c.commune.party)}}},
            {"school_year", c.school_year.first_year()},
            {"end_date", FormatIsoDate(c.end_date)},
            {"state", static_cast<int>(c.state)},
            {"effective_date", DateJson(c.effective_date)},
            {"schools", schools},
            {"deliberation", deliberation},
            {"signatures", signatures},
            {"renews", c.renews},
            {"last_day_in_force", DateJson(c.last_day_in_force)},
            {"version", c.version},
            {"create_us", absl::ToUnixMicros(c.create_time)},
            {"update_us", absl::ToUnixMicros(c.update_time)}};
  return j.dump();
}

absl::StatusOr<Convention> DecodeConvention(const std::string& text) {
  try {
    const json j = json::parse(text);
    Convention c;
    c.id = j.at("id");
    c.academie = PartyFrom(j.at("academie"));
    const json& commune = j.at("commune");
    c.commune = Commune{commune.at("insee"), commune.at("siren"), PartyFrom(commune.at("party"))};
    c.school_year = SchoolYear(j.at("school_year").get<int>());
    c.end_date = DateFrom(j.at("end_date"));
    c.state = static_cast<State>(j.at("state").get<int>());
    c.effective_date = OptionalDateFrom(j.at("effective_date"));
    for (const json& s : j.at("schools")) {
      c.schools.push_back(School{s.at("uai"), s.at("name"),
                                 static_cast<SchoolType>(s.at("type").get<int>()),
                                 OptionalDateFrom(s.at("enrolled"))});
    }
    if (!j.at("deliberation").is_null()) {
      const json& d = j.at("deliberation");
      c.deliberation = Deliberation{d.at("number"),     DateFrom(d.at("session")),
                                    d.at("council"),    d.at("present"),
                                    d.at("absent"),     d.at("proxies"),
                                    d.at("votes"),      d.at("votes_for"),
                                    DateFrom(d.at("transmitted")), DateFrom(d.at("posted")),
                                    d.at("ack"),        OptionalDateFrom(d.at("stated_end"))};
    }
    for (const json& s : j.at("signatures")) {
      c.signatures.push_back(Signature{static_cast<PartyRole>(s.at("party").get<int>()),
                                       DateFrom(s.at("date")), s.at("signatory"),
                                       s.at("capacity"), s.at("place")});
    }
    c.renews = j.at("renews");
    c.last_day_in_force = OptionalDateFrom(j.at("last_day_in_force"));
    c.version = j.at("version");
    c.create_time = absl::FromUnixMicros(j.at("create_us").get<int64_t>());
    c.update_time = absl::FromUnixMicros(j.at("update_us").get<int64_t>());
    return c;
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("corrupt convention record: ", e.what()));
  }
}

std::string EncodeStrings(const std::vector<std::string>& values) {
  return json(values).dump();
}

std::string EncodeChanges(const std::vector<FieldChange>& changes) {
  json out = json::array();
  for (const auto& c : changes) out.push_back({c.field, c.old_value, c.new_value});
  return out.dump();
}

absl::StatusOr<std::vector<FieldChange>> DecodeChanges(const std::string& text) {
  try {
    std::vector<FieldChange> out;
    for (const json& c : json::parse(text)) out.push_back({c.at(0), c.at(1), c.at(2)});
    return out;
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("corrupt event changes: ", e.what()));
  }
}

}  // namespace ent::convention
