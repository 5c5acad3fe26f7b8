// The figures of a benchmark run: each goal's measured value over several
// interleaved rounds (median, min, max), with the absolute figures beside it,
// printed as a table and written as JSON with the machine it ran on.
#ifndef ENT_BENCH_REPORT_H_
#define ENT_BENCH_REPORT_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "bench/machine.h"

namespace ent::bench {

struct Stats {
  double median = 0, min = 0, max = 0;
  int n = 0;
};
Stats Summarize(std::vector<double> values);

struct Row {
  std::string id;        // the goal's id: "reads", "tail", "writes", "timers", …
  std::string what;      // "GetConvention / echo, one key"
  Stats value;           // a ratio (unit "×") or a measure ("ms", "s", "MiB", …)
  std::string unit;
  std::string goal;      // "≥ 0.80", "< 5 ms", "" when only reported
  std::optional<bool> met;
  std::string absolute;  // the absolute figures behind it, for the second column
};

class Report {
 public:
  explicit Report(std::string name) : name_(std::move(name)) {}

  // A measured value with a goal: at least (or at most) `bound`.
  void AtLeast(const std::string& id, const std::string& what, const std::vector<double>& values,
               const std::string& unit, double bound, const std::string& absolute);
  void AtMost(const std::string& id, const std::string& what, const std::vector<double>& values,
              const std::string& unit, double bound, const std::string& absolute);
  // A figure reported without a goal.
  void Info(const std::string& id, const std::string& what, const std::vector<double>& values,
            const std::string& unit, const std::string& absolute);
  // A problem that makes the run invalid (an RPC error, a failed check).
  void Fail(const std::string& why) { failures_.push_back(why); }

  void Print(const Machine& m, const std::string& settings) const;
  absl::Status WriteJson(const std::string& path, const Machine& m,
                         const std::string& settings) const;
  bool ok() const { return failures_.empty(); }
  const std::vector<Row>& rows() const { return rows_; }

 private:
  std::string name_;
  std::vector<Row> rows_;
  std::vector<std::string> failures_;
};

}  // namespace ent::bench

#endif  // ENT_BENCH_REPORT_H_
