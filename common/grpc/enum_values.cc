#include "common/grpc/enum_values.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace ent {

std::string UnknownEnumValue(int value, const google::protobuf::EnumDescriptor* type) {
  // The zero value is TYPE_UNSPECIFIED; its prefix ("STATE_") is everyone's.
  std::string prefix;
  if (type->value_count() > 0 && absl::EndsWith(type->value(0)->name(), "_UNSPECIFIED")) {
    const std::string& zero = type->value(0)->name();
    prefix = zero.substr(0, zero.size() - std::string("UNSPECIFIED").size());
  }
  std::vector<std::string> names;
  for (int i = 0; i < type->value_count(); ++i) {
    if (type->value(i)->number() == 0) continue;
    std::string name = type->value(i)->name();
    if (absl::StartsWith(name, prefix)) name = name.substr(prefix.size());
    names.push_back(name);
  }
  return absl::StrCat("is not a known value (", value, "): ", absl::StrJoin(names, ", "));
}

}  // namespace ent
