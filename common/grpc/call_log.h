// A server interceptor that writes one structured line per call to stderr
// (through the buffered LogSink, as JSON: event "call"): method, status code
// name, latency, the principal's name (never its token; "-" when the call is
// not authenticated), request_id (bounded, escaped, when the request has one)
// and peer; and counts the call in the gRPC metrics.
#ifndef ENT_COMMON_GRPC_CALL_LOG_H_
#define ENT_COMMON_GRPC_CALL_LOG_H_

#include <grpcpp/support/server_interceptor.h>

#include "common/auth/principal_directory.h"

namespace ent {

class CallLogInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit CallLogInterceptorFactory(const PrincipalDirectory& principals) : principals_(principals) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  const PrincipalDirectory& principals_;
};

}  // namespace ent

#endif  // ENT_COMMON_GRPC_CALL_LOG_H_
