// Resource names and quoted input: one spelling per resource; a quote is
// bounded, on one line and valid UTF-8.
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/resource_names.h"
#include "fuzz/fuzz_check.h"

namespace {

bool ValidUtf8OnOneLine(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    size_t n = b < 0x80 ? 1 : (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 0;
    if (n == 0 || i + n > s.size() || b < 0x20 || b == 0x7F) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const std::string quoted = ent::QuoteInput(input);
  FUZZ_CHECK(quoted.size() <= 4 * 48 + 40);
  FUZZ_CHECK(ValidUtf8OnOneLine(quoted));

  if (auto id = ent::ParseConventionName(input, "name"); id.ok()) {
    FUZZ_CHECK("conventions/" + *id == input);
    FUZZ_CHECK(ent::IsConventionId(*id));
  }
  if (auto d = ent::ParseDisputeName(input, "name"); d.ok()) {
    FUZZ_CHECK("conventions/" + d->first + "/disputes/" + std::to_string(d->second) == input);
  }
  if (auto t = ent::ParseTitreName(input, "name"); t.ok()) {
    FUZZ_CHECK("titres/" + ent::FormatTitreNumber(t->first, t->second) == input);
  }
  int64_t n = 0;
  if (ent::ParseCanonicalNumber(input, &n)) FUZZ_CHECK(std::to_string(n) == input);
  return 0;
}
