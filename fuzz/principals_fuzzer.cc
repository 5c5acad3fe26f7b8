// The principals file: any text is loaded or refused with an error, never a
// crash; a loaded registry authenticates any header value without crashing.
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/auth/principal_directory.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  auto registry = ent::PrincipalDirectory::FromText(input);
  if (registry.ok()) {
    (void)(*registry)->Authenticate(input);
    (void)(*registry)->Authenticate("Bearer " + input);
    auto nobody = (*registry)->Authenticate("");
    FUZZ_CHECK(!nobody.ok());
  }
  return 0;
}
