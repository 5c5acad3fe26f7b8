// A convention's commune and schools checked against the official registries
// (the INSEE commune list) and the académie's configuration (the départements
// it serves). Refusals apply on create and update; on stored conventions the
// same findings are warnings (they may predate a check). Plain functions.
#ifndef ENT_CONVENTION_DOMAIN_REGISTRY_CHECKS_H_
#define ENT_CONVENTION_DOMAIN_REGISTRY_CHECKS_H_

#include <string>
#include <vector>

#include "common/field_violations.h"
#include "common/registry/academie.h"
#include "common/registry/commune_registry.h"
#include "convention-service/domain/convention.h"

namespace ent::convention {

// What the checks run against; both not owned, both outlive the service.
struct ReferenceData {
  const CommuneRegistry* communes = nullptr;
  const Academie* academie = nullptr;
};

struct RegistryFinding {
  std::string field;    // relative to the convention, e.g. "commune.siren"
  std::string message;  // the rule, with the registry's data
  std::string message_fr;  // the same, in French (for people: the console)
  bool refused = false;  // an error on create and update (else a warning)
};

// Refused: an INSEE code not in the list; a SIREN other than the commune's
// own; a commune, or a school (by its UAI's département), outside the
// académie. Warnings: a commune name other than the list's; a school in
// another of the académie's départements than its commune's; an académie
// party named otherwise than the configured académie.
std::vector<RegistryFinding> CheckAgainstRegistries(const Convention& c, const ReferenceData& ref);

// The refusals of CheckAgainstRegistries as field violations under `prefix`.
void ValidateAgainstRegistries(const Convention& c, const ReferenceData& ref,
                               const std::string& prefix, FieldViolations& v);

// The académie party of a draft that gives none: the configured académie's
// name, address, representative and capacity.
void FillAcademieParty(Convention& draft, const ReferenceData& ref);

// A school added by amendment: refused outside the académie.
void ValidateSchoolAgainstRegistries(const School& school, const ReferenceData& ref,
                                     const std::string& field, FieldViolations& v);

}  // namespace ent::convention

#endif  // ENT_CONVENTION_DOMAIN_REGISTRY_CHECKS_H_
