// Instants: the services' --clock flag (RFC 3339) never crashes the parser,
// and an accepted instant formats back to one that parses to the same time.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "fuzz/fuzz_check.h"
#include "common/clock.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  auto parsed = ent::ParseClockFlag(input);
  if (parsed.ok() && parsed->has_value()) {
    const std::string again =
        "simulated:" + absl::FormatTime(absl::RFC3339_full, **parsed, absl::UTCTimeZone());
    auto reparsed = ent::ParseClockFlag(again);
    FUZZ_CHECK(reparsed.ok() && reparsed->has_value() && **reparsed == **parsed);
  }
  return 0;
}
