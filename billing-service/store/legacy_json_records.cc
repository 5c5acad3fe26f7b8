#include "billing-service/store/legacy_json_records.h"

#include <nlohmann/json.hpp>

#include "common/strict_json.h"

#include "absl/strings/str_cat.h"

namespace ent::billing {
namespace {

using nlohmann::json;

Debtor DebtorFrom(const json& j) {
  return Debtor{j.at("name"), j.at("insee"), j.at("siren"), j.at("address")};
}

CivilDate DateFrom(const json& j) {
  auto d = ParseIsoDate(j.get<std::string>());
  if (!d) throw std::runtime_error("bad date");
  return *d;
}

}  // namespace

absl::StatusOr<BillableConvention> DecodeLegacyConvention(const std::string& text) {
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

absl::Status DecodeLegacyTitreBody(const std::string& text, Titre& t) {
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
