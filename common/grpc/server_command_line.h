// The flags both services take, as Abseil flags (--help lists them with their
// help texts), and the ServerFlags they make. Linked by the services' mains
// only: a program defining flags of the same names (the console's --listen)
// must not link it.
#ifndef ENT_COMMON_GRPC_SERVER_COMMAND_LINE_H_
#define ENT_COMMON_GRPC_SERVER_COMMAND_LINE_H_

#include "absl/status/statusor.h"
#include "common/grpc/server_flags.h"

namespace ent {

// Parses argv (ParseCommandLine: dashes or underscores; the service's own
// ABSL_FLAGs included) and returns the shared flags, checked
// (CheckServerFlags). Positional arguments are refused.
absl::StatusOr<ServerFlags> ParseServerCommandLine(int argc, char** argv, const char* usage);

}  // namespace ent

#endif  // ENT_COMMON_GRPC_SERVER_COMMAND_LINE_H_
