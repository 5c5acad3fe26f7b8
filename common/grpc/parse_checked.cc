#include "common/grpc/parse_checked.h"

#include <google/protobuf/stubs/logging.h>

#include "absl/strings/str_cat.h"
#include "common/log_sink.h"
#include "common/resource_names.h"

namespace ent {

grpc::Status UnparseableRequest(const google::protobuf::Descriptor* type) {
  return grpc::Status(
      grpc::StatusCode::INVALID_ARGUMENT,
      absl::StrCat("the request could not be parsed as ", type->full_name(),
                   ": it is not a valid protobuf message (malformed bytes, or a string field "
                   "that is not UTF-8)"));
}

void LogUnparseableRequest(const std::string& method, const grpc::Status& parse_error) {
  static LogRateLimiter* const limiter = new LogRateLimiter(10, absl::Minutes(1));
  int64_t suppressed = 0;
  if (!limiter->Allow(&suppressed)) return;
  LogLine line("warn", "unparseable_request");
  line.Add("method", method).Add("error", QuoteInput(parse_error.error_message()));
  if (suppressed > 0) line.Add("suppressed_since_last", suppressed);
  line.Write();
}

namespace {

void ProtobufLog(google::protobuf::LogLevel level, const char* filename, int line,
                 const std::string& message) {
  if (message.find("invalid UTF-8 data when parsing") != std::string::npos ||
      message.find("when parsing a protocol buffer") != std::string::npos) {
    return;  // a client's bad request, reported by LogUnparseableRequest
  }
  static LogRateLimiter* const limiter = new LogRateLimiter(20, absl::Minutes(1));
  int64_t suppressed = 0;
  if (!limiter->Allow(&suppressed)) return;
  LogLine out(level >= google::protobuf::LOGLEVEL_ERROR ? "error" : "warn", "protobuf");
  out.Add("file", absl::StrCat(filename, ":", line)).Add("message", QuoteInput(message, 300));
  if (suppressed > 0) out.Add("suppressed_since_last", suppressed);
  out.Write();
}

}  // namespace

void QuietProtobufParseLogs() { google::protobuf::SetLogHandler(&ProtobufLog); }

int MethodIndex(const std::string& service, const std::string& method) {
  const auto* s = google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(service);
  const auto* m = s == nullptr ? nullptr : s->FindMethodByName(method);
  if (m == nullptr) {
    std::fprintf(stderr, "no method %s in service %s\n", method.c_str(), service.c_str());
    std::abort();
  }
  return m->index();
}

}  // namespace ent
