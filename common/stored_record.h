// Parsing a stored protobuf record: bytes that do not parse as the record's
// message, or decode to impossible values, are INTERNAL errors naming the
// record ("corrupt convention record: ..."), never a crash.
#ifndef ENT_COMMON_STORED_RECORD_H_
#define ENT_COMMON_STORED_RECORD_H_

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace ent {

template <typename Message>
absl::Status ParseStoredRecord(absl::string_view bytes, const char* what, Message& out) {
  if (!out.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::InternalError(absl::StrCat("corrupt ", what, " record: not a ",
                                            Message::descriptor()->full_name(), " (",
                                            bytes.size(), " bytes)"));
  }
  return absl::OkStatus();
}

// `st` (from converting a parsed record) as the record's corruption.
inline absl::Status CorruptRecord(const char* what, const absl::Status& st) {
  return absl::InternalError(absl::StrCat("corrupt ", what, " record: ", st.message()));
}

}  // namespace ent

#endif  // ENT_COMMON_STORED_RECORD_H_
