// gRPC adapter for ent.convention.v1.ConventionService: converts requests to
// domain commands, calls ConventionRegistry, converts results back. No rules
// here. Thread-safe.
#ifndef ENT_CONVENTION_GRPC_CONVENTION_HANDLER_H_
#define ENT_CONVENTION_GRPC_CONVENTION_HANDLER_H_

#include "convention-service/service/convention_registry.h"
#include "ent/convention/v1/convention_service.grpc.pb.h"

namespace ent::convention {

class ConventionHandler final : public v1::ConventionService::CallbackService {
 public:
  explicit ConventionHandler(ConventionRegistry& registry) : registry_(registry) {}

  grpc::ServerUnaryReactor* CreateConvention(grpc::CallbackServerContext* ctx,
                                             const v1::CreateConventionRequest* req,
                                             v1::Convention* resp) override;
  grpc::ServerUnaryReactor* GetConvention(grpc::CallbackServerContext* ctx,
                                          const v1::GetConventionRequest* req,
                                          v1::Convention* resp) override;
  grpc::ServerUnaryReactor* ListConventions(grpc::CallbackServerContext* ctx,
                                            const v1::ListConventionsRequest* req,
                                            v1::ListConventionsResponse* resp) override;
  grpc::ServerUnaryReactor* UpdateConvention(grpc::CallbackServerContext* ctx,
                                             const v1::UpdateConventionRequest* req,
                                             v1::Convention* resp) override;
  grpc::ServerUnaryReactor* CancelConvention(grpc::CallbackServerContext* ctx,
                                             const v1::CancelConventionRequest* req,
                                             v1::Convention* resp) override;
  grpc::ServerUnaryReactor* SignConvention(grpc::CallbackServerContext* ctx,
                                           const v1::SignConventionRequest* req,
                                           v1::Convention* resp) override;
  grpc::ServerUnaryReactor* RecordDeliberation(grpc::CallbackServerContext* ctx,
                                               const v1::RecordDeliberationRequest* req,
                                               v1::Convention* resp) override;
  grpc::ServerUnaryReactor* AddSchool(grpc::CallbackServerContext* ctx,
                                      const v1::AddSchoolRequest* req,
                                      v1::Convention* resp) override;
  grpc::ServerUnaryReactor* RemoveSchool(grpc::CallbackServerContext* ctx,
                                         const v1::RemoveSchoolRequest* req,
                                         v1::Convention* resp) override;
  grpc::ServerUnaryReactor* RenewConvention(grpc::CallbackServerContext* ctx,
                                            const v1::RenewConventionRequest* req,
                                            v1::Convention* resp) override;
  grpc::ServerUnaryReactor* ListConventionEvents(grpc::CallbackServerContext* ctx,
                                                 const v1::ListConventionEventsRequest* req,
                                                 v1::ListConventionEventsResponse* resp) override;
  grpc::ServerWriteReactor<v1::ConventionEvent>* WatchConventionEvents(
      grpc::CallbackServerContext* ctx, const v1::WatchConventionEventsRequest* req) override;

 private:
  ConventionRegistry& registry_;
};

}  // namespace ent::convention

#endif  // ENT_CONVENTION_GRPC_CONVENTION_HANDLER_H_
