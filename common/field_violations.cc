#include "common/field_violations.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/rpc/error_details.pb.h"

namespace ent {

namespace {

void SetFrench(absl::Status& status, const std::string& text) {
  if (text.empty()) return;
  google::rpc::LocalizedMessage message;
  message.set_locale(std::string(kFrenchLocale));
  message.set_message(text);
  status.SetPayload(kLocalizedMessageTypeUrl, absl::Cord(message.SerializeAsString()));
}

}  // namespace

void FieldViolations::Add(std::string field, std::string description, std::string description_fr) {
  violations_.emplace_back(std::move(field), std::move(description));
  french_.push_back(std::move(description_fr));
}

void FieldViolations::AddIfError(absl::string_view field, const absl::Status& status) {
  if (!status.ok()) Add(std::string(field), std::string(status.message()));
}

absl::Status FieldViolations::ToStatus() const {
  if (violations_.empty()) return absl::OkStatus();
  google::rpc::BadRequest bad_request;
  std::vector<std::string> parts;
  for (size_t i = 0; i < violations_.size(); ++i) {
    const auto& [field, description] = violations_[i];
    auto* v = bad_request.add_field_violations();
    v->set_field(field);
    v->set_description(description);
    if (!french_[i].empty()) {
      v->mutable_localized_message()->set_locale(std::string(kFrenchLocale));
      v->mutable_localized_message()->set_message(french_[i]);
    }
    parts.push_back(absl::StrCat(field, ": ", description));
  }
  absl::Status status = absl::InvalidArgumentError(absl::StrJoin(parts, "; "));
  status.SetPayload(kBadRequestTypeUrl, absl::Cord(bad_request.SerializeAsString()));
  return status;
}

absl::Status InvalidField(std::string field, std::string description, std::string description_fr) {
  FieldViolations v;
  v.Add(std::move(field), std::move(description), std::move(description_fr));
  return v.ToStatus();
}

void PreconditionViolations::Add(std::string subject, std::string description, std::string type,
                                 std::string description_fr) {
  violations_.push_back(
      {std::move(type), std::move(subject), std::move(description), std::move(description_fr)});
}

absl::Status PreconditionViolations::ToStatus() const {
  if (violations_.empty()) return absl::OkStatus();
  google::rpc::PreconditionFailure failure;
  std::vector<std::string> parts;
  std::vector<std::string> french;
  for (const Violation& v : violations_) {
    auto* out = failure.add_violations();
    out->set_type(v.type);
    out->set_subject(v.subject);
    out->set_description(v.description);
    parts.push_back(absl::StrCat(v.subject, ": ", v.description));
    if (!v.description_fr.empty()) french.push_back(v.description_fr);
  }
  absl::Status status = absl::FailedPreconditionError(absl::StrJoin(parts, "; "));
  status.SetPayload(kPreconditionFailureTypeUrl, absl::Cord(failure.SerializeAsString()));
  if (french.size() == violations_.size()) SetFrench(status, absl::StrJoin(french, " "));
  return status;
}

absl::Status FailedPreconditionOn(std::string subject, std::string description, std::string type,
                                  std::string description_fr) {
  PreconditionViolations p;
  p.Add(std::move(subject), std::move(description), std::move(type), std::move(description_fr));
  return p.ToStatus();
}

absl::Status WithFrench(absl::Status status, std::string message_fr) {
  SetFrench(status, message_fr);
  return status;
}

absl::Status FailedPreconditionFr(std::string message, std::string message_fr) {
  return WithFrench(absl::FailedPreconditionError(std::move(message)), std::move(message_fr));
}

std::string FrenchMessageOf(const absl::Status& status) {
  auto payload = status.GetPayload(kLocalizedMessageTypeUrl);
  google::rpc::LocalizedMessage message;
  if (!payload || !message.ParseFromString(std::string(*payload)) ||
      message.locale() != kFrenchLocale) {
    return "";
  }
  return message.message();
}

std::vector<LocalizedViolation> LocalizedViolationsOf(const absl::Status& status) {
  std::vector<LocalizedViolation> out;
  if (auto payload = status.GetPayload(kBadRequestTypeUrl)) {
    google::rpc::BadRequest bad_request;
    if (bad_request.ParseFromString(std::string(*payload))) {
      for (const auto& v : bad_request.field_violations()) {
        const bool french = v.localized_message().locale() == kFrenchLocale &&
                            !v.localized_message().message().empty();
        out.push_back({v.field(), french ? v.localized_message().message() : v.description(),
                       french});
      }
    }
  }
  const std::string french = FrenchMessageOf(status);
  for (const auto& [subject, description] : PreconditionViolationsOf(status)) {
    out.push_back({subject, french.empty() ? description : french, !french.empty()});
  }
  return out;
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
