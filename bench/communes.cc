#include "bench/communes.h"

#include <fstream>

#include "absl/strings/str_split.h"

namespace ent::bench {

std::vector<Commune> LoadCommunes(const std::string& path, int limit,
                                  const std::function<bool(const Commune&)>& keep) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);  // header
  std::vector<Commune> out;
  while (std::getline(in, line) && static_cast<int>(out.size()) < limit) {
    std::vector<std::string> f = absl::StrSplit(line, ',');
    if (f.size() < 5) continue;
    Commune c{f[0], f[1], f[4].empty() ? "000000000" : f[4]};
    if (!keep || keep(c)) out.push_back(std::move(c));
  }
  return out;
}

}  // namespace ent::bench
