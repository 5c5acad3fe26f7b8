#include "convention-service/service/billing_notices.h"

#include "absl/strings/str_cat.h"
#include "common/proto_time.h"
#include "ent/billing/v1/billing_service.pb.h"

namespace ent::convention {
namespace {

using Notice = ::ent::billing::v1::ConventionNotice;

// What every notice says of its convention.
Notice Header(const Convention& c) {
  Notice n;
  n.set_convention(c.Name());
  auto* commune = n.mutable_commune();
  commune->set_insee_code(c.commune.insee_code);
  commune->set_siren(c.commune.siren);
  commune->set_name(c.commune.party.name);
  commune->set_address(c.commune.party.address);
  n.set_school_year(c.school_year.ToString());
  if (c.effective_date) DateToProto(*c.effective_date, n.mutable_effective_date());
  DateToProto(c.end_date, n.mutable_end_date());
  return n;
}

// The outbox keeps the notice as its protobuf bytes (as the records at rest
// are): typed, and it can gain fields; ListOutboxMessages shows it as JSON.
std::string Encoded(const Notice& n) { return n.SerializeAsString(); }

}  // namespace

OutboxNotice ActivatedNotice(const Convention& c) {
  Notice n = Header(c);
  auto* activated = n.mutable_activated();
  for (const School& s : c.schools) {
    auto* school = activated->add_schools();
    school->set_uai(s.uai);
    school->set_name(s.name);
    DateToProto(s.enrolled_date.value_or(*c.effective_date), school->mutable_enrolled_date());
  }
  return {kTopicActivated, c.Name(), absl::StrCat(c.Name(), "/activated"), kConventionNoticeType, Encoded(n)};
}

OutboxNotice SchoolsAmendedNotice(const Convention& c, const std::string& uai, bool added,
                                  CivilDate date) {
  Notice n = Header(c);
  const School* school = c.FindSchool(uai);
  auto* amended = n.mutable_schools_amended();
  amended->set_added(added);
  amended->mutable_school()->set_uai(uai);
  amended->mutable_school()->set_name(school != nullptr ? school->name : "");
  DateToProto(date, amended->mutable_school()->mutable_enrolled_date());
  return {kTopicSchoolsAmended, c.Name(),
          absl::StrCat(c.Name(), "/amendment/v", c.version + 1, "/", uai), kConventionNoticeType, Encoded(n)};
}

OutboxNotice EndedNotice(const Convention& c, const char* topic) {
  Notice n = Header(c);
  n.mutable_ended()->set_terminated(std::string(topic) == kTopicTerminated);
  DateToProto(c.LastDayInForce(), n.mutable_ended()->mutable_last_day_in_force());
  return {topic, c.Name(), absl::StrCat(c.Name(), "/", topic), kConventionNoticeType, Encoded(n)};
}

}  // namespace ent::convention
