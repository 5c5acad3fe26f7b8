// Collects invalid-input findings, each naming a field and the rule it
// breaks, and turns them into one INVALID_ARGUMENT status whose payload is a
// google.rpc.BadRequest (sent to clients as an error detail).
#ifndef ENT_COMMON_FIELD_VIOLATIONS_H_
#define ENT_COMMON_FIELD_VIOLATIONS_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace ent {

// Type URL under which the BadRequest payload is attached to a Status.
inline constexpr absl::string_view kBadRequestTypeUrl =
    "type.googleapis.com/google.rpc.BadRequest";

// Locale of the French texts the services attach to refusals, for people
// (google.rpc.LocalizedMessage, AIP-193): the web console shows them.
inline constexpr absl::string_view kFrenchLocale = "fr-FR";
// Type URL of a google.rpc.LocalizedMessage payload: the whole refusal in French.
inline constexpr absl::string_view kLocalizedMessageTypeUrl =
    "type.googleapis.com/google.rpc.LocalizedMessage";

// Not thread-safe; use one per request.
class FieldViolations {
 public:
  // `description` in English (API clients, logs); `description_fr`, when
  // given, the same rule in French, sent as the violation's
  // localized_message (fr-FR).
  void Add(std::string field, std::string description, std::string description_fr = "");
  // Adds the status's message under `field` when `status` is not OK.
  void AddIfError(absl::string_view field, const absl::Status& status);
  bool empty() const { return violations_.empty(); }
  const std::vector<std::pair<std::string, std::string>>& violations() const {
    return violations_;
  }
  // OK when empty; otherwise INVALID_ARGUMENT listing every violation.
  absl::Status ToStatus() const;

 private:
  std::vector<std::pair<std::string, std::string>> violations_;
  std::vector<std::string> french_;  // parallel to violations_; "" when none
};

// A single-field INVALID_ARGUMENT.
absl::Status InvalidField(std::string field, std::string description,
                          std::string description_fr = "");

// Type URL of the google.rpc.PreconditionFailure payload.
inline constexpr absl::string_view kPreconditionFailureTypeUrl =
    "type.googleapis.com/google.rpc.PreconditionFailure";

// Refusals that depend on the state of the system — what is stored, or
// today's date — rather than on the request alone (gRPC's code guide,
// AIP-193): one FAILED_PRECONDITION listing every violation, with a
// google.rpc.PreconditionFailure detail (type, subject = the request field or
// resource, description). Types used: "STATE" (against stored data), "TIME"
// (against the service's clock). Not thread-safe; one per request.
//
// French: PreconditionFailure has no localized text per violation, so when
// every violation has one, the status carries a google.rpc.LocalizedMessage
// (fr-FR) joining them, one sentence per violation.
class PreconditionViolations {
 public:
  void Add(std::string subject, std::string description, std::string type = "STATE",
           std::string description_fr = "");
  bool empty() const { return violations_.empty(); }
  // OK when empty.
  absl::Status ToStatus() const;

 private:
  struct Violation {
    std::string type, subject, description, description_fr;
  };
  std::vector<Violation> violations_;
};

// A single-violation FAILED_PRECONDITION.
absl::Status FailedPreconditionOn(std::string subject, std::string description,
                                  std::string type = "STATE", std::string description_fr = "");
// `status` with its French text for people (a fr-FR LocalizedMessage) when
// `message_fr` is not empty.
absl::Status WithFrench(absl::Status status, std::string message_fr);
// A FAILED_PRECONDITION without a subject, with its French text.
absl::Status FailedPreconditionFr(std::string message, std::string message_fr);
// The (subject, description) pairs of a PreconditionFailure in `status`.
std::vector<std::pair<std::string, std::string>> PreconditionViolationsOf(const absl::Status& status);

// Type URL of the google.rpc.ErrorInfo payload.
inline constexpr absl::string_view kErrorInfoTypeUrl = "type.googleapis.com/google.rpc.ErrorInfo";

// FAILED_PRECONDITION with a google.rpc.ErrorInfo detail (AIP-193): a
// machine-readable `reason` (UPPER_SNAKE_CASE) in `domain`, for refusals a
// client must tell apart (retry later, or never).
absl::Status FailedPreconditionWithReason(std::string message, std::string reason,
                                          std::string domain);
// The ErrorInfo reason carried by `status`, or "".
std::string ErrorReasonOf(const absl::Status& status);

// The field violations carried by `status` (empty when none).
std::vector<std::pair<std::string, std::string>> FieldViolationsOf(const absl::Status& status);

// For people: each field violation in French where the service gave one
// (else in English), then each precondition violation's subject with the
// refusal's French text (or its English description).
struct LocalizedViolation {
  std::string field;
  std::string text;
  bool french = false;
};
std::vector<LocalizedViolation> LocalizedViolationsOf(const absl::Status& status);
// The refusal's French text (the LocalizedMessage fr-FR), or "".
std::string FrenchMessageOf(const absl::Status& status);

}  // namespace ent

#endif  // ENT_COMMON_FIELD_VIOLATIONS_H_
