// Identifies a request's content for idempotency: the same request_id sent
// with a different request must be refused.
#ifndef ENT_COMMON_GRPC_REQUEST_FINGERPRINT_H_
#define ENT_COMMON_GRPC_REQUEST_FINGERPRINT_H_

#include <string>

#include <google/protobuf/message.h>

#include "absl/strings/string_view.h"

namespace ent {

// Hex SHA-256 of the method name and the deterministic serialisation of `request`.
std::string RequestFingerprint(absl::string_view method, const google::protobuf::Message& request);

// Hex SHA-256 of `data`.
std::string Sha256Hex(absl::string_view data);

}  // namespace ent

#endif  // ENT_COMMON_GRPC_REQUEST_FINGERPRINT_H_
