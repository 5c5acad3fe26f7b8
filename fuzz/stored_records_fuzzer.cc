// Stored records as read back from the databases: any row body decodes or is
// reported corrupt (never a crash), and what decodes re-encodes stably.
#include <cstddef>
#include <cstdint>
#include <string>

#include "billing-service/store/billing_records.h"
#include "convention-service/store/convention_json.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string body(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 5) {
    case 0:
      if (auto c = ent::convention::DecodeConvention(body); c.ok()) {
        const std::string once = ent::convention::EncodeConvention(*c);
        auto again = ent::convention::DecodeConvention(once);
        FUZZ_CHECK(again.ok() && ent::convention::EncodeConvention(*again) == once);
      }
      break;
    case 1:
      if (auto d = ent::convention::DecodeDispute(body); d.ok()) {
        const std::string once = ent::convention::EncodeDispute(*d);
        auto again = ent::convention::DecodeDispute(once);
        FUZZ_CHECK(again.ok() && ent::convention::EncodeDispute(*again) == once);
      }
      break;
    case 2:
      if (auto changes = ent::convention::DecodeChanges(body); changes.ok()) {
        const std::string once = ent::convention::EncodeChanges(*changes);
        FUZZ_CHECK(ent::convention::DecodeChanges(once).ok());
      }
      break;
    case 3:
      if (auto c = ent::billing::DecodeConvention(body); c.ok()) {
        const std::string once = ent::billing::EncodeConvention(*c);
        auto again = ent::billing::DecodeConvention(once);
        FUZZ_CHECK(again.ok() && ent::billing::EncodeConvention(*again) == once);
      }
      break;
    case 4: {
      ent::billing::Titre t;
      if (ent::billing::DecodeTitreBody(body, t).ok()) {
        const std::string once = ent::billing::EncodeTitreBody(t);
        ent::billing::Titre again;
        FUZZ_CHECK(ent::billing::DecodeTitreBody(once, again).ok());
        FUZZ_CHECK(ent::billing::EncodeTitreBody(again) == once);
      }
      break;
    }
  }
  return 0;
}
