#include "entctl/args.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace ent::entctl {

absl::StatusOr<Args> Args::Parse(int argc, char** argv, const std::set<std::string>& boolean) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-o") {  // the file a document is written to: -o FILE is --out FILE
      if (i + 1 >= argc) return absl::InvalidArgumentError("-o needs a file name");
      args.flags_["out"] = argv[++i];
      continue;
    }
    if (a.rfind("--", 0) != 0 || a == "--") {
      args.positional_.push_back(a);
      continue;
    }
    std::string name = a.substr(2), value;
    const size_t eq = name.find('=');
    if (eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else if (boolean.count(name)) {
      value = "true";
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return absl::InvalidArgumentError(absl::StrCat("--", name, " needs a value"));
    }
    args.flags_[name] = value;
  }
  return args;
}

absl::StatusOr<std::string> Args::Next(const std::string& what) {
  if (next_ >= positional_.size()) return absl::InvalidArgumentError(absl::StrCat("missing ", what));
  return positional_[next_++];
}

std::string Args::Get(const std::string& flag, const std::string& fallback) const {
  used_.insert(flag);
  auto it = flags_.find(flag);
  return it == flags_.end() ? fallback : it->second;
}

absl::StatusOr<std::string> Args::Required(const std::string& flag) const {
  used_.insert(flag);
  auto it = flags_.find(flag);
  if (it == flags_.end() || it->second.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("--", flag, " is required"));
  }
  return it->second;
}

absl::StatusOr<CivilDate> Args::RequiredDate(const std::string& flag) const {
  auto text = Required(flag);
  if (!text.ok()) return text.status();
  auto date = ParseIsoDate(*text);
  if (!date) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, ": '", *text, "' is not a date (YYYY-MM-DD, e.g. 2022-03-31)"));
  }
  return *date;
}

absl::StatusOr<std::optional<CivilDate>> Args::OptionalDate(const std::string& flag) const {
  if (!Has(flag)) {
    used_.insert(flag);
    return std::optional<CivilDate>();
  }
  auto date = RequiredDate(flag);
  if (!date.ok()) return date.status();
  return std::optional<CivilDate>(*date);
}

absl::StatusOr<int64_t> Args::Int(const std::string& flag, int64_t fallback) const {
  used_.insert(flag);
  auto it = flags_.find(flag);
  if (it == flags_.end()) return fallback;
  int64_t value = 0;
  if (!absl::SimpleAtoi(it->second, &value)) {
    return absl::InvalidArgumentError(absl::StrCat("--", flag, ": '", it->second, "' is not an integer"));
  }
  return value;
}

absl::Status Args::CheckAllUsed() const {
  std::vector<std::string> unknown;
  for (const auto& [name, value] : flags_) {
    if (!used_.count(name)) unknown.push_back("--" + name);
  }
  if (unknown.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("unknown flag(s) for this command: ", absl::StrJoin(unknown, ", ")));
}

}  // namespace ent::entctl
