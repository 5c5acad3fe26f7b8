#include "tests/support/billing_requests.h"

#include "absl/strings/str_cat.h"

namespace ent::testing {

ent::billing::v1::SetTariffRequest Tariff2021Request() {
  ent::billing::v1::SetTariffRequest req;
  req.set_request_id("tariff-2021");
  req.mutable_tariff()->set_school_year("2021-2022");
  req.mutable_tariff()->set_unit_price_cents(5000);
  req.mutable_tariff()->set_legal_basis("Convention ENT-école, articles 5 à 7");
  return req;
}

std::string ActivatedPayload(const std::string& convention, const std::string& insee) {
  return absl::StrCat("{\"convention\":\"", convention, "\",\"commune\":{\"insee_code\":\"", insee,
                      "\",\"siren\":\"213002272\",\"name\":\"Commune ", insee,
                      "\",\"address\":\"Mairie\"},\"school_year\":\"2021-2022\","
                      "\"effective_date\":\"2021-11-03\",\"end_date\":\"2022-08-31\",\"schools\":["
                      "{\"uai\":\"03",
                      insee, "0X\",\"name\":\"ECOLE\",\"enrolled_date\":\"2021-11-03\"}]}");
}

}  // namespace ent::testing
