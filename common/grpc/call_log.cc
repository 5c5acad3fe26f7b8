#include "common/grpc/call_log.h"

#include "common/log_sink.h"
#include "common/metrics/metrics.h"
#include "common/grpc/call_auth.h"
#include "common/grpc/status_conversion.h"
#include "common/resource_names.h"

#include <cstdio>
#include <string>

#include <google/protobuf/descriptor.h>
#include <grpcpp/server_context.h>
#include <google/protobuf/message.h>

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace ent {
namespace {

using grpc::experimental::InterceptionHookPoints;

class CallLogInterceptor final : public grpc::experimental::Interceptor {
 public:
  CallLogInterceptor(grpc::experimental::ServerRpcInfo* info, const PrincipalDirectory& principals)
      : info_(info), principals_(principals), start_(absl::Now()), type_(TypeName(info->type())) {
    Metrics::Instance().RpcStarted(info_->method(), type_);
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_MESSAGE) &&
        OwnMethod()) {
      // Our services use generated protobuf messages (unlike gRPC's built-in
      // health service, which receives raw bytes); read `request_id` by reflection.
      const auto* message = static_cast<const google::protobuf::Message*>(methods->GetRecvMessage());
      if (message != nullptr) {
        const auto* field = message->GetDescriptor()->FindFieldByName("request_id");
        if (field != nullptr && field->type() == google::protobuf::FieldDescriptor::TYPE_STRING &&
            !field->is_repeated()) {
          request_id_ = QuoteInput(message->GetReflection()->GetString(*message, field), 64);
        }
      }
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      const grpc::Status status = methods->GetSendStatus();
      const absl::Time now = absl::Now();
      LogLine("info", "call")
          .Add("method", info_->method())
          .Add("code", GrpcCodeName(status.error_code()))
          .Add("latency_ms", absl::ToDoubleMilliseconds(now - start_))
          .Add("principal", PrincipalName())
          .Add("request_id", request_id_.empty() ? "-" : request_id_)
          .Add("peer", info_->server_context()->peer())
          .Write();
      Metrics::Instance().RpcHandled(info_->method(), type_, GrpcCodeName(status.error_code()),
                                     now - start_);
    }
    methods->Proceed();
  }

 private:
  bool OwnMethod() const { return absl::StartsWith(info_->method(), "/ent."); }

  // Who called ("-" when it did not authenticate): the principal, or the
  // person and the role they acted in.
  std::string PrincipalName() const {
    auto credentials = CredentialsOf(*info_->server_context());
    if (!credentials.ok()) return "-";
    absl::StatusOr<Principal> p = principals_.Authenticate(*credentials);
    return p.ok() ? p->Actor() : "-";
  }

  // go-grpc-prometheus's grpc_type values.
  static const char* TypeName(grpc::experimental::ServerRpcInfo::Type type) {
    switch (type) {
      case grpc::experimental::ServerRpcInfo::Type::UNARY: return "unary";
      case grpc::experimental::ServerRpcInfo::Type::SERVER_STREAMING: return "server_stream";
      case grpc::experimental::ServerRpcInfo::Type::CLIENT_STREAMING: return "client_stream";
      default: return "bidi_stream";
    }
  }

  grpc::experimental::ServerRpcInfo* info_;
  const PrincipalDirectory& principals_;
  absl::Time start_;
  std::string type_;
  std::string request_id_;
};

}  // namespace

grpc::experimental::Interceptor* CallLogInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  return new CallLogInterceptor(info, principals_);
}

}  // namespace ent
