#include "entctl/output.h"

#include "common/clock.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <cstdio>

#include <google/protobuf/util/json_util.h>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "common/field_violations.h"
#include "common/grpc/status_conversion.h"

namespace ent::entctl {
namespace {

// Display width of a UTF-8 string (code points).
size_t Width(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

const char* CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::INVALID_ARGUMENT: return "invalid argument";
    case grpc::StatusCode::NOT_FOUND: return "not found";
    case grpc::StatusCode::ALREADY_EXISTS: return "already exists";
    case grpc::StatusCode::PERMISSION_DENIED: return "permission denied";
    case grpc::StatusCode::UNAUTHENTICATED: return "not authenticated (check the token)";
    case grpc::StatusCode::FAILED_PRECONDITION: return "not allowed now";
    case grpc::StatusCode::ABORTED: return "conflict (stale etag), read again and retry";
    case grpc::StatusCode::UNAVAILABLE: return "service unavailable (is it running? check the endpoint)";
    case grpc::StatusCode::DEADLINE_EXCEEDED: return "timed out";
    // e.g. `entctl clock` against a service on the real clock, which has no ClockService.
    case grpc::StatusCode::UNIMPLEMENTED: return "not served by this service";
    case grpc::StatusCode::RESOURCE_EXHAUSTED: return "too large";
    default: return "error";
  }
}

}  // namespace

std::string Table::Render() const {
  if (rows_.size() == 1 && !when_empty_.empty()) return when_empty_ + "\n";
  std::vector<size_t> widths;
  for (const auto& row : rows_) {
    for (size_t i = 0; i < row.size(); ++i) {
      if (widths.size() <= i) widths.push_back(0);
      widths[i] = std::max(widths[i], Width(row[i]));
    }
  }
  std::string out;
  for (const auto& row : rows_) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - Width(row[i]) + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
}

void Table::SortBy(size_t column) {
  std::stable_sort(rows_.begin() + 1, rows_.end(),
                   [column](const std::vector<std::string>& a, const std::vector<std::string>& b) {
                     return (column < a.size() ? a[column] : "") < (column < b.size() ? b[column] : "");
                   });
}

std::string Date(const google::type::Date& d) {
  if (d.year() == 0) return "-";
  return absl::StrFormat("%04d-%02d-%02d", d.year(), d.month(), d.day());
}

std::string ParisTime(absl::Time t, bool seconds) {
  return absl::FormatTime(seconds ? "%Y-%m-%d %H:%M:%S %Ez" : "%Y-%m-%d %H:%M %Ez", t,
                          ParisTimeZone());
}

std::string Time(const google::protobuf::Timestamp& t) {
  if (t.seconds() == 0 && t.nanos() == 0) return "-";
  return ParisTime(absl::FromUnixSeconds(t.seconds()));
}

std::string Euros(int64_t cents) {
  const bool negative = cents < 0;
  const int64_t a = negative ? -cents : cents;
  std::string units = absl::StrCat(a / 100);
  for (int i = static_cast<int>(units.size()) - 3; i > 0; i -= 3) units.insert(i, " ");
  return absl::StrFormat("%s%s,%02d €", negative ? "-" : "", units, a % 100);
}

std::string EnumName(const std::string& full, const std::string& prefix) {
  return full.rfind(prefix, 0) == 0 ? full.substr(prefix.size()) : full;
}

void PrintJson(const google::protobuf::Message& m) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  // Every field, empty lists as [] included: one shape for scripts.
  options.always_print_primitive_fields = true;
  google::protobuf::util::MessageToJsonString(m, &json, options);
  std::fwrite(json.data(), 1, json.size(), stdout);
  if (json.empty() || json.back() != '\n') std::fputc('\n', stdout);
}

namespace {

// The service's messages name its methods ("set it first (SetTariff)"):
// people at a terminal get the entctl command instead.
std::string WithCommands(std::string message) {
  static const std::pair<const char*, const char*> kCommands[] = {
      {"SetTariff", "entctl tariff set"},         {"IssueTitre", "entctl titre issue"},
      {"RetryTimer", "entctl timer retry"},       {"RetryOutboxMessage", "entctl outbox retry"},
      {"RecordDeliberation", "entctl convention deliberation"},
      {"SignConvention", "entctl convention sign"}, {"RenewConvention", "entctl convention renew"},
      {"WithdrawDispute", "entctl dispute withdraw"}, {"RecordConciliation", "entctl dispute conciliation"},
      {"ListTimers", "entctl timers list --failed"}, {"ListOutboxMessages", "entctl outbox list"},
  };
  for (const auto& [rpc, command] : kCommands) {
    for (size_t at = message.find(rpc); at != std::string::npos; at = message.find(rpc, at)) {
      const size_t end = at + std::strlen(rpc);
      const bool word = (at == 0 || !std::isalnum(static_cast<unsigned char>(message[at - 1]))) &&
                        (end == message.size() || !std::isalnum(static_cast<unsigned char>(message[end])));
      if (!word) {
        at = end;
        continue;
      }
      message.replace(at, end - at, command);
      at += std::strlen(command);
    }
  }
  return message;
}

}  // namespace

namespace {
bool g_json_errors = false;
}  // namespace

void SetJsonErrors(bool json) { g_json_errors = json; }

int PrintError(const grpc::Status& status) {
  const absl::Status detailed = FromGrpcStatus(status);
  const auto fields = FieldViolationsOf(detailed);
  const auto preconditions = PreconditionViolationsOf(detailed);
  const std::string reason = ErrorReasonOf(detailed);
  const std::string code = absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code()));
  if (g_json_errors) {
    nlohmann::ordered_json error = {{"code", code}, {"message", status.error_message()}};
    for (const auto& [field, description] : fields) {
      error["field_violations"].push_back({{"field", field}, {"description", description}});
    }
    for (const auto& [subject, description] : preconditions) {
      error["precondition_violations"].push_back({{"subject", subject}, {"description", description}});
    }
    if (!reason.empty()) error["reason"] = reason;
    std::fprintf(stderr, "%s\n", nlohmann::ordered_json({{"error", error}}).dump(2).c_str());
    return 1;
  }
  if (fields.empty() && preconditions.empty()) {
    std::fprintf(stderr, "entctl: %s (%s): %s\n", CodeName(status.error_code()), code.c_str(),
                 WithCommands(status.error_message()).c_str());
  } else {
    // The message repeats the violations: each is printed once, on its line.
    std::fprintf(stderr, "entctl: %s (%s):\n", CodeName(status.error_code()), code.c_str());
  }
  for (const auto& [field, description] : fields) {
    std::fprintf(stderr, "  %s: %s\n", field.c_str(), WithCommands(description).c_str());
  }
  for (const auto& [subject, description] : preconditions) {
    std::fprintf(stderr, "  %s: %s\n", subject.c_str(), WithCommands(description).c_str());
  }
  if (!reason.empty()) std::fprintf(stderr, "  reason: %s\n", reason.c_str());
  return 1;
}

int PrintError(const std::string& message) {
  if (g_json_errors) {
    std::fprintf(stderr, "%s\n",
                 nlohmann::ordered_json({{"error", {{"message", message}}}}).dump(2).c_str());
    return 1;
  }
  std::fprintf(stderr, "entctl: %s\n", message.c_str());
  return 1;
}

}  // namespace ent::entctl
