// Conversion between ent.convention.v1 messages and the domain model. Parsing
// reports syntactic problems (missing or non-existent dates, malformed school
// years and names) as field violations; business rules live in the domain.
#ifndef ENT_CONVENTION_GRPC_PROTO_CONVERSION_H_
#define ENT_CONVENTION_GRPC_PROTO_CONVERSION_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "common/field_violations.h"
#include "common/proto_time.h"
#include "common/resource_names.h"
#include "convention-service/domain/convention.h"
#include "convention-service/domain/dispute.h"
#include "convention-service/domain/registry_checks.h"
#include "workflow/outbox/outbox.h"
#include "workflow/timers/timer_table.h"
#include "ent/convention/v1/convention.pb.h"
#include "ent/convention/v1/convention_service.pb.h"
#include "google/type/date.pb.h"

namespace ent::convention {





// The terms of a convention (parties, school year, end date, schools, renews).
Convention TermsFromProto(const v1::Convention& p, const std::string& prefix, FieldViolations& v);
School SchoolFromProto(const v1::School& p, const std::string& prefix, FieldViolations& v);
Signature SignatureFromProto(const v1::Signature& p, const std::string& prefix, FieldViolations& v);
Deliberation DeliberationFromProto(const v1::Deliberation& p, const std::string& prefix,
                                   FieldViolations& v);
std::optional<State> StateFromProto(v1::Convention::State s);

// With its warnings: its own inconsistencies and what the registries find.
void ToProto(const Convention& c, const ReferenceData& ref, v1::Convention* out);
void ToProto(const EventRecord& r, v1::ConventionEvent* out);

std::optional<PartyRole> PartyFromProto(v1::PartyRole p);
// A request's dispute, conciliation or termination, every rule that depends
// on the request alone checked in one pass (required fields, enum values,
// dates that exist, text lengths) and added to `v` under `prefix`.
Dispute DisputeDraftFromProto(const v1::Dispute& p, const std::string& prefix, FieldViolations& v);
Conciliation ConciliationFromProto(const v1::Conciliation& p, const std::string& prefix,
                                   FieldViolations& v);
Termination TerminationFromProto(const v1::Termination& p, const std::string& prefix,
                                 FieldViolations& v);
void ToProto(const workflow::Deadline& d, v1::ComputedDeadline* out);
void ToProto(const Dispute& d, v1::Dispute* out);
void ToProto(const workflow::TimerRecord& t, v1::Timer* out);
void ToProto(const workflow::OutboxMessage& m, v1::OutboxMessage* out);
void ToProto(const workflow::TimerRecord& t, v1::PendingDeadline* out);

}  // namespace ent::convention

#endif  // ENT_CONVENTION_GRPC_PROTO_CONVERSION_H_
