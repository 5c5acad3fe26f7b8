// Rendering of the console's pages: mustache templates (kainjow) compiled into
// the binary, escaping every {{value}} for HTML by default; {{{raw}}} only for
// HTML the console rendered itself. Thread-safe (templates are parsed per
// render).
#ifndef ENT_CONSOLE_VIEW_H_
#define ENT_CONSOLE_VIEW_H_

#include <string>

#include <kainjow/mustache.hpp>

#include "absl/status/status.h"

namespace ent::console {

using Data = kainjow::mustache::data;

// A list for templates.
inline Data List() { return Data(Data::type::list); }

// Checks that every template parses (at start-up).
absl::Status CheckTemplates();

// Renders templates/`name`.mustache with `data`.
std::string Render(const std::string& name, const Data& data);

// An embedded static file ("console.css"), or nullptr.
const std::string* StaticFile(const std::string& name);

}  // namespace ent::console

#endif  // ENT_CONSOLE_VIEW_H_
