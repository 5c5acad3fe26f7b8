#include "bench/report.h"

#include <algorithm>
#include <cstdio>
#include <fstream>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace ent::bench {
namespace {

std::string Number(double v) {
  if (v == 0) return "0";
  if (std::abs(v) >= 100) return absl::StrFormat("%.0f", v);
  if (std::abs(v) >= 10) return absl::StrFormat("%.1f", v);
  return absl::StrFormat("%.2f", v);
}

std::string Bound(bool at_least, double bound, const std::string& unit) {
  return absl::StrCat(at_least ? "≥ " : "< ", Number(bound), unit == "×" ? "" : " ", unit);
}

}  // namespace

Stats Summarize(std::vector<double> values) {
  Stats s;
  s.n = static_cast<int>(values.size());
  if (values.empty()) return s;
  std::sort(values.begin(), values.end());
  s.min = values.front();
  s.max = values.back();
  const size_t mid = values.size() / 2;
  s.median = values.size() % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
  return s;
}

void Report::AtLeast(const std::string& id, const std::string& what,
                     const std::vector<double>& values, const std::string& unit, double bound,
                     const std::string& absolute) {
  Row r{id, what, Summarize(values), unit, Bound(true, bound, unit), std::nullopt, absolute};
  r.met = r.value.n > 0 && r.value.median >= bound;
  rows_.push_back(std::move(r));
}

void Report::AtMost(const std::string& id, const std::string& what,
                    const std::vector<double>& values, const std::string& unit, double bound,
                    const std::string& absolute) {
  Row r{id, what, Summarize(values), unit, Bound(false, bound, unit), std::nullopt, absolute};
  r.met = r.value.n > 0 && r.value.median < bound;
  rows_.push_back(std::move(r));
}

void Report::Info(const std::string& id, const std::string& what,
                  const std::vector<double>& values, const std::string& unit,
                  const std::string& absolute) {
  rows_.push_back(Row{id, what, Summarize(values), unit, "", std::nullopt, absolute});
}

void Report::Print(const Machine& m, const std::string& settings) const {
  std::printf("\n%s — %s\nmachine: %s\n\n", name_.c_str(), settings.c_str(), Describe(m).c_str());
  std::printf("| id | measure | median | min – max | goal | met | absolute |\n");
  std::printf("|---|---|---|---|---|---|---|\n");
  for (const Row& r : rows_) {
    const std::string unit = r.unit == "×" ? "×" : " " + r.unit;
    std::printf("| %s | %s | %s%s | %s – %s (%d) | %s | %s | %s |\n", r.id.c_str(), r.what.c_str(),
                Number(r.value.median).c_str(), unit.c_str(), Number(r.value.min).c_str(),
                Number(r.value.max).c_str(), r.value.n, r.goal.empty() ? "—" : r.goal.c_str(),
                !r.met ? "" : *r.met ? "yes" : "**no**", r.absolute.c_str());
  }
  for (const std::string& f : failures_) std::printf("FAILED: %s\n", f.c_str());
}

absl::Status Report::WriteJson(const std::string& path, const Machine& m,
                               const std::string& settings) const {
  nlohmann::json j;
  j["benchmark"] = name_;
  j["settings"] = settings;
  j["machine"] = {{"cores", m.cores},       {"cpu_model", m.cpu_model},
                  {"kernel", m.kernel},     {"fs_type", m.fs_type},
                  {"fsync_us", m.fsync_us}, {"allocator", m.allocator}};
  j["rows"] = nlohmann::json::array();
  for (const Row& r : rows_) {
    nlohmann::json row = {{"id", r.id},       {"measure", r.what},         {"unit", r.unit},
                          {"median", r.value.median}, {"min", r.value.min}, {"max", r.value.max},
                          {"rounds", r.value.n}, {"goal", r.goal},         {"absolute", r.absolute}};
    if (r.met) row["met"] = *r.met;
    j["rows"].push_back(std::move(row));
  }
  j["failures"] = failures_;
  std::ofstream out(path);
  out << j.dump(2) << "\n";
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

}  // namespace ent::bench
