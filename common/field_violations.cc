#include "common/field_violations.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/rpc/error_details.pb.h"

namespace ent {

void FieldViolations::Add(std::string field, std::string description) {
  violations_.emplace_back(std::move(field), std::move(description));
}

void FieldViolations::AddIfError(absl::string_view field, const absl::Status& status) {
  if (!status.ok()) Add(std::string(field), std::string(status.message()));
}

absl::Status FieldViolations::ToStatus() const {
  if (violations_.empty()) return absl::OkStatus();
  google::rpc::BadRequest bad_request;
  std::vector<std::string> parts;
  for (const auto& [field, description] : violations_) {
    auto* v = bad_request.add_field_violations();
    v->set_field(field);
    v->set_description(description);
    parts.push_back(absl::StrCat(field, ": ", description));
  }
  absl::Status status = absl::InvalidArgumentError(absl::StrJoin(parts, "; "));
  status.SetPayload(kBadRequestTypeUrl, absl::Cord(bad_request.SerializeAsString()));
  return status;
}

absl::Status InvalidField(std::string field, std::string description) {
  FieldViolations v;
  v.Add(std::move(field), std::move(description));
  return v.ToStatus();
}

void PreconditionViolations::Add(std::string subject, std::string description, std::string type) {
  violations_.push_back({std::move(type), std::move(subject), std::move(description)});
}

absl::Status PreconditionViolations::ToStatus() const {
  if (violations_.empty()) return absl::OkStatus();
  google::rpc::PreconditionFailure failure;
  std::vector<std::string> parts;
  for (const Violation& v : violations_) {
    auto* out = failure.add_violations();
    out->set_type(v.type);
    out->set_subject(v.subject);
    out->set_description(v.description);
    parts.push_back(absl::StrCat(v.subject, ": ", v.description));
  }
  absl::Status status = absl::FailedPreconditionError(absl::StrJoin(parts, "; "));
  status.SetPayload(kPreconditionFailureTypeUrl, absl::Cord(failure.SerializeAsString()));
  return status;
}

absl::Status FailedPreconditionOn(std::string subject, std::string description, std::string type) {
  PreconditionViolations p;
  p.Add(std::move(subject), std::move(description), std::move(type));
  return p.ToStatus();
}

std::vector<std::pair<std::string, std::string>> PreconditionViolationsOf(
    const absl::Status& status) {
  std::vector<std::pair<std::string, std::string>> out;
  auto payload = status.GetPayload(kPreconditionFailureTypeUrl);
  google::rpc::PreconditionFailure failure;
  if (!payload || !failure.ParseFromString(std::string(*payload))) return out;
  for (const auto& v : failure.violations()) out.emplace_back(v.subject(), v.description());
  return out;
}

absl::Status FailedPreconditionWithReason(std::string message, std::string reason,
                                          std::string domain) {
  google::rpc::ErrorInfo info;
  info.set_reason(std::move(reason));
  info.set_domain(std::move(domain));
  absl::Status status = absl::FailedPreconditionError(std::move(message));
  status.SetPayload(kErrorInfoTypeUrl, absl::Cord(info.SerializeAsString()));
  return status;
}

std::string ErrorReasonOf(const absl::Status& status) {
  auto payload = status.GetPayload(kErrorInfoTypeUrl);
  google::rpc::ErrorInfo info;
  if (!payload || !info.ParseFromString(std::string(*payload))) return "";
  return info.reason();
}

std::vector<std::pair<std::string, std::string>> FieldViolationsOf(const absl::Status& status) {
  std::vector<std::pair<std::string, std::string>> out;
  auto payload = status.GetPayload(kBadRequestTypeUrl);
  if (!payload) return out;
  google::rpc::BadRequest bad_request;
  if (!bad_request.ParseFromString(std::string(*payload))) return out;
  for (const auto& v : bad_request.field_violations()) {
    out.emplace_back(v.field(), v.description());
  }
  return out;
}

}  // namespace ent
