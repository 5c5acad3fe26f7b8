// Command-line arguments of entctl: positional words and --name=value /
// --name value flags, with typed accessors that report what is wrong.
#ifndef ENT_ENTCTL_ARGS_H_
#define ENT_ENTCTL_ARGS_H_

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/civil_date.h"

namespace ent::entctl {

class Args {
 public:
  // Flags listed in `boolean` take no value.
  static absl::StatusOr<Args> Parse(int argc, char** argv, const std::set<std::string>& boolean);

  const std::vector<std::string>& positional() const { return positional_; }
  // The next positional word (the noun, the verb, a name), or an error naming `what`.
  absl::StatusOr<std::string> Next(const std::string& what);
  bool Has(const std::string& flag) const { return flags_.count(flag) > 0; }
  std::string Get(const std::string& flag, const std::string& fallback = "") const;
  absl::StatusOr<std::string> Required(const std::string& flag) const;
  absl::StatusOr<CivilDate> RequiredDate(const std::string& flag) const;
  absl::StatusOr<std::optional<CivilDate>> OptionalDate(const std::string& flag) const;
  absl::StatusOr<int64_t> Int(const std::string& flag, int64_t fallback) const;
  // Fails when a flag was given that no command read.
  absl::Status CheckAllUsed() const;

 private:
  std::vector<std::string> positional_;
  size_t next_ = 0;
  std::map<std::string, std::string> flags_;
  mutable std::set<std::string> used_;
};

}  // namespace ent::entctl

#endif  // ENT_ENTCTL_ARGS_H_
