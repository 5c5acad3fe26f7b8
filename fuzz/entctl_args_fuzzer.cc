// entctl's command line and config file: any argv (words split at NUL bytes)
// or config text is parsed or refused, never a crash.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "entctl/args.h"
#include "entctl/client.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  for (const auto& [key, value] : ent::entctl::ParseConfig(input)) {
    FUZZ_CHECK(key.find('\n') == std::string::npos && value.find('\n') == std::string::npos);
  }
  std::vector<std::string> words = absl::StrSplit(input, '\0');
  std::vector<char*> argv = {const_cast<char*>("entctl")};
  for (auto& w : words) argv.push_back(w.data());
  auto args = ent::entctl::Args::Parse(static_cast<int>(argv.size()), argv.data(), {"alsace-moselle"});
  if (args.ok()) {
    (void)args->Next("command");
    (void)args->RequiredDate("date");
    (void)args->OptionalDate("sent");
    (void)args->Int("page-size", 50);
    (void)args->Required("token");
    (void)args->CheckAllUsed();
  }
  return 0;
}
