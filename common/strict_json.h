// Stored records and notices are JSON without fractions: a floating-point
// number anywhere in one is corruption, and converting it to an integer field
// would be undefined behaviour (found by the stored_records fuzzer). Decoders
// call RequireIntegerNumbers right after parsing.
#ifndef ENT_COMMON_STRICT_JSON_H_
#define ENT_COMMON_STRICT_JSON_H_

#include <stdexcept>

#include <nlohmann/json.hpp>

namespace ent {

// Throws std::runtime_error when `j` holds a non-integer number.
inline void RequireIntegerNumbers(const nlohmann::json& j) {
  if (j.is_number_float()) throw std::runtime_error("a number is not an integer");
  if (j.is_structured()) {
    for (const auto& item : j) RequireIntegerNumbers(item);
  }
}

}  // namespace ent

#endif  // ENT_COMMON_STRICT_JSON_H_
