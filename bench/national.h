// The national data set of the benchmarks: every commune of
// reference-data/communes.csv (34,969), a valid UAI per school in its
// département, an académie configuration serving every département (so that
// convention-service accepts them all), and the requests that create their
// conventions.
#ifndef ENT_BENCH_NATIONAL_H_
#define ENT_BENCH_NATIONAL_H_

#include <string>
#include <vector>

#include "ent/convention/v1/convention_service.pb.h"

namespace ent::bench {

struct NationalCommune {
  std::string insee, name, siren, departement;
};

// The first `limit` communes of the list (all of them when limit <= 0).
std::vector<NationalCommune> NationalCommunes(int limit = 0);

// A valid UAI of the commune's département (check letter included), the
// `n`-th of the commune.
std::string UaiOf(const NationalCommune& c, int n);

// Writes an ent.config.v1.Academie serving every département of `communes`
// into `dir`; returns its path (for --academie).
std::string WriteNationalAcademie(const std::string& dir,
                                  const std::vector<NationalCommune>& communes);

// "{insee}-{first year}{suffix}", lower case (2a004-2025).
std::string ConventionIdOf(const NationalCommune& c, const std::string& school_year,
                           const std::string& suffix = "");

// A draft convention for the commune (1-3 schools, by the commune's rank
// `index`), id ConventionIdOf.
ent::convention::v1::CreateConventionRequest CreateFor(const NationalCommune& c, int index,
                                                       const std::string& school_year,
                                                       const std::string& suffix = "");

}  // namespace ent::bench

#endif  // ENT_BENCH_NATIONAL_H_
