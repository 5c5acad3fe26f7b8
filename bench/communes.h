// The INSEE commune list shipped in reference-data/communes.csv (see its README),
// as the benchmarks read it.
#ifndef ENT_BENCH_COMMUNES_H_
#define ENT_BENCH_COMMUNES_H_

#include <functional>
#include <string>
#include <vector>

namespace ent::bench {

struct Commune {
  std::string insee, name, siren;
};

// At most `limit` communes of the CSV at `path`, in file order, that `keep`
// accepts (all when it is empty); a commune without a SIREN gets 000000000.
std::vector<Commune> LoadCommunes(const std::string& path, int limit,
                                  const std::function<bool(const Commune&)>& keep = nullptr);

}  // namespace ent::bench

#endif  // ENT_BENCH_COMMUNES_H_
