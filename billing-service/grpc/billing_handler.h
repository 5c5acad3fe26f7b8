// gRPC adapter for ent.billing.v1.BillingService: authenticates the caller,
// converts requests, calls the Ledger, converts results. No rules here.
// Thread-safe.
#ifndef ENT_BILLING_GRPC_BILLING_HANDLER_H_
#define ENT_BILLING_GRPC_BILLING_HANDLER_H_

#include "billing-service/service/ledger.h"
#include "common/auth/principal_directory.h"
#include "common/grpc/parse_checked.h"
#include "ent/billing/v1/billing_service.grpc.pb.h"

namespace ent::billing {

class BillingHandler final : public ParseChecked<v1::BillingService::CallbackService> {
 public:
  BillingHandler(Ledger& ledger, const PrincipalDirectory& principals);

  grpc::ServerUnaryReactor* SetTariff(grpc::CallbackServerContext* ctx,
                                      const v1::SetTariffRequest* req, v1::Tariff* resp) override;
  grpc::ServerUnaryReactor* GetTariff(grpc::CallbackServerContext* ctx,
                                      const v1::GetTariffRequest* req, v1::Tariff* resp) override;
  grpc::ServerUnaryReactor* IssueTitre(grpc::CallbackServerContext* ctx,
                                       const v1::IssueTitreRequest* req, v1::Titre* resp) override;
  grpc::ServerUnaryReactor* GetTitre(grpc::CallbackServerContext* ctx,
                                     const v1::GetTitreRequest* req, v1::Titre* resp) override;
  grpc::ServerUnaryReactor* GetTitreDocument(grpc::CallbackServerContext* ctx,
                                             const v1::GetTitreDocumentRequest* req,
                                             ent::document::v1::Document* resp) override;
  grpc::ServerUnaryReactor* ListTitres(grpc::CallbackServerContext* ctx,
                                       const v1::ListTitresRequest* req,
                                       v1::ListTitresResponse* resp) override;
  grpc::ServerUnaryReactor* RunBillingCampaign(grpc::CallbackServerContext* ctx,
                                               const v1::RunBillingCampaignRequest* req,
                                               v1::RunBillingCampaignResponse* resp) override;
  grpc::ServerUnaryReactor* RecordPayment(grpc::CallbackServerContext* ctx,
                                          const v1::RecordPaymentRequest* req,
                                          v1::Payment* resp) override;
  grpc::ServerUnaryReactor* CreateCorrection(grpc::CallbackServerContext* ctx,
                                             const v1::CreateCorrectionRequest* req,
                                             v1::Correction* resp) override;
  grpc::ServerUnaryReactor* GetStatement(grpc::CallbackServerContext* ctx,
                                         const v1::GetStatementRequest* req,
                                         v1::Statement* resp) override;
  grpc::ServerUnaryReactor* CheckNumbering(grpc::CallbackServerContext* ctx,
                                           const v1::CheckNumberingRequest* req,
                                           v1::CheckNumberingResponse* resp) override;
  grpc::ServerUnaryReactor* NotifyConventionChange(
      grpc::CallbackServerContext* ctx, const v1::NotifyConventionChangeRequest* req,
      v1::NotifyConventionChangeResponse* resp) override;
  grpc::ServerUnaryReactor* NotifyConventionChanges(grpc::CallbackServerContext* ctx,
                                                    const v1::NotifyConventionChangesRequest* req,
                                                    v1::NotifyConventionChangesResponse* resp) override;

 private:
  // Applies one notice (typed, or as an earlier release wrote it).
  void Notify(const Principal& caller, const v1::NotifyConventionChangeRequest& req,
              std::function<void(absl::StatusOr<bool>)> done);
  const PrincipalDirectory& principals() const { return principals_; }

  Ledger& ledger_;
  const PrincipalDirectory& principals_;
};

}  // namespace ent::billing

#endif  // ENT_BILLING_GRPC_BILLING_HANDLER_H_
