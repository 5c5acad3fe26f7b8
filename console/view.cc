#include "console/view.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "console/embedded_files.h"

namespace ent::console {
namespace {

constexpr absl::string_view kSuffix = ".mustache";

}  // namespace

absl::Status CheckTemplates() {
  for (const auto& [file, text] : EmbeddedFiles()) {
    if (!absl::EndsWith(file, kSuffix)) continue;
    kainjow::mustache::mustache tmpl(text);
    if (!tmpl.is_valid()) {
      return absl::InternalError(absl::StrCat("template ", file, ": ", tmpl.error_message()));
    }
  }
  return absl::OkStatus();
}

std::string Render(const std::string& name, const Data& data) {
  const auto& files = EmbeddedFiles();
  auto it = files.find(absl::StrCat(name, kSuffix));
  if (it == files.end()) return absl::StrCat("template ", name, " is missing");
  kainjow::mustache::mustache tmpl(it->second);
  return tmpl.render(data);
}

const std::string* StaticFile(const std::string& name) {
  const auto& files = EmbeddedFiles();
  auto it = files.find(name);
  if (it == files.end() || absl::EndsWith(name, kSuffix)) return nullptr;
  return &it->second;
}

}  // namespace ent::console
