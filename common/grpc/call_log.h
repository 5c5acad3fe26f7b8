// A server interceptor that writes one line per call to stderr (through the
// buffered LogSink): method,
// status code, latency, request_id (when the request message has one) and peer.
#ifndef ENT_COMMON_GRPC_CALL_LOG_H_
#define ENT_COMMON_GRPC_CALL_LOG_H_

#include <grpcpp/support/server_interceptor.h>

namespace ent {

class CallLogInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;
};

}  // namespace ent

#endif  // ENT_COMMON_GRPC_CALL_LOG_H_
