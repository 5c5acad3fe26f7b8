#include "entctl/commands.h"

#include <cstdio>

#include <google/protobuf/descriptor.h>

#include "absl/strings/ascii.h"
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

google::type::Date ToDate(CivilDate d) {
  google::type::Date out;
  out.set_year(static_cast<int32_t>(d.year()));
  out.set_month(d.month());
  out.set_day(d.day());
  return out;
}

}  // namespace ent::entctl::internal
