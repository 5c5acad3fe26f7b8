#include "convention-service/store/legacy_json_records.h"

#include <nlohmann/json.hpp>

#include "common/strict_json.h"

#include "absl/strings/str_cat.h"

namespace ent::convention {
namespace {

using nlohmann::json;

CivilDate DateFrom(const json& j) {
  auto d = ParseIsoDate(j.get<std::string>());
  if (!d) throw std::runtime_error("bad date " + j.get<std::string>());
  return *d;
}

std::optional<CivilDate> OptionalDateFrom(const json& j) {
  if (j.is_null()) return std::nullopt;
  return DateFrom(j);
}

Party PartyFrom(const json& j) {
  return Party{j.at("name"), j.at("address"), j.at("representative"), j.at("capacity")};
}

workflow::Deadline DeadlineFrom(const json& j) {
  return workflow::Deadline{DateFrom(j.at("act")),
                            DateFrom(j.at("nominal")),
                            DateFrom(j.at("last")),
                            absl::FromUnixMicros(j.at("expires_us").get<int64_t>()),
                            j.at("rule"),
                            j.at("explanation")};
}

}  // namespace

absl::StatusOr<Dispute> DecodeLegacyDispute(const std::string& text) {
  try {
    const json j = json::parse(text);
    RequireIntegerNumbers(j);
    Dispute d;
    d.convention_id = j.at("convention");
    d.number = j.at("number");
    d.commune_insee = j.at("commune");
    d.party = static_cast<PartyRole>(j.at("party").get<int>());
    d.grievances = j.at("grievances");
    d.notice_reference = j.at("notice_ref");
    d.notice_sent_date = DateFrom(j.at("notice_sent"));
    d.notice_acknowledged_date = OptionalDateFrom(j.at("notice_ack"));
    d.conciliation_deadline = DeadlineFrom(j.at("conciliation_deadline"));
    if (!j.at("conciliation").is_null()) {
      const json& c = j.at("conciliation");
      d.conciliation = Conciliation{DateFrom(c.at("meeting")),
                                    static_cast<ConciliationOutcome>(c.at("outcome").get<int>()),
                                    c.at("notes"), Author()};  // earlier releases named no author
    }
    if (!j.at("termination").is_null()) {
      const json& t = j.at("termination");
      d.termination = Termination{static_cast<PartyRole>(t.at("party").get<int>()), t.at("reasons"),
                                  t.at("letter"), DateFrom(t.at("sent")),
                                  DeadlineFrom(t.at("deadline")), Author()};
    }
    d.state = static_cast<DisputeState>(j.at("state").get<int>());
    d.version = j.at("version");
    d.create_time = absl::FromUnixMicros(j.at("create_us").get<int64_t>());
    d.update_time = absl::FromUnixMicros(j.at("update_us").get<int64_t>());
    return d;
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("corrupt dispute record: ", e.what()));
  }
}

absl::StatusOr<Convention> DecodeLegacyConvention(const std::string& text) {
  try {
    const json j = json::parse(text);
    RequireIntegerNumbers(j);
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
                                    d.at("ack"),        OptionalDateFrom(d.at("stated_end")),
                                    std::nullopt};
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

absl::StatusOr<std::vector<FieldChange>> DecodeLegacyChanges(const std::string& text) {
  try {
    std::vector<FieldChange> out;
    const json j = json::parse(text);
    RequireIntegerNumbers(j);
    for (const json& c : j) out.push_back({c.at(0), c.at(1), c.at(2)});
    return out;
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("corrupt event changes: ", e.what()));
  }
}

}  // namespace ent::convention
