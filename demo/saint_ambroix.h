// The Saint-Ambroix 2021-2022 convention from the seed document
// (shared/seeds/000_98aa3f5bebae0cfc.txt), as the requests that record it.
// Used by the demo loader and by the golden-scenario tests. Request ids are
// fixed, so replaying the requests is harmless.
#ifndef ENT_DEMO_SAINT_AMBROIX_H_
#define ENT_DEMO_SAINT_AMBROIX_H_

#include "ent/convention/v1/convention_service.pb.h"

namespace ent::demo {

inline constexpr char kSaintAmbroixId[] = "30227-2021";

ent::convention::v1::CreateConventionRequest SaintAmbroixCreate();
ent::convention::v1::RecordDeliberationRequest SaintAmbroixDeliberation();
ent::convention::v1::SignConventionRequest SaintAmbroixAcademieSignature();
ent::convention::v1::SignConventionRequest SaintAmbroixCommuneSignature();

}  // namespace ent::demo

#endif  // ENT_DEMO_SAINT_AMBROIX_H_
