#include "convention-service/store/convention_records.h"

#include <google/protobuf/util/json_util.h>

#include "ent/billing/v1/billing_service.pb.h"

#include "absl/strings/str_cat.h"
#include "common/proto_time.h"
#include "common/stored_record.h"
#include "ent/convention/storage/v1/records.pb.h"

namespace ent::convention {
namespace {

namespace pb = ::ent::convention::storage::v1;

void PartyTo(const Party& p, pb::PartyRecord* out) {
  out->set_name(p.name);
  out->set_address(p.address);
  out->set_representative(p.representative);
  out->set_capacity(p.capacity);
}

Party PartyFrom(const pb::PartyRecord& p) {
  return Party{p.name(), p.address(), p.representative(), p.capacity()};
}

void DeadlineTo(const workflow::Deadline& d, pb::DeadlineRecord* out) {
  DateToProto(d.act_date, out->mutable_act_date());
  DateToProto(d.nominal_last_day, out->mutable_nominal_last_day());
  DateToProto(d.last_day, out->mutable_last_day());
  TimeToProto(d.expires_at, out->mutable_expires_at());
  out->set_rule(d.rule);
  out->set_explanation(d.explanation);
}

workflow::Deadline DeadlineFrom(const pb::DeadlineRecord& d, StoredDateReader& dates) {
  return workflow::Deadline{dates.Required(d.act_date(), "deadline.act_date"),
                            dates.Required(d.nominal_last_day(), "deadline.nominal_last_day"),
                            dates.Required(d.last_day(), "deadline.last_day"),
                            TimeFromProto(d.expires_at()), d.rule(), d.explanation()};
}

void ConventionTo(const Convention& c, pb::ConventionRecord* out) {
  out->set_id(c.id);
  PartyTo(c.academie, out->mutable_academie());
  out->set_commune_insee(c.commune.insee_code);
  out->set_commune_siren(c.commune.siren);
  PartyTo(c.commune.party, out->mutable_commune());
  out->set_school_year(static_cast<int32_t>(c.school_year.first_year()));
  DateToProto(c.end_date, out->mutable_end_date());
  out->set_state(static_cast<pb::ConventionState>(c.state));
  if (c.effective_date) DateToProto(*c.effective_date, out->mutable_effective_date());
  for (const School& s : c.schools) {
    pb::SchoolRecord* r = out->add_schools();
    r->set_uai(s.uai);
    r->set_name(s.name);
    r->set_type(static_cast<pb::SchoolType>(s.type));
    if (s.enrolled_date) DateToProto(*s.enrolled_date, r->mutable_enrolled_date());
  }
  if (c.deliberation) {
    const Deliberation& d = *c.deliberation;
    pb::DeliberationRecord* r = out->mutable_deliberation();
    r->set_number(d.number);
    DateToProto(d.session_date, r->mutable_session_date());
    r->set_council_members(d.council_members);
    r->set_members_present(d.members_present);
    r->set_members_absent(d.members_absent);
    r->set_proxies(d.proxies);
    r->set_votes(d.votes);
    r->set_votes_for(d.votes_for);
    DateToProto(d.transmitted_date, r->mutable_transmitted_date());
    DateToProto(d.posted_date, r->mutable_posted_date());
    r->set_acknowledgement_id(d.acknowledgement_id);
    if (d.stated_end_date) DateToProto(*d.stated_end_date, r->mutable_stated_end_date());
    if (d.appeal_deadline) DeadlineTo(*d.appeal_deadline, r->mutable_appeal_deadline());
  }
  for (const Signature& s : c.signatures) {
    pb::SignatureRecord* r = out->add_signatures();
    r->set_party(static_cast<pb::PartyRole>(s.party));
    DateToProto(s.date, r->mutable_date());
    r->set_signatory(s.signatory);
    r->set_capacity(s.capacity);
    r->set_place(s.place);
  }
  out->set_renews(c.renews);
  if (c.last_day_in_force) DateToProto(*c.last_day_in_force, out->mutable_last_day_in_force());
  out->set_version(c.version);
  TimeToProto(c.create_time, out->mutable_create_time());
  TimeToProto(c.update_time, out->mutable_update_time());
  out->set_registry_version(c.registry_version);
}

absl::StatusOr<Convention> ConventionFrom(const pb::ConventionRecord& r) {
  StoredDateReader dates;
  Convention c;
  c.id = r.id();
  c.academie = PartyFrom(r.academie());
  c.commune = Commune{r.commune_insee(), r.commune_siren(), PartyFrom(r.commune())};
  c.school_year = SchoolYear(r.school_year());
  c.end_date = dates.Required(r.end_date(), "end_date");
  c.state = static_cast<State>(r.state());
  c.effective_date = dates.Optional(r.effective_date(), "effective_date");
  for (const pb::SchoolRecord& s : r.schools()) {
    c.schools.push_back(School{s.uai(), s.name(), static_cast<SchoolType>(s.type()),
                               dates.Optional(s.enrolled_date(), "schools.enrolled_date")});
  }
  if (r.has_deliberation()) {
    const pb::DeliberationRecord& d = r.deliberation();
    Deliberation out{d.number(),
                     dates.Required(d.session_date(), "deliberation.session_date"),
                     d.council_members(),
                     d.members_present(),
                     d.members_absent(),
                     d.proxies(),
                     d.votes(),
                     d.votes_for(),
                     dates.Required(d.transmitted_date(), "deliberation.transmitted_date"),
                     dates.Required(d.posted_date(), "deliberation.posted_date"),
                     d.acknowledgement_id(),
                     dates.Optional(d.stated_end_date(), "deliberation.stated_end_date"),
                     std::nullopt};
    if (d.has_appeal_deadline()) out.appeal_deadline = DeadlineFrom(d.appeal_deadline(), dates);
    c.deliberation = std::move(out);
  }
  for (const pb::SignatureRecord& s : r.signatures()) {
    c.signatures.push_back(Signature{static_cast<PartyRole>(s.party()),
                                     dates.Required(s.date(), "signatures.date"), s.signatory(),
                                     s.capacity(), s.place()});
  }
  c.renews = r.renews();
  c.last_day_in_force = dates.Optional(r.last_day_in_force(), "last_day_in_force");
  c.version = r.version();
  c.create_time = TimeFromProto(r.create_time());
  c.update_time = TimeFromProto(r.update_time());
  c.registry_version = r.registry_version();
  if (!dates.error().ok()) return dates.error();
  return c;
}

void AuthorTo(const Author& a, pb::AuthorRecord* out) {
  out->set_actor(a.actor);
  out->set_display_name(a.display_name);
  out->set_email(a.email);
}

Author AuthorFrom(const pb::AuthorRecord& r) { return {r.actor(), r.display_name(), r.email()}; }

void DisputeTo(const Dispute& d, pb::DisputeRecord* out) {
  out->set_convention_id(d.convention_id);
  out->set_number(d.number);
  out->set_commune_insee(d.commune_insee);
  out->set_party(static_cast<pb::PartyRole>(d.party));
  out->set_grievances(d.grievances);
  out->set_notice_reference(d.notice_reference);
  DateToProto(d.notice_sent_date, out->mutable_notice_sent_date());
  if (d.notice_acknowledged_date) {
    DateToProto(*d.notice_acknowledged_date, out->mutable_notice_acknowledged_date());
  }
  DeadlineTo(d.conciliation_deadline, out->mutable_conciliation_deadline());
  if (d.conciliation) {
    pb::ConciliationRecord* c = out->mutable_conciliation();
    DateToProto(d.conciliation->meeting_date, c->mutable_meeting_date());
    c->set_outcome(static_cast<pb::ConciliationOutcome>(d.conciliation->outcome));
    c->set_notes(d.conciliation->notes);
    AuthorTo(d.conciliation->recorded_by, c->mutable_recorded_by());
  }
  if (d.termination) {
    pb::TerminationRecord* t = out->mutable_termination();
    t->set_party(static_cast<pb::PartyRole>(d.termination->party));
    t->set_reasons(d.termination->reasons);
    t->set_letter_reference(d.termination->letter_reference);
    DateToProto(d.termination->sent_date, t->mutable_sent_date());
    DeadlineTo(d.termination->effective_deadline, t->mutable_effective_deadline());
    AuthorTo(d.termination->sent_by, t->mutable_sent_by());
  }
  out->set_state(static_cast<pb::DisputeState>(d.state));
  out->set_version(d.version);
  TimeToProto(d.create_time, out->mutable_create_time());
  TimeToProto(d.update_time, out->mutable_update_time());
  AuthorTo(d.opened_by, out->mutable_opened_by());
}

absl::StatusOr<Dispute> DisputeFrom(const pb::DisputeRecord& r) {
  StoredDateReader dates;
  Dispute d;
  d.convention_id = r.convention_id();
  d.number = r.number();
  d.commune_insee = r.commune_insee();
  d.party = static_cast<PartyRole>(r.party());
  d.grievances = r.grievances();
  d.notice_reference = r.notice_reference();
  d.notice_sent_date = dates.Required(r.notice_sent_date(), "notice_sent_date");
  d.notice_acknowledged_date =
      dates.Optional(r.notice_acknowledged_date(), "notice_acknowledged_date");
  d.conciliation_deadline = DeadlineFrom(r.conciliation_deadline(), dates);
  if (r.has_conciliation()) {
    const pb::ConciliationRecord& c = r.conciliation();
    d.conciliation = Conciliation{dates.Required(c.meeting_date(), "conciliation.meeting_date"),
                                  static_cast<ConciliationOutcome>(c.outcome()), c.notes(),
                                  AuthorFrom(c.recorded_by())};
  }
  if (r.has_termination()) {
    const pb::TerminationRecord& t = r.termination();
    d.termination = Termination{static_cast<PartyRole>(t.party()), t.reasons(),
                                t.letter_reference(),
                                dates.Required(t.sent_date(), "termination.sent_date"),
                                DeadlineFrom(t.effective_deadline(), dates),
                                AuthorFrom(t.sent_by())};
  }
  d.state = static_cast<DisputeState>(r.state());
  d.version = r.version();
  d.create_time = TimeFromProto(r.create_time());
  d.update_time = TimeFromProto(r.update_time());
  d.opened_by = AuthorFrom(r.opened_by());
  if (!dates.error().ok()) return dates.error();
  return d;
}

}  // namespace

std::string EncodeConvention(const Convention& c) {
  pb::ConventionRecord r;
  ConventionTo(c, &r);
  return r.SerializeAsString();
}

absl::StatusOr<Convention> DecodeConvention(absl::string_view bytes) {
  pb::ConventionRecord r;
  if (auto st = ParseStoredRecord(bytes, "convention", r); !st.ok()) return st;
  absl::StatusOr<Convention> c = ConventionFrom(r);
  if (!c.ok()) return CorruptRecord("convention", c.status());
  return c;
}

std::string EncodeDispute(const Dispute& d) {
  pb::DisputeRecord r;
  DisputeTo(d, &r);
  return r.SerializeAsString();
}

absl::StatusOr<Dispute> DecodeDispute(absl::string_view bytes) {
  pb::DisputeRecord r;
  if (auto st = ParseStoredRecord(bytes, "dispute", r); !st.ok()) return st;
  absl::StatusOr<Dispute> d = DisputeFrom(r);
  if (!d.ok()) return CorruptRecord("dispute", d.status());
  return d;
}

std::string EncodeChanges(const std::vector<FieldChange>& changes) {
  pb::EventChangesRecord r;
  for (const FieldChange& c : changes) {
    pb::FieldChangeRecord* out = r.add_changes();
    out->set_field(c.field);
    out->set_old_value(c.old_value);
    out->set_new_value(c.new_value);
  }
  return r.SerializeAsString();
}

absl::StatusOr<std::vector<FieldChange>> DecodeChanges(absl::string_view bytes) {
  pb::EventChangesRecord r;
  if (auto st = ParseStoredRecord(bytes, "event changes", r); !st.ok()) return st;
  std::vector<FieldChange> out;
  out.reserve(r.changes_size());
  for (const pb::FieldChangeRecord& c : r.changes()) {
    out.push_back({c.field(), c.old_value(), c.new_value()});
  }
  return out;
}

std::string EncodeResponse(const Response& response) {
  pb::StoredResponseRecord r;
  if (const Dispute* d = std::get_if<Dispute>(&response)) {
    DisputeTo(*d, r.mutable_dispute());
  } else {
    ConventionTo(std::get<Convention>(response), r.mutable_convention());
  }
  return r.SerializeAsString();
}

absl::StatusOr<Response> DecodeResponse(absl::string_view bytes) {
  pb::StoredResponseRecord r;
  if (auto st = ParseStoredRecord(bytes, "stored response", r); !st.ok()) return st;
  switch (r.response_case()) {
    case pb::StoredResponseRecord::kConvention: {
      absl::StatusOr<Convention> c = ConventionFrom(r.convention());
      if (!c.ok()) return CorruptRecord("stored response", c.status());
      return Response(std::move(*c));
    }
    case pb::StoredResponseRecord::kDispute: {
      absl::StatusOr<Dispute> d = DisputeFrom(r.dispute());
      if (!d.ok()) return CorruptRecord("stored response", d.status());
      return Response(std::move(*d));
    }
    default:
      return absl::InternalError(
          "corrupt stored response record: neither a convention nor a dispute (written by a newer "
          "release?)");
  }
}

std::optional<std::string> NoticeBytesFromJson(absl::string_view json) {
  google::protobuf::util::JsonParseOptions strict;
  strict.ignore_unknown_fields = false;
  ent::billing::v1::ConventionNotice notice;
  if (!google::protobuf::util::JsonStringToMessage(std::string(json), &notice, strict).ok() ||
      notice.change_case() == ent::billing::v1::ConventionNotice::CHANGE_NOT_SET) {
    return std::nullopt;
  }
  return notice.SerializeAsString();
}

}  // namespace ent::convention
