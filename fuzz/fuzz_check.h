// FUZZ_CHECK(cond): an invariant of a fuzz target; aborts (a finding) when false.
#ifndef ENT_FUZZ_FUZZ_CHECK_H_
#define ENT_FUZZ_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond)                                                          \
  do {                                                                            \
    if (!(cond)) {                                                                \
      std::fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                               \
    }                                                                             \
  } while (0)

#endif  // ENT_FUZZ_FUZZ_CHECK_H_
