// Calls a gRPC method with hand-encoded protobuf bytes through the generic
// stub, for services whose generated client code is not installed (health
// checking, server reflection).
#ifndef ENT_TESTS_SUPPORT_RAW_GRPC_H_
#define ENT_TESTS_SUPPORT_RAW_GRPC_H_

#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

namespace ent::testing {

// Sends one request message and reads one response message (works for unary
// and for a single exchange on a streaming method).
// `bearer_token`, when not empty, is sent as "authorization: Bearer ...".
grpc::Status RawExchange(const std::shared_ptr<grpc::Channel>& channel, const std::string& method,
                         const std::string& request, std::string* response,
                         const std::string& bearer_token = "");

// Protobuf wire encoding of a string field.
std::string EncodeStringField(int field_number, const std::string& value);

}  // namespace ent::testing

#endif  // ENT_TESTS_SUPPORT_RAW_GRPC_H_
