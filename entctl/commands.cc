#include "entctl/commands.h"

#include <cstdio>

#include <google/protobuf/descriptor.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "entctl/output.h"

namespace ent::entctl::internal {

int Done(const Client& client, const grpc::Status& status, const google::protobuf::Message& resp,
         const std::function<void()>& text) {
  if (!status.ok()) return PrintError(status);
  if (client.settings().json) {
    PrintJson(resp);
  } else {
    text();
  }
  return 0;
}

int ParseEnum(const google::protobuf::EnumDescriptor* type, const std::string& prefix,
              const std::string& value) {
  std::string name = prefix + absl::AsciiStrToUpper(value);
  for (char& c : name) {
    if (c == '-') c = '_';
  }
  const auto* v = type->FindValueByName(name);
  return v == nullptr || v->number() == 0 ? -1 : v->number();
}

int UsageError(const absl::Status& status) {
  std::fprintf(stderr, "entctl: %s\n", std::string(status.message()).c_str());
  return 2;
}

void AnnounceRequestId(const std::string& request_id) {
  std::fprintf(stderr, "request id %s (a retry with --request-id %s cannot act twice)\n",
               request_id.c_str(), request_id.c_str());
}

std::string ConventionName(const std::string& text) {
  return absl::StartsWith(text, "conventions/") ? text : "conventions/" + text;
}

std::string DisputeName(const std::string& text) {
  std::string name = ConventionName(text);
  const size_t slash = name.find('/', std::string("conventions/").size());
  if (slash != std::string::npos && name.find("/disputes/") == std::string::npos) {
    name.insert(slash, "/disputes");  // conventions/X/1 → conventions/X/disputes/1
  }
  return name;
}

std::string TitreName(const std::string& text) {
  return absl::StartsWith(text, "titres/") ? text : "titres/" + text;
}

std::string TimerName(const std::string& text) {
  return absl::StartsWith(text, "timers/") ? text : "timers/" + text;
}

google::type::Date ToDate(CivilDate d) {
  google::type::Date out;
  out.set_year(static_cast<int32_t>(d.year()));
  out.set_month(d.month());
  out.set_day(d.day());
  return out;
}

}  // namespace ent::entctl::internal
