// The messages convention-service sends billing-service through the outbox
// (DESIGN §4): what billing must know to bill — a convention took effect
// (with its schools), its schools were amended, it was terminated or it
// expired. The payload is an ent.billing.v1.ConventionNotice, serialized
// (the typed contract of NotifyConventionChange), with its type's name; the
// topic names the kind for operators; the idempotency key makes each notice
// unique.
#ifndef ENT_CONVENTION_SERVICE_BILLING_NOTICES_H_
#define ENT_CONVENTION_SERVICE_BILLING_NOTICES_H_

#include <string>

#include "convention-service/domain/convention.h"
#include "convention-service/store/convention_records.h"  // kConventionNoticeType

namespace ent::convention {

struct OutboxNotice {
  std::string topic;
  std::string key;              // the convention's name: notices arrive in order per convention
  std::string idempotency_key;
  std::string payload_type;     // kConventionNoticeType
  std::string payload;          // the serialized message
};


inline constexpr char kTopicActivated[] = "convention.activated";
inline constexpr char kTopicSchoolsAmended[] = "convention.schools_amended";
inline constexpr char kTopicTerminated[] = "convention.terminated";
inline constexpr char kTopicExpired[] = "convention.expired";

// In force from its effective date, with the schools of annex 1.
OutboxNotice ActivatedNotice(const Convention& c);
// The school list changed by amendment (`version` makes the key unique).
OutboxNotice SchoolsAmendedNotice(const Convention& c, const std::string& uai, bool added,
                                  CivilDate date);
// Ended early (termination) or on its end date (expiry or renewal).
OutboxNotice EndedNotice(const Convention& c, const char* topic);

}  // namespace ent::convention

#endif  // ENT_CONVENTION_SERVICE_BILLING_NOTICES_H_
