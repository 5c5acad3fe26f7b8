// Conversion between ent.billing.v1 messages and the billing domain.
#ifndef ENT_BILLING_GRPC_BILLING_CONVERSION_H_
#define ENT_BILLING_GRPC_BILLING_CONVERSION_H_

#include "absl/status/statusor.h"
#include "billing-service/domain/billing.h"
#include "billing-service/service/ledger.h"
#include "ent/billing/v1/billing_service.pb.h"

namespace ent::billing {


void ToProto(const Tariff& t, v1::Tariff* out);
// A typed notice of convention-service; INVALID_ARGUMENT naming the field.
absl::StatusOr<ConventionChange> ChangeFromProto(const v1::ConventionNotice& n);
void ToProto(const TitreAccount& a, v1::Titre* out);
void ToProto(const Titre& t, const Payment& p, v1::Payment* out);
void ToProto(const Titre& t, const Correction& c, v1::Correction* out);
// A titre with its payments and corrections.
void ToProto(const TitreAccount& a, v1::StatementEntry* out);
void ToProto(const Statement& s, v1::Statement* out);

}  // namespace ent::billing

#endif  // ENT_BILLING_GRPC_BILLING_CONVERSION_H_
