// Runs a fuzz target without libFuzzer (compilers other than clang): every
// file of the corpus directories given, then mutations of them (bit flips,
// truncations, insertions, splices; a fixed seed, so a run is reproducible)
// until --seconds=N have passed. A broken invariant aborts, as under libFuzzer.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

void Run(const std::string& input) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
}

std::string Mutate(std::string s, const std::vector<std::string>& corpus, std::mt19937_64& rng) {
  auto pick = [&](size_t n) { return n == 0 ? 0 : static_cast<size_t>(rng() % n); };
  switch (rng() % 6) {
    case 0:
      if (!s.empty()) s[pick(s.size())] ^= static_cast<char>(1 << (rng() % 8));
      break;
    case 1:
      s.resize(pick(s.size() + 1));
      break;
    case 2:
      s.insert(pick(s.size() + 1), 1, static_cast<char>(rng() % 256));
      break;
    case 3:
      if (!corpus.empty()) {
        const std::string& other = corpus[pick(corpus.size())];
        s = s.substr(0, pick(s.size() + 1)) + other.substr(pick(other.size() + 1));
      }
      break;
    case 4:
      if (!s.empty()) s.erase(pick(s.size()), 1 + pick(8));
      break;
    case 5:
      for (const char* interesting : {"\xff", "\0", "-", "/", "0", "99999999999999999999"}) {
        if (rng() % 3 == 0) s.insert(pick(s.size() + 1), interesting);
      }
      break;
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 2;
  std::vector<std::string> corpus;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--seconds=", 10) == 0) {
      seconds = std::atof(argv[i] + 10);
      continue;
    }
    std::filesystem::path p(argv[i]);
    std::vector<std::filesystem::path> files;
    if (std::filesystem::is_directory(p)) {
      for (const auto& e : std::filesystem::directory_iterator(p)) files.push_back(e.path());
    } else {
      files.push_back(p);
    }
    for (const auto& f : files) {
      std::ifstream in(f, std::ios::binary);
      std::stringstream text;
      text << in.rdbuf();
      corpus.push_back(text.str());
    }
  }
  for (const auto& input : corpus) Run(input);
  std::mt19937_64 rng(20211103);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  long runs = 0;
  std::string current = corpus.empty() ? std::string() : corpus[0];
  while (std::chrono::steady_clock::now() < deadline) {
    for (int i = 0; i < 100; ++i, ++runs) {
      if (rng() % 8 == 0 && !corpus.empty()) current = corpus[rng() % corpus.size()];
      current = Mutate(current, corpus, rng);
      if (current.size() > 4096) current.resize(4096);
      Run(current);
    }
  }
  std::printf("%s: %zu corpus inputs, %ld mutations, no invariant broken\n", argv[0],
              corpus.size(), runs);
  return 0;
}
