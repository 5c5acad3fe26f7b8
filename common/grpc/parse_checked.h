// Requests whose body is not a valid message answer INVALID_ARGUMENT.
//
// gRPC's callback API answers a request it cannot deserialise (random bytes,
// invalid UTF-8 in a proto3 string) with UNIMPLEMENTED and an empty message,
// which tells the client nothing true. ParseChecked<Generated> replaces the
// generated handler of each method with one that lets the call through when
// the body does not parse and finishes it with
//   INVALID_ARGUMENT "the request could not be parsed as <message type>: ..."
// before any service code runs. A handler class derives from
// ParseChecked<v1::FooService::CallbackService> and calls CheckParsing once per
// method in its constructor, then VerifyAllParseChecked(), which aborts at
// start-up if a method was forgotten.
//
// Thread-safe; the per-method handlers are owned by the service.
#ifndef ENT_COMMON_GRPC_PARSE_CHECKED_H_
#define ENT_COMMON_GRPC_PARSE_CHECKED_H_

#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/codegen/server_callback_handlers.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>

#include <google/protobuf/descriptor.h>

namespace ent {

// The answer to a body that is not a valid `type`, and a rate-limited log line
// saying which method received it.
grpc::Status UnparseableRequest(const google::protobuf::Descriptor* type);
void LogUnparseableRequest(const std::string& method, const grpc::Status& parse_error);

// Routes protobuf's own log lines through a rate limit, and drops its
// "invalid UTF-8 when parsing" line, which LogUnparseableRequest already
// reports once per call (and rate-limited). Call once at start-up.
void QuietProtobufParseLogs();

// Index of `method` in the service named `service` (its full name); aborts
// when there is no such method (a programming error).
int MethodIndex(const std::string& service, const std::string& method);

namespace internal {

// Finishes a server-streaming call at once with `status`.
template <typename Response>
class RejectingWriteReactor final : public grpc::ServerWriteReactor<Response> {
 public:
  explicit RejectingWriteReactor(grpc::Status status) { this->Finish(std::move(status)); }
  void OnDone() override { delete this; }
};

// Wraps gRPC's handler `Inner` (unary or server-streaming): a body that does
// not deserialise is let through with no request, and `rejecter_` answers it.
template <typename Inner>
class ParseCheckedHandler final : public grpc::internal::MethodHandler {
 public:
  template <typename Fn, typename RejectFn>
  ParseCheckedHandler(std::string method, Fn fn, RejectFn reject)
      : method_(std::move(method)), handler_(std::move(fn)), rejecter_(std::move(reject)) {}

  void RunHandler(const HandlerParameter& param) override {
    (param.request == nullptr ? rejecter_ : handler_).RunHandler(param);
  }

  void* Deserialize(grpc_call* call, grpc_byte_buffer* req, grpc::Status* status,
                    void** handler_data) override {
    void* request = handler_.Deserialize(call, req, status, handler_data);
    if (!status->ok()) {
      LogUnparseableRequest(method_, *status);
      *status = grpc::Status::OK;  // answered by rejecter_, not as UNIMPLEMENTED
      return nullptr;
    }
    return request;
  }

 private:
  const std::string method_;
  Inner handler_;
  Inner rejecter_;
};

}  // namespace internal

template <typename Generated>
class ParseChecked : public Generated {
 public:
  // Aborts when a method of `service` was not registered with CheckParsing.
  void VerifyAllParseChecked(const std::string& service) const {
    const auto* d = google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(service);
    if (d == nullptr || checked_ != d->method_count()) {
      std::fprintf(stderr, "%s: %d of its methods check request parsing\n", service.c_str(),
                   checked_);
      std::abort();
    }
  }

 protected:
  // A unary method `fn` of `self`.
  template <typename Self, typename Request, typename Response>
  void CheckParsing(const std::string& service, const std::string& method, Self* self,
                    grpc::ServerUnaryReactor* (Self::*fn)(grpc::CallbackServerContext*,
                                                           const Request*, Response*)) {
    using Inner = grpc::internal::CallbackUnaryHandler<Request, Response>;
    auto handler = [self, fn](grpc::CallbackServerContext* ctx, const Request* req,
                              Response* resp) { return (self->*fn)(ctx, req, resp); };
    auto rejecter = [](grpc::CallbackServerContext* ctx, const Request*, Response*) {
      auto* reactor = ctx->DefaultReactor();
      reactor->Finish(UnparseableRequest(Request::descriptor()));
      return reactor;
    };
    Install(service, method, new internal::ParseCheckedHandler<Inner>(
                                 "/" + service + "/" + method, handler, rejecter));
  }

  // A server-streaming method `fn` of `self`.
  template <typename Self, typename Request, typename Response>
  void CheckParsing(const std::string& service, const std::string& method, Self* self,
                    grpc::ServerWriteReactor<Response>* (Self::*fn)(grpc::CallbackServerContext*,
                                                                     const Request*)) {
    using Inner = grpc::internal::CallbackServerStreamingHandler<Request, Response>;
    auto handler = [self, fn](grpc::CallbackServerContext* ctx, const Request* req) {
      return (self->*fn)(ctx, req);
    };
    auto rejecter = [](grpc::CallbackServerContext*,
                       const Request*) -> grpc::ServerWriteReactor<Response>* {
      return new internal::RejectingWriteReactor<Response>(
          UnparseableRequest(Request::descriptor()));
    };
    Install(service, method, new internal::ParseCheckedHandler<Inner>(
                                 "/" + service + "/" + method, handler, rejecter));
  }

 private:
  void Install(const std::string& service, const std::string& method,
               grpc::internal::MethodHandler* handler) {
    this->MarkMethodCallback(MethodIndex(service, method), handler);
    ++checked_;
  }

  int checked_ = 0;
};

}  // namespace ent

#endif  // ENT_COMMON_GRPC_PARSE_CHECKED_H_
