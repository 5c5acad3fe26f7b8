// The convention aggregate: plain data, no I/O. Rules that act on it live in
// validation.h (input rules), lifecycle.h (state machine) and warnings.h.
#ifndef ENT_CONVENTION_DOMAIN_CONVENTION_H_
#define ENT_CONVENTION_DOMAIN_CONVENTION_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/civil_date.h"
#include "common/identifiers.h"
#include "workflow/calendar/legal_calendar.h"

namespace ent::convention {

// Numeric values match the proto enums.
enum class State {
  kDraft = 1,
  kSigning = 2,
  kActive = 3,
  kTerminating = 4,
  kTerminated = 5,
  kExpired = 6,
  kCancelled = 7,
};
const char* StateName(State s);

enum class PartyRole { kAcademie = 1, kCommune = 2 };
const char* PartyRoleName(PartyRole r);

enum class SchoolType { kMaternelle = 1, kElementaire = 2, kPrimaire = 3 };

struct Party {
  std::string name;
  std::string address;
  std::string representative;
  std::string capacity;
};

struct Commune {
  std::string insee_code;
  std::string siren;
  Party party;
};

struct School {
  std::string uai;
  std::string name;
  SchoolType type = SchoolType::kElementaire;
  // Set for schools enrolled by amendment after signature.
  std::optional<CivilDate> enrolled_date;
};

struct Signature {
  PartyRole party = PartyRole::kAcademie;
  CivilDate date;
  std::string signatory;
  std::string capacity;
  std::string place;
};

struct Deliberation {
  std::string number;
  CivilDate session_date;
  int council_members = 0;
  int members_present = 0;
  int members_absent = 0;
  int proxies = 0;
  int votes = 0;
  int votes_for = 0;
  CivilDate transmitted_date;
  CivilDate posted_date;
  std::string acknowledgement_id;
  std::optional<CivilDate> stated_end_date;
  // The window for an appeal before the administrative court: 2 months,
  // délai franc, from the enforceable date; computed and stored when the
  // deliberation is recorded (DESIGN §3.4).
  std::optional<workflow::Deadline> appeal_deadline;

  // Enforceable ("exécutoire") on the later of transmission and posting.
  CivilDate EnforceableDate() const { return std::max(transmitted_date, posted_date); }
};

struct Convention {
  std::string id;  // resource name is "conventions/{id}"
  Party academie;
  Commune commune;
  SchoolYear school_year{2000};
  CivilDate end_date;
  State state = State::kDraft;
  std::optional<CivilDate> effective_date;
  std::vector<School> schools;
  std::optional<Deliberation> deliberation;
  std::vector<Signature> signatures;
  std::string renews;  // id of the predecessor, or empty
  std::optional<CivilDate> last_day_in_force;  // when it ended before end_date
  // The registry its commune and schools were last checked against (on
  // create, update or renewal); empty before the checks existed.
  std::string registry_version;
  int64_t version = 0;
  absl::Time create_time;
  absl::Time update_time;

  const Signature* SignatureOf(PartyRole role) const;
  const School* FindSchool(const std::string& uai) const;
  // Last day the convention is (or was, or would be) in force.
  CivilDate LastDayInForce() const { return last_day_in_force.value_or(end_date); }
  // Whether it has been in force at some point (ACTIVE and after).
  bool TookEffect() const { return effective_date.has_value(); }
  std::string Name() const { return "conventions/" + id; }
  std::string Etag() const;
};

// What a mutation records in the history, besides who/when/request id.
enum class EventType {
  kCreated = 1,
  kUpdated = 2,
  kCancelled = 3,
  kSigned = 4,
  kActivated = 5,
  kDeliberationRecorded = 6,
  kSchoolAdded = 7,
  kSchoolRemoved = 8,
  kAmendmentSchoolAdded = 9,
  kAmendmentSchoolRemoved = 10,
  kRenewed = 11,
  kSuperseded = 12,
  kExpired = 13,
  kRenewalReminder = 14,
  kDisputeOpened = 15,
  kConciliationRecorded = 16,
  kConciliationLapsed = 17,
  kTerminationNotified = 18,
  kTerminated = 19,
  kDisputeWithdrawn = 20,
  kDisputeDateCorrected = 21,
};

struct FieldChange {
  std::string field;
  std::string old_value;
  std::string new_value;
};

struct Event {
  std::string convention_id;
  std::string commune_insee;  // of the convention, so watchers can be filtered
  EventType type = EventType::kCreated;
  std::string description;
  std::vector<FieldChange> changes;
  State state = State::kDraft;  // state after the change
};

// An event as stored, with its sequence and provenance.
struct EventRecord {
  int64_t sequence = 0;
  Event event;
  absl::Time time;
  std::string actor;
  std::string request_id;
};

}  // namespace ent::convention

#endif  // ENT_CONVENTION_DOMAIN_CONVENTION_H_
