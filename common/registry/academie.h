// The académie a service serves, from its configuration file (--academie,
// ent.config.v1.Academie in protobuf text format), and the names of the
// French départements for messages. Immutable once loaded.
#ifndef ENT_COMMON_REGISTRY_ACADEMIE_H_
#define ENT_COMMON_REGISTRY_ACADEMIE_H_

#include <cstdint>
#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ent {

struct Academie {
  std::string name;
  std::string address;
  std::string representative;
  std::string capacity;
  std::set<std::string> departements;  // "11", "30", "2A", "971"
  int64_t participation_per_school_cents = 5000;  // Article 5, TTC

  bool Serves(absl::string_view departement) const {
    return departements.count(std::string(departement)) > 0;
  }
  // "Académie de Montpellier (11, 30, 34, 48, 66)".
  std::string Describe() const;
};

// Reads and checks the file: a name, at least one département, each a known
// département code. Errors name the file and the field.
absl::StatusOr<Academie> LoadAcademie(const std::string& path);

// "Gard" for "30", "Corse-du-Sud" for "2A"; empty for an unknown code.
absl::string_view DepartementName(absl::string_view code);

}  // namespace ent

#endif  // ENT_COMMON_REGISTRY_ACADEMIE_H_
