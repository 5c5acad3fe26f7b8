// The INSEE commune list the services check against (reference-data/communes.csv), for
// tests that create conventions of real communes.
#ifndef ENT_TESTS_SUPPORT_COMMUNES_H_
#define ENT_TESTS_SUPPORT_COMMUNES_H_

#include <string>

#include "common/registry/commune_registry.h"
#include "ent/convention/v1/convention.pb.h"

namespace ent::testing {

// The shipped list, loaded once.
const CommuneRegistry& Communes();

// Sets the convention's commune to `insee` with its own SIREN and name
// ("Commune de <name>"), as the registry gives them. The commune must exist.
void SetCommune(ent::convention::v1::Convention* c, const std::string& insee);

// The INSEE code of the `n`-th commune (0-based) of département `departement`,
// by code.
std::string NthCommuneOf(const std::string& departement, int n);

}  // namespace ent::testing

#endif  // ENT_TESTS_SUPPORT_COMMUNES_H_
