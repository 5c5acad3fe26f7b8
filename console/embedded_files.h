// The console's templates, stylesheet and script, compiled into the binary
// (console/embed.cmake writes the definition from templates/ and static/).
#ifndef ENT_CONSOLE_EMBEDDED_FILES_H_
#define ENT_CONSOLE_EMBEDDED_FILES_H_

#include <map>
#include <string>

namespace ent::console {

// File name ("layout.mustache", "console.css") → content. Thread-safe.
const std::map<std::string, std::string>& EmbeddedFiles();

}  // namespace ent::console

#endif  // ENT_CONSOLE_EMBEDDED_FILES_H_
