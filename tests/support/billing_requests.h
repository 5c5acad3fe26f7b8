// Requests to billing-service that several tests send as they are: the
// 2021-2022 tariff, and the notice of a convention that took effect.
#ifndef ENT_TESTS_SUPPORT_BILLING_REQUESTS_H_
#define ENT_TESTS_SUPPORT_BILLING_REQUESTS_H_

#include <string>

#include "ent/billing/v1/billing_service.pb.h"

namespace ent::testing {

// SetTariff of 2021-2022 at 5000 cents per school (request id "tariff-2021").
ent::billing::v1::SetTariffRequest Tariff2021Request();

// The legacy JSON payload of "convention.activated" for `convention` in the
// commune `insee`: in force from 2021-11-03 to 2022-08-31, one school.
std::string ActivatedPayload(const std::string& convention, const std::string& insee);

}  // namespace ent::testing

#endif  // ENT_TESTS_SUPPORT_BILLING_REQUESTS_H_
