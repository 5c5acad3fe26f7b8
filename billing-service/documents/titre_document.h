// The titre de perception as the PDF sent to the debtor (DESIGN §3.5): the
// issuing officer and capacity, the debtor (commune, INSEE, SIREN, address),
// number and issue date, the basis (convention, school year, one line per
// school with its UAI, name and unit price), the total in figures and in
// words, the VAT statement, payment terms and appeal routes, and the
// corrections and payments recorded against it. Drawn only from `entry`, so
// the same titre with the same movements gives the same bytes. Thread-safe.
#ifndef ENT_BILLING_SERVICE_DOCUMENTS_TITRE_DOCUMENT_H_
#define ENT_BILLING_SERVICE_DOCUMENTS_TITRE_DOCUMENT_H_

#include "absl/status/statusor.h"
#include "ent/billing/v1/billing_service.pb.h"
#include "ent/document/v1/document.pb.h"

namespace ent::billing {

absl::StatusOr<ent::document::v1::Document> RenderTitreDocument(const v1::StatementEntry& entry);

}  // namespace ent::billing

#endif  // ENT_BILLING_SERVICE_DOCUMENTS_TITRE_DOCUMENT_H_
