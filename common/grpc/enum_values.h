// Messages for enum fields that hold a value the API does not define.
#ifndef ENT_COMMON_GRPC_ENUM_VALUES_H_
#define ENT_COMMON_GRPC_ENUM_VALUES_H_

#include <string>

#include <google/protobuf/descriptor.h>

namespace ent {

// "is not a known value (99): DRAFT, SIGNING, ..." — the defined values of
// `type` without their common prefix and without the zero value.
std::string UnknownEnumValue(int value, const google::protobuf::EnumDescriptor* type);

}  // namespace ent

#endif  // ENT_COMMON_GRPC_ENUM_VALUES_H_
