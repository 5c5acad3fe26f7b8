// ConventionService's documents, for ConventionHandler: the convention and a
// dispute's Article 8 letters as people print, sign and send them (PDF), and
// the deadlines' calendar (iCalendar), under the same access rules as the
// data they show. Thread-safe.
#ifndef ENT_CONVENTION_GRPC_DOCUMENT_HANDLER_H_
#define ENT_CONVENTION_GRPC_DOCUMENT_HANDLER_H_

#include <grpcpp/grpcpp.h>

#include "convention-service/service/convention_commands.h"
#include "convention-service/service/dispute_commands.h"
#include "convention-service/grpc/call_authorizer.h"
#include "ent/convention/v1/convention_service.grpc.pb.h"

namespace ent::convention {

class DocumentHandler final : public CallAuthorizer {
 public:
  // All outlive the handler.
  DocumentHandler(ConventionCommands& conventions, DisputeCommands& disputes,
                  const PrincipalDirectory& principals)
      : CallAuthorizer(principals), conventions_(conventions), disputes_(disputes) {}

  grpc::ServerUnaryReactor* GetConventionDocument(grpc::CallbackServerContext* ctx,
                                                  const v1::GetConventionDocumentRequest* req,
                                                  ent::document::v1::Document* resp);
  grpc::ServerUnaryReactor* GetDisputeLetter(grpc::CallbackServerContext* ctx,
                                             const v1::GetDisputeLetterRequest* req,
                                             ent::document::v1::Document* resp);
  grpc::ServerUnaryReactor* ExportDeadlineCalendar(grpc::CallbackServerContext* ctx,
                                                   const v1::ExportDeadlineCalendarRequest* req,
                                                   ent::document::v1::Document* resp);

 private:
  ConventionCommands& conventions_;
  DisputeCommands& disputes_;
};

}  // namespace ent::convention

#endif  // ENT_CONVENTION_GRPC_DOCUMENT_HANDLER_H_
