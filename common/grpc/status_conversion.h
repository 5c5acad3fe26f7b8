// Translation of absl::Status into grpc::Status. Every payload attached to the
// absl::Status (for example a google.rpc.BadRequest) is sent as a detail of a
// google.rpc.Status in the `grpc-status-details-bin` trailer.
#ifndef ENT_COMMON_GRPC_STATUS_CONVERSION_H_
#define ENT_COMMON_GRPC_STATUS_CONVERSION_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace ent {

grpc::Status ToGrpcStatus(const absl::Status& status);

// The reverse, keeping the details as payloads (used by clients and tests).
absl::Status FromGrpcStatus(const grpc::Status& status);

// The code's name as gRPC's Go implementation spells it ("OK",
// "InvalidArgument", "FailedPrecondition"), as metrics label it.
const char* GrpcCodeName(grpc::StatusCode code);

}  // namespace ent

#endif  // ENT_COMMON_GRPC_STATUS_CONVERSION_H_
