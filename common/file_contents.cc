#include "common/file_contents.h"

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace ent {

absl::StatusOr<std::string> ReadOptionFile(absl::string_view option, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  if (in) text << in.rdbuf();
  if (!in) return absl::NotFoundError(absl::StrCat(option, ": cannot read ", path));
  return text.str();
}

absl::StatusOr<std::string> ReadOptionFileTrimmed(absl::string_view option, const std::string& path) {
  absl::StatusOr<std::string> text = ReadOptionFile(option, path);
  if (!text.ok()) return text.status();
  return std::string(absl::StripAsciiWhitespace(*text));
}

}  // namespace ent
