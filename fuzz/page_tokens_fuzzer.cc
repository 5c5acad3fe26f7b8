// Page tokens: any token is decoded or refused (never a crash); a token the
// service issued decodes to its position for its own query only.
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/grpc/pagination.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // First byte: how much of the rest is the query key.
  const size_t key_size = std::min<size_t>(data[0], size - 1);
  const std::string key(reinterpret_cast<const char*>(data + 1), key_size);
  const std::string rest(reinterpret_cast<const char*>(data + 1 + key_size), size - 1 - key_size);
  (void)ent::DecodePageToken(rest, key);
  const std::string token = ent::EncodePageToken(key, rest);
  auto position = ent::DecodePageToken(token, key);
  FUZZ_CHECK(position.ok() && *position == rest);
  auto other = ent::DecodePageToken(token, key + "x");
  FUZZ_CHECK(!other.ok());
  return 0;
}
