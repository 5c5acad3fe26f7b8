// entctl's output: aligned tables, dates as dates, amounts in euros, JSON
// (protobuf's JSON mapping) for scripts, and gRPC errors explained.
#ifndef ENT_ENTCTL_OUTPUT_H_
#define ENT_ENTCTL_OUTPUT_H_

#include <string>
#include <vector>

#include <google/protobuf/message.h>
#include <google/protobuf/timestamp.pb.h>
#include <grpcpp/grpcpp.h>

#include "absl/time/time.h"
#include "google/type/date.pb.h"

namespace ent::entctl {

// Columns padded to their widest cell. A table with no row renders as
// `when_empty` (e.g. "no pending deadlines") when given, not a bare header.
class Table {
 public:
  explicit Table(std::vector<std::string> header, std::string when_empty = "")
      : when_empty_(std::move(when_empty)) {
    rows_.push_back(std::move(header));
  }
  void Add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  // Orders the rows (not the header) by `column`, keeping the order of equal
  // cells: ISO dates sort as dates.
  void SortBy(size_t column);
  std::string Render() const;

 private:
  std::vector<std::vector<std::string>> rows_;
  std::string when_empty_;
};

std::string Date(const google::type::Date& d);       // "2022-05-02", or "-" when unset
// Instants in Europe/Paris with their offset: "2022-05-27 00:00 +02:00"
// ("-" when unset); with seconds: "2022-05-27 00:00:00 +02:00".
std::string Time(const google::protobuf::Timestamp& t);
std::string ParisTime(absl::Time t, bool seconds = false);
std::string Euros(int64_t cents);                      // "1 234,56 €" (French form)
// A proto enum value without its prefix: STATE_ACTIVE → ACTIVE.
std::string EnumName(const std::string& full, const std::string& prefix);

// Prints `m` as JSON on stdout.
void PrintJson(const google::protobuf::Message& m);
// How errors are printed from now on: as text (the default) or, for scripts
// (--output json), as one JSON object. Set once, before any command runs.
void SetJsonErrors(bool json);
// Prints the error on stderr and returns 1. Text: "entctl: not allowed now
// (FAILED_PRECONDITION): message", then each field violation, precondition
// violation and ErrorInfo reason on its line. JSON: {"error": {"code":
// "FAILED_PRECONDITION", "message": …, "field_violations": [{"field",
// "description"}], "precondition_violations": [{"subject", "description"}],
// "reason": …}} (the lists and reason only when present).
int PrintError(const grpc::Status& status);
// A refusal of entctl itself (no call made): {"error": {"message": …}} in JSON.
int PrintError(const std::string& message);

}  // namespace ent::entctl

#endif  // ENT_ENTCTL_OUTPUT_H_
