// entctl's shell completion and manual page, generated from the same command
// definitions as its help, so that the three never disagree.
#ifndef ENT_ENTCTL_DOCS_H_
#define ENT_ENTCTL_DOCS_H_

#include <string>

#include "entctl/commands.h"

namespace ent::entctl {

// A bash completion script: `source <(entctl completion bash)`. Completes
// nouns, their verbs, and each command's flags (from its usage line).
std::string BashCompletion(const Commands& commands);

// The manual page in roff: `entctl man > entctl.1; man ./entctl.1`.
std::string ManPage(const Commands& commands, const std::string& options_text);

}  // namespace ent::entctl

#endif  // ENT_ENTCTL_DOCS_H_
