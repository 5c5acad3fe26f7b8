// The contents of a small file an option names (a token, a CA bundle, a
// certificate and its key, a client secret), read whole at start-up.
#ifndef ENT_COMMON_FILE_CONTENTS_H_
#define ENT_COMMON_FILE_CONTENTS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ent {

// The bytes of `path`; NOT_FOUND naming `option` ("--billing-ca") and the
// path when it cannot be read.
absl::StatusOr<std::string> ReadOptionFile(absl::string_view option, const std::string& path);

// Likewise, without surrounding whitespace (a token or a secret, whose file
// usually ends with a newline).
absl::StatusOr<std::string> ReadOptionFileTrimmed(absl::string_view option, const std::string& path);

}  // namespace ent

#endif  // ENT_COMMON_FILE_CONTENTS_H_
