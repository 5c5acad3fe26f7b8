// French identifiers and civil dates: what is accepted is returned in its
// canonical form, and the canonical form is accepted as it is.
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/civil_date.h"
#include "common/identifiers.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  if (auto uai = ent::NormalizeUai(input); uai.ok()) {
    FUZZ_CHECK(uai->size() == 8);
    FUZZ_CHECK(*ent::NormalizeUai(*uai) == *uai);
  }
  if (auto insee = ent::NormalizeInseeCode(input); insee.ok()) {
    FUZZ_CHECK(insee->size() == 5);
    FUZZ_CHECK(*ent::NormalizeInseeCode(*insee) == *insee);
  }
  if (auto siren = ent::NormalizeSiren(input); siren.ok()) {
    FUZZ_CHECK(*siren == input);
  }
  if (auto year = ent::SchoolYear::Parse(input); year.ok()) {
    FUZZ_CHECK(year->ToString() == input);
    FUZZ_CHECK(year->Contains(year->first_day()) && year->Contains(year->last_day()));
  }
  if (auto date = ent::ParseIsoDate(input)) {
    FUZZ_CHECK(ent::FormatIsoDate(*date) == input);
  }
  return 0;
}
