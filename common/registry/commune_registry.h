// The official list of French communes (INSEE code, name, département, SIREN,
// population), loaded from the CSV the project ships (reference-data/communes.csv, from
// INSEE's Code officiel géographique and the SIRENE register) or a newer one
// given by flag. Immutable once loaded; thread-safe to read.
#ifndef ENT_COMMON_REGISTRY_COMMUNE_REGISTRY_H_
#define ENT_COMMON_REGISTRY_COMMUNE_REGISTRY_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ent {

struct CommuneEntry {
  std::string insee_code;    // "30227", "2A004"
  std::string name;          // "Saint-Ambroix"
  std::string departement;   // "30", "2A", "971"
  std::string siren;         // 9 digits, or empty when the source has none
  int64_t population = 0;
};

class CommuneRegistry {
 public:
  // Reads `csv_path` (header insee_code,name,departement,region,siren,
  // population,...). Its source is read from `csv_path` + ".source" (one
  // line) when that file exists. A malformed line is an error naming it.
  static absl::StatusOr<std::unique_ptr<CommuneRegistry>> Load(const std::string& csv_path);
  // For tests: a registry of these entries.
  static std::unique_ptr<CommuneRegistry> Of(std::vector<CommuneEntry> entries, std::string source);

  // The commune with this INSEE code, or null.
  const CommuneEntry* Find(absl::string_view insee_code) const;
  // Communes whose name matches `name` ignoring case, accents, hyphens and
  // apostrophes ("saint ambroix" finds both Saint-Ambroix), by INSEE code.
  std::vector<const CommuneEntry*> FindByName(absl::string_view name) const;
  // The commune with this SIREN (the first 9 digits of its SIRET), or null.
  const CommuneEntry* FindBySiren(absl::string_view siren) const;

  size_t size() const { return entries_.size(); }
  // What the checks ran against: "<source>; 34969 communes; sha256 1a2b3c4d5e6f".
  const std::string& version() const { return version_; }

 private:
  CommuneRegistry() = default;
  void Index();
  std::vector<CommuneEntry> entries_;
  absl::flat_hash_map<std::string, size_t> by_insee_;  // looked up on every read
  absl::flat_hash_map<std::string, size_t> by_siren_;
  std::multimap<std::string, size_t, std::less<>> by_name_;
  std::string version_;
};

// The département of a school from its UAI: "0300673U" → "30",
// "6200001A" → "2A", "7200001B" → "2B", "9710001A" → "971" (overseas, 97x and
// 98x: the first three digits); empty if the
// prefix is none of these.
std::string DepartementOfUai(absl::string_view uai);

// A name folded for comparison: lower case, without accents, hyphens,
// apostrophes or repeated spaces ("Saint-Ambroix" → "saint ambroix").
std::string FoldCommuneName(absl::string_view name);

}  // namespace ent

#endif  // ENT_COMMON_REGISTRY_COMMUNE_REGISTRY_H_
