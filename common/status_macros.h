// Small helpers for absl::Status propagation (Abseil 20220623 has no status
// macros of its own).
#ifndef ENT_COMMON_STATUS_MACROS_H_
#define ENT_COMMON_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define ENT_CONCAT_INNER_(a, b) a##b
#define ENT_CONCAT_(a, b) ENT_CONCAT_INNER_(a, b)

// Returns from the current function when `expr` yields a non-OK status.
#define ENT_RETURN_IF_ERROR(expr)                \
  do {                                           \
    ::absl::Status ent_status_ = (expr);         \
    if (!ent_status_.ok()) return ent_status_;   \
  } while (0)

// `ENT_ASSIGN_OR_RETURN(auto x, StatusOrExpr());` declares/assigns the value
// or returns the error.
#define ENT_ASSIGN_OR_RETURN(lhs, expr) \
  ENT_ASSIGN_OR_RETURN_IMPL_(ENT_CONCAT_(ent_statusor_, __LINE__), lhs, expr)
#define ENT_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return tmp.status();              \
  lhs = std::move(tmp).value()

#endif  // ENT_COMMON_STATUS_MACROS_H_
