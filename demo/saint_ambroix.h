// The Saint-Ambroix 2021-2022 convention from the seed document
// (shared/seeds/000_98aa3f5bebae0cfc.txt), as the requests that record it.
// Used by the demo loader and by the golden-scenario tests. Request ids are
// fixed, so replaying the requests is harmless.
#ifndef ENT_DEMO_SAINT_AMBROIX_H_
#define ENT_DEMO_SAINT_AMBROIX_H_

#include <string>

#include "ent/convention/v1/convention_service.pb.h"

namespace ent::demo {

inline constexpr char kSaintAmbroixId[] = "30227-2021";

ent::convention::v1::CreateConventionRequest SaintAmbroixCreate();
ent::convention::v1::RecordDeliberationRequest SaintAmbroixDeliberation();
ent::convention::v1::SignConventionRequest SaintAmbroixAcademieSignature();
ent::convention::v1::SignConventionRequest SaintAmbroixCommuneSignature();

// Saint-Ambroix's convention for the school year in progress on `today` (from
// 1 September), renewing 2021-2022: deliberated 30 days before `today`,
// enforceable 2 days later, signed by the académie 26 days and by the commune
// 20 days before `today` (in force from then), ending on 31 August. Request
// ids carry the school year, so a second run the same year changes nothing.
struct CurrentYearRequests {
  std::string school_year;  // "2026-2027"
  ent::convention::v1::CreateConventionRequest create;
  ent::convention::v1::RecordDeliberationRequest deliberation;
  ent::convention::v1::SignConventionRequest academie;
  ent::convention::v1::SignConventionRequest commune;
};
CurrentYearRequests SaintAmbroixCurrentYear(int year, int month, int day);

}  // namespace ent::demo

#endif  // ENT_DEMO_SAINT_AMBROIX_H_
