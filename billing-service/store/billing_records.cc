#include "billing-service/store/billing_records.h"

#include <nlohmann/json.hpp>

#include "common/strict_json.h"

#include "absl/strings/str_cat.h"

namespace ent::billing {
namespace {

using nlohmann::json;

json DebtorJson(const Debtor& d) {
  return {{"name", d.name}, {"insee", d.insee_code}, {"siren", d.siren}, {"address", d.address}};
}

Debtor DebtorFrom(const json& j) {
  return Debtor{j.at("name"), j.at("insee"), j.at("siren"), j.at("address")};
}

CivilDate DateFrom(const json& j) {
  auto d = ParseIsoDate(j.get<std::string>());
  if (!d) throw std::runtime_error("bad date");
  return *d;
}

}  // namespace

std::string EncodeConvention(const BillableConvention& c) {
  json schools = json::array();
  for (const auto& s : c.schools) {
    schools.push_back({{"uai", s.uai},
                       {"name", s.name},
                       {"enrolled", FormatIsoDate(s.enrolled)},
                       {"withdrawn", s.withdrawn ? json(FormatIsoDate(*s.withdrawn)) : json()}});
  }
  return json{{"convention", c.convention},
              {"debtor", DebtorJson(c.debtor)},
              {"school_year", c.school_year.first_year()},
              {"effective", FormatIsoDate(c.effective_date)},
              {"end", FormatIsoDate(c.end_date)},
              {"last_day", FormatIsoDate(c.last_day_in_force)},
              {"ended", c.ended},
              {"schools", schools}}
      .dump();
}

absl::StatusOr<BillableConvention> DecodeConvention(const std::string& text) {
  try {
    const json j = json::parse(text);
    RequireIntegerNumbers(j);
    BillableConvention c;
    c.convention = j.at("convention");
    c.debtor = DebtorFrom(j.at("debtor"));
    c.school_year = SchoolYear(j.at("school_year").get<int>());
    c.effective_date = DateFrom(j.at("effective"));
    c.end_date = DateFrom(j.at("end"));
    c.last_day_in_force = DateFrom(j.at("last_day"));
    c.ended = j.at("ended");
    for (const json& s : j.at("schools")) {
      Enrolment e{s.at("uai"), s.at("name"), DateFrom(s.at("enrolled")), std::nullopt};
      if (!s.at("withdrawn").is_null()) e.withdrawn = DateFrom(s.at("withdrawn"));
      c.schools.push_back(std::move(e));
    }
    return c;
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("corrupt convention record: ", e.what()));
  }
}

std::string EncodeTitreBody(const Titre& t) {
  return json{{"convention", t.convention},
              {"school_year", t.school_year.first_year()},
              {"kind", static_cast<int>(t.kind)},
              {"debtor", DebtorJson(t.debtor)},
              {"vat", t.vat_treatment},
              {"basis", t.legal_basis},
              {"issue_date", FormatIsoDate(t.issue_date)},
              {"terms", t.texts.payment_terms},
              {"appeal", t.texts.appeal_routes},
              {"officer", t.texts.issuing_officer},
              {"capacity", t.texts.issuing_officer_capacity}}
      .dump();
}

absl::Status DecodeTitreBody(const std::string& text, Titre& t) {
  try {
    const json j = json::parse(text);
    RequireIntegerNumbers(j);
    t.convention = j.at("convention");
    t.school_year = SchoolYear(j.at("school_year").get<int>());
    t.kind = static_cast<TitreKind>(j.at("kind").get<int>());
    t.debtor = DebtorFrom(j.at("debtor"));
    t.vat_treatment = j.at("vat");
    t.legal_basis = j.at("basis");
    t.issue_date = DateFrom(j.at("issue_date"));
    t.texts = TitreTemplate{j.at("terms"), j.at("appeal"), j.at("officer"), j.at("capacity")};
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("corrupt titre ", t.Number(), ": ", e.what()));
  }
  return absl::OkStatus();
}

}  // namespace ent::billing
