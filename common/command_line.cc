#include "common/command_line.h"

#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"

namespace ent {

std::vector<std::string> ParseCommandLine(int argc, char** argv, const char* usage) {
  absl::SetProgramUsageMessage(usage);
  // --help lists the program's own flags (wherever this project defines
  // them), not Abseil's internal ones (--helpfull has those too).
  absl::FlagsUsageConfig config;
  config.contains_help_flags = [](absl::string_view file) { return !absl::StrContains(file, "absl/"); };
  absl::SetFlagsUsageConfig(config);
  std::vector<std::string> args(argv, argv + argc);
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--") break;  // what follows is positional
    if (args[i].rfind("--", 0) != 0) continue;
    for (size_t j = 2; j < args[i].size() && args[i][j] != '='; ++j) {
      if (args[i][j] == '-') args[i][j] = '_';
    }
  }
  std::vector<char*> pointers;
  for (auto& a : args) pointers.push_back(a.data());
  std::vector<char*> positional = absl::ParseCommandLine(static_cast<int>(pointers.size()), pointers.data());
  return std::vector<std::string>(positional.begin() + (positional.empty() ? 0 : 1), positional.end());
}

}  // namespace ent
