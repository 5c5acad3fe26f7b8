// Inconsistencies that are not errors, reported on the convention so a person
// can look at them (DESIGN §2: "the kind of inconsistency the system should
// surface as a warning"). Pure function of the aggregate.
#ifndef ENT_CONVENTION_DOMAIN_WARNINGS_H_
#define ENT_CONVENTION_DOMAIN_WARNINGS_H_

#include <string>
#include <vector>

#include "convention-service/domain/convention.h"
#include "convention-service/domain/registry_checks.h"

namespace ent::convention {

// The convention's own inconsistencies, then what the registries find (a
// refusal of today's checks on a convention stored before them is a warning:
// stored data is never refused when read).
std::vector<std::string> ComputeWarnings(const Convention& c, const ReferenceData& ref);

}  // namespace ent::convention

#endif  // ENT_CONVENTION_DOMAIN_WARNINGS_H_
