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

// One inconsistency, in English (API clients, entctl) and in French (people:
// the console), the same facts in both.
struct Warning {
  std::string text;
  std::string text_fr;
};

// The convention's own inconsistencies, then what the registries find (a
// refusal of today's checks on a convention stored before them is a warning:
// stored data is never refused when read).
std::vector<Warning> ComputeWarnings(const Convention& c, const ReferenceData& ref);

}  // namespace ent::convention

#endif  // ENT_CONVENTION_DOMAIN_WARNINGS_H_
