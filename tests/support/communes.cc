#include "tests/support/communes.h"

#include <cstdlib>
#include <cstdio>

namespace ent::testing {

const CommuneRegistry& Communes() {
  static const CommuneRegistry* const registry = [] {
    auto loaded = CommuneRegistry::Load(std::string(ENT_SOURCE_DIR) + "/reference-data/communes.csv");
    if (!loaded.ok()) {
      std::fprintf(stderr, "%s\n", loaded.status().ToString().c_str());
      std::abort();
    }
    return loaded->release();
  }();
  return *registry;
}

void SetCommune(ent::convention::v1::Convention* c, const std::string& insee) {
  const CommuneEntry* e = Communes().Find(insee);
  if (e == nullptr) {
    std::fprintf(stderr, "no commune %s in reference-data/communes.csv\n", insee.c_str());
    std::abort();
  }
  c->mutable_commune()->set_insee_code(e->insee_code);
  c->mutable_commune()->set_siren(e->siren);
  c->mutable_commune()->mutable_party()->set_name("Commune de " + e->name);
}

std::string NthCommuneOf(const std::string& departement, int n) {
  // INSEE codes of a département start with its code (2 characters).
  for (int number = 1, found = 0; number < 1000; ++number) {
    char code[8];
    std::snprintf(code, sizeof(code), "%s%03d", departement.c_str(), number);
    const CommuneEntry* e = Communes().Find(code);
    if (e != nullptr && !e->siren.empty() && found++ == n) return e->insee_code;
  }
  std::fprintf(stderr, "fewer than %d communes in %s\n", n + 1, departement.c_str());
  std::abort();
}

}  // namespace ent::testing
