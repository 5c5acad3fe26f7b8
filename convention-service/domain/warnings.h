// Inconsistencies that are not errors, reported on the convention so a person
// can look at them (DESIGN §2: "the kind of inconsistency the system should
// surface as a warning"). Pure function of the aggregate.
#ifndef ENT_CONVENTION_DOMAIN_WARNINGS_H_
#define ENT_CONVENTION_DOMAIN_WARNINGS_H_

#include <string>
#include <vector>

#include "convention-service/domain/convention.h"

namespace ent::convention {

std::vector<std::string> ComputeWarnings(const Convention& c);

}  // namespace ent::convention

#endif  // ENT_CONVENTION_DOMAIN_WARNINGS_H_
