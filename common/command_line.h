// Command lines parsed by Abseil flags (absl/flags), spelled with dashes as
// the README and the units write them (--port-file, --db-lock-timeout): Abseil
// names flags with underscores, and both spellings are accepted.
#ifndef ENT_COMMON_COMMAND_LINE_H_
#define ENT_COMMON_COMMAND_LINE_H_

#include <string>
#include <vector>

namespace ent {

// Sets `usage` (what --help prints above the flags) and parses argv into the
// ABSL_FLAGs linked into the program; returns the positional arguments.
// An unknown flag or a value of the wrong type ends the process (Abseil
// prints which, exit code 1); --help prints every flag with its help text.
std::vector<std::string> ParseCommandLine(int argc, char** argv, const char* usage);

}  // namespace ent

#endif  // ENT_COMMON_COMMAND_LINE_H_
