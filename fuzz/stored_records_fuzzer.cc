// Stored records as read back from the databases: any row body decodes or is
// reported corrupt (never a crash), and what decodes re-encodes stably. Both
// the protobuf records of today and the JSON of release fbf17cd (read once,
// by the migration that re-encodes it) are covered.
#include <cstddef>
#include <cstdint>
#include <string>

#include "billing-service/store/billing_records.h"
#include "billing-service/store/legacy_json_records.h"
#include "convention-service/store/convention_records.h"
#include "convention-service/store/legacy_json_records.h"
#include "fuzz/fuzz_check.h"

namespace {

// Decodes `body` as T; when it decodes, encoding is stable.
template <typename T, typename Decode, typename Encode>
void RoundTrip(const std::string& body, Decode decode, Encode encode) {
  auto first = decode(body);
  if (!first.ok()) return;
  const std::string once = encode(*first);
  auto again = decode(once);
  FUZZ_CHECK(again.ok() && encode(*again) == once);
}

template <typename T>
void AnswerRoundTrip(const std::string& body) {
  T first;
  if (!ent::billing::DecodeAnswer(body, &first).ok()) return;
  const std::string once = ent::billing::EncodeAnswer(first);
  T again;
  FUZZ_CHECK(ent::billing::DecodeAnswer(once, &again).ok());
  FUZZ_CHECK(ent::billing::EncodeAnswer(again) == once);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace c = ent::convention;
  namespace b = ent::billing;
  if (size == 0) return 0;
  const std::string body(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 16) {
    case 0:
      RoundTrip<c::Convention>(body, [](const std::string& s) { return c::DecodeConvention(s); },
                               [](const c::Convention& v) { return c::EncodeConvention(v); });
      break;
    case 1:
      RoundTrip<c::Dispute>(body, [](const std::string& s) { return c::DecodeDispute(s); },
                            [](const c::Dispute& v) { return c::EncodeDispute(v); });
      break;
    case 2:
      RoundTrip<std::vector<c::FieldChange>>(
          body, [](const std::string& s) { return c::DecodeChanges(s); },
          [](const std::vector<c::FieldChange>& v) { return c::EncodeChanges(v); });
      break;
    case 3:
      RoundTrip<c::Response>(body, [](const std::string& s) { return c::DecodeResponse(s); },
                             [](const c::Response& v) { return c::EncodeResponse(v); });
      break;
    case 4:
      RoundTrip<b::BillableConvention>(
          body, [](const std::string& s) { return b::DecodeConvention(s); },
          [](const b::BillableConvention& v) { return b::EncodeConvention(v); });
      break;
    case 5: {
      b::Titre t;
      if (b::DecodeTitreBody(body, t).ok()) {
        const std::string once = b::EncodeTitreBody(t);
        b::Titre again;
        FUZZ_CHECK(b::DecodeTitreBody(once, again).ok());
        FUZZ_CHECK(b::EncodeTitreBody(again) == once);
      }
      break;
    }
    case 6: AnswerRoundTrip<b::Tariff>(body); break;
    case 7: AnswerRoundTrip<b::TitreAccount>(body); break;
    case 8: AnswerRoundTrip<b::Payment>(body); break;
    case 9: AnswerRoundTrip<b::Correction>(body); break;
    case 10: AnswerRoundTrip<b::CampaignResult>(body); break;
    // The JSON of release fbf17cd: decodes or is reported corrupt, and what
    // decodes re-encodes as a record that reads back.
    case 11:
      if (auto v = c::DecodeLegacyConvention(body); v.ok()) {
        FUZZ_CHECK(c::DecodeConvention(c::EncodeConvention(*v)).ok());
      }
      break;
    case 12:
      if (auto v = c::DecodeLegacyDispute(body); v.ok()) {
        FUZZ_CHECK(c::DecodeDispute(c::EncodeDispute(*v)).ok());
      }
      break;
    case 13:
      if (auto v = c::DecodeLegacyChanges(body); v.ok()) {
        FUZZ_CHECK(c::DecodeChanges(c::EncodeChanges(*v)).ok());
      }
      break;
    case 14:
      if (auto v = b::DecodeLegacyConvention(body); v.ok()) {
        FUZZ_CHECK(b::DecodeConvention(b::EncodeConvention(*v)).ok());
      }
      break;
    case 15: {
      b::Titre t;
      if (b::DecodeLegacyTitreBody(body, t).ok()) {
        b::Titre again;
        FUZZ_CHECK(b::DecodeTitreBody(b::EncodeTitreBody(t), again).ok());
      }
      break;
    }
  }
  return 0;
}
