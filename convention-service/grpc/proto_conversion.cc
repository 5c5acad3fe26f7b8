#include "convention-service/grpc/proto_conversion.h"

#include <google/protobuf/util/json_util.h>

#include "workflow/calendar/french_explanation.h"
#include "common/auth/author_proto.h"

#include "common/resource_names.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "convention-service/domain/lifecycle.h"
#include "convention-service/domain/validation.h"
#include "convention-service/domain/warnings.h"
#include "convention-service/store/convention_records.h"
#include "ent/billing/v1/billing_service.pb.h"
#include "workflow/calendar/legal_calendar.h"

namespace ent::convention {
namespace {

Party PartyFromProto(const v1::Party& p) {
  return Party{p.name(), p.address(), p.representative(), p.capacity()};
}

void PartyToProto(const Party& p, v1::Party* out) {
  out->set_name(p.name);
  out->set_address(p.address);
  out->set_representative(p.representative);
  out->set_capacity(p.capacity);
}

}  // namespace

School SchoolFromProto(const v1::School& p, const std::string& prefix, FieldViolations& v) {
  School s;
  s.uai = p.uai();
  s.name = p.name();
  if (p.type() == v1::SCHOOL_TYPE_UNSPECIFIED || !v1::SchoolType_IsValid(p.type())) {
    v.Add(prefix + ".type", "is required: MATERNELLE, ELEMENTAIRE or PRIMAIRE");
  } else {
    s.type = static_cast<SchoolType>(p.type());
  }
  return s;
}

Convention TermsFromProto(const v1::Convention& p, const std::string& prefix, FieldViolations& v) {
  Convention c;
  c.academie = PartyFromProto(p.academie());
  c.commune = Commune{p.commune().insee_code(), p.commune().siren(),
                      PartyFromProto(p.commune().party())};
  if (auto year = SchoolYear::Parse(p.school_year()); year.ok()) {
    c.school_year = *year;
  } else {
    v.AddIfError(prefix + ".school_year", year.status());
  }
  c.end_date = RequiredDateFromRequest(p.end_date(), prefix + ".end_date", v);
  for (int i = 0; i < p.schools_size(); ++i) {
    c.schools.push_back(SchoolFromProto(p.schools(i), absl::StrCat(prefix, ".schools[", i, "]"), v));
  }
  if (!p.renews().empty()) {
    auto id = ParseConventionName(p.renews(), prefix + ".renews");
    if (id.ok()) {
      c.renews = *id;
    } else {
      for (auto& [field, description] : FieldViolationsOf(id.status())) v.Add(field, description);
    }
  }
  return c;
}

Signature SignatureFromProto(const v1::Signature& p, const std::string& prefix,
                             FieldViolations& v) {
  Signature s;
  if (p.party() != v1::PARTY_ROLE_ACADEMIE && p.party() != v1::PARTY_ROLE_COMMUNE) {
    v.Add(prefix + ".party", "is required: ACADEMIE or COMMUNE",
          "est obligatoire : la commune ou l'académie");
  } else {
    s.party = static_cast<PartyRole>(p.party());
  }
  s.date = RequiredDateFromRequest(p.date(), prefix + ".date", v);
  s.signatory = p.signatory();
  s.capacity = p.capacity();
  s.place = p.place();
  return s;
}

Deliberation DeliberationFromProto(const v1::Deliberation& p, const std::string& prefix,
                                   FieldViolations& v) {
  Deliberation d;
  d.number = p.number();
  d.session_date = RequiredDateFromRequest(p.session_date(), prefix + ".session_date", v);
  d.council_members = p.council_members();
  d.members_present = p.members_present();
  d.members_absent = p.members_absent();
  d.proxies = p.proxies();
  d.votes = p.votes();
  d.votes_for = p.votes_for();
  d.transmitted_date = RequiredDateFromRequest(p.transmitted_date(), prefix + ".transmitted_date", v);
  d.posted_date = RequiredDateFromRequest(p.posted_date(), prefix + ".posted_date", v);
  d.acknowledgement_id = p.acknowledgement_id();
  d.stated_end_date = DateFromRequest(p.stated_end_date(), prefix + ".stated_end_date", v);
  return d;
}

std::optional<State> StateFromProto(v1::Convention::State s) {
  if (s == v1::Convention::STATE_UNSPECIFIED || !v1::Convention::State_IsValid(s)) {
    return std::nullopt;
  }
  return static_cast<State>(s);
}

void ToProto(const Convention& c, const ReferenceData& ref, v1::Convention* out) {
  out->set_name(c.Name());
  PartyToProto(c.academie, out->mutable_academie());
  out->mutable_commune()->set_insee_code(c.commune.insee_code);
  out->mutable_commune()->set_siren(c.commune.siren);
  PartyToProto(c.commune.party, out->mutable_commune()->mutable_party());
  out->set_school_year(c.school_year.ToString());
  DateToProto(c.end_date, out->mutable_end_date());
  out->set_state(static_cast<v1::Convention::State>(c.state));
  if (c.effective_date) DateToProto(*c.effective_date, out->mutable_effective_date());
  for (const auto& s : c.schools) {
    auto* school = out->add_schools();
    school->set_uai(s.uai);
    school->set_name(s.name);
    school->set_type(static_cast<v1::SchoolType>(s.type));
    if (s.enrolled_date) DateToProto(*s.enrolled_date, school->mutable_enrolled_date());
  }
  if (c.deliberation) {
    const Deliberation& d = *c.deliberation;
    auto* p = out->mutable_deliberation();
    p->set_number(d.number);
    DateToProto(d.session_date, p->mutable_session_date());
    p->set_council_members(d.council_members);
    p->set_members_present(d.members_present);
    p->set_members_absent(d.members_absent);
    p->set_proxies(d.proxies);
    p->set_votes(d.votes);
    p->set_votes_for(d.votes_for);
    DateToProto(d.transmitted_date, p->mutable_transmitted_date());
    DateToProto(d.posted_date, p->mutable_posted_date());
    p->set_acknowledgement_id(d.acknowledgement_id);
    if (d.stated_end_date) DateToProto(*d.stated_end_date, p->mutable_stated_end_date());
    DateToProto(d.EnforceableDate(), p->mutable_enforceable_date());
    ToProto(d.appeal_deadline ? *d.appeal_deadline : AppealDeadline(d), p->mutable_appeal_deadline());
  }
  for (const auto& s : c.signatures) {
    auto* sig = out->add_signatures();
    sig->set_party(static_cast<v1::PartyRole>(s.party));
    DateToProto(s.date, sig->mutable_date());
    sig->set_signatory(s.signatory);
    sig->set_capacity(s.capacity);
    sig->set_place(s.place);
  }
  if (!c.renews.empty()) out->set_renews("conventions/" + c.renews);
  out->set_registry_version(c.registry_version);
  for (Warning& w : ComputeWarnings(c, ref)) {
    out->add_warnings(std::move(w.text));
    out->add_warnings_fr(std::move(w.text_fr));
  }
  out->set_etag(c.Etag());
  TimeToProto(c.create_time, out->mutable_create_time());
  TimeToProto(c.update_time, out->mutable_update_time());
  if (c.last_day_in_force) DateToProto(*c.last_day_in_force, out->mutable_last_day_in_force());
  out->set_referent_accounts_active(c.state == State::kActive || c.state == State::kTerminating);
}

void ToProto(const EventRecord& r, v1::ConventionEvent* out) {
  out->set_name(absl::StrCat("conventions/", r.event.convention_id, "/events/", r.sequence));
  out->set_sequence(r.sequence);
  out->set_convention("conventions/" + r.event.convention_id);
  out->set_type(static_cast<v1::ConventionEvent::Type>(r.event.type));
  TimeToProto(r.time, out->mutable_time());
  out->set_actor(r.actor);
  out->set_request_id(r.request_id);
  out->set_description(r.event.description);
  for (const auto& c : r.event.changes) {
    auto* change = out->add_changes();
    change->set_field(c.field);
    change->set_old_value(c.old_value);
    change->set_new_value(c.new_value);
  }
  out->set_state(static_cast<v1::Convention::State>(r.event.state));
}

std::optional<PartyRole> PartyFromProto(v1::PartyRole p) {
  if (p != v1::PARTY_ROLE_ACADEMIE && p != v1::PARTY_ROLE_COMMUNE) return std::nullopt;
  return static_cast<PartyRole>(p);
}

Dispute DisputeDraftFromProto(const v1::Dispute& p, const std::string& prefix, FieldViolations& v) {
  Dispute d;
  if (auto party = PartyFromProto(p.party())) {
    d.party = *party;
  } else {
    v.Add(prefix + ".party", "is required: ACADEMIE or COMMUNE",
          "est obligatoire : la commune ou l'académie");
  }
  d.grievances = p.grievances();
  RequireText(d.grievances, kMaxTextLength, prefix + ".grievances", v);
  d.notice_reference = p.notice_reference();
  RequireText(d.notice_reference, kMaxNameLength, prefix + ".notice_reference", v);
  d.notice_sent_date = RequiredDateFromRequest(p.notice_sent_date(), prefix + ".notice_sent_date", v);
  d.notice_acknowledged_date =
      DateFromRequest(p.notice_acknowledged_date(), prefix + ".notice_acknowledged_date", v);
  // Wrong whatever the state: the request's own two dates disagree.
  if (d.notice_acknowledged_date && d.notice_sent_date != CivilDate() &&
      *d.notice_acknowledged_date < d.notice_sent_date) {
    v.Add(prefix + ".notice_acknowledged_date",
          absl::StrCat("must not be before ", prefix, ".notice_sent_date (",
                       FormatIsoDate(d.notice_sent_date), ")"),
          "ne peut précéder l'envoi de la mise en demeure");
  }
  return d;
}

Conciliation ConciliationFromProto(const v1::Conciliation& p, const std::string& prefix,
                                   FieldViolations& v) {
  Conciliation c;
  c.meeting_date = RequiredDateFromRequest(p.meeting_date(), prefix + ".meeting_date", v);
  if (p.outcome() == v1::CONCILIATION_OUTCOME_RESOLVED) {
    c.outcome = ConciliationOutcome::kResolved;
  } else if (p.outcome() == v1::CONCILIATION_OUTCOME_FAILED) {
    c.outcome = ConciliationOutcome::kFailed;
  } else {
    v.Add(prefix + ".outcome", "is required: RESOLVED or FAILED",
          "est obligatoire : accord trouvé ou échec");
  }
  c.notes = p.notes();
  LimitText(c.notes, kMaxTextLength, prefix + ".notes", v);
  return c;
}

Termination TerminationFromProto(const v1::Termination& p, const std::string& prefix,
                                 FieldViolations& v) {
  Termination t;
  if (auto party = PartyFromProto(p.party())) {
    t.party = *party;
  } else {
    v.Add(prefix + ".party", "is required: ACADEMIE or COMMUNE",
          "est obligatoire : la commune ou l'académie");
  }
  t.reasons = p.reasons();
  RequireText(t.reasons, kMaxTextLength, prefix + ".reasons", v);
  t.letter_reference = p.letter_reference();
  RequireText(t.letter_reference, kMaxNameLength, prefix + ".letter_reference", v);
  t.sent_date = RequiredDateFromRequest(p.sent_date(), prefix + ".sent_date", v);
  return t;
}

namespace {

// The service computes every deadline with the national calendar.
const workflow::LegalCalendar& NationalCalendar() {
  static const workflow::LegalCalendar* const calendar = new workflow::LegalCalendar();
  return *calendar;
}

}  // namespace

void ToProto(const workflow::Deadline& d, v1::ComputedDeadline* out) {
  DateToProto(d.act_date, out->mutable_from_date());
  out->set_rule(d.rule);
  DateToProto(d.last_day, out->mutable_last_day());
  TimeToProto(d.expires_at, out->mutable_expires_at());
  out->set_explanation(d.explanation);
  out->set_explanation_fr(workflow::FrenchExplanation(d, NationalCalendar()).value_or(""));
}

void ToProto(const Dispute& d, v1::Dispute* out) {
  out->set_name(d.Name());
  out->set_party(static_cast<v1::PartyRole>(d.party));
  out->set_grievances(d.grievances);
  out->set_notice_reference(d.notice_reference);
  DateToProto(d.notice_sent_date, out->mutable_notice_sent_date());
  if (d.notice_acknowledged_date) {
    DateToProto(*d.notice_acknowledged_date, out->mutable_notice_acknowledged_date());
  }
  ToProto(d.conciliation_deadline, out->mutable_conciliation_deadline());
  if (d.conciliation) {
    auto* c = out->mutable_conciliation();
    DateToProto(d.conciliation->meeting_date, c->mutable_meeting_date());
    c->set_outcome(d.conciliation->outcome == ConciliationOutcome::kResolved
                       ? v1::CONCILIATION_OUTCOME_RESOLVED
                       : v1::CONCILIATION_OUTCOME_FAILED);
    c->set_notes(d.conciliation->notes);
    if (!d.conciliation->recorded_by.actor.empty()) {
      AuthorToProto(d.conciliation->recorded_by, c->mutable_recorded_by());
    }
  }
  if (d.termination) {
    auto* t = out->mutable_termination();
    t->set_party(static_cast<v1::PartyRole>(d.termination->party));
    t->set_reasons(d.termination->reasons);
    t->set_letter_reference(d.termination->letter_reference);
    DateToProto(d.termination->sent_date, t->mutable_sent_date());
    ToProto(d.termination->effective_deadline, t->mutable_effective_deadline());
    if (!d.termination->sent_by.actor.empty()) AuthorToProto(d.termination->sent_by, t->mutable_sent_by());
  }
  out->set_state(static_cast<v1::Dispute::State>(d.state));
  out->set_etag(d.Etag());
  TimeToProto(d.create_time, out->mutable_create_time());
  TimeToProto(d.update_time, out->mutable_update_time());
  if (!d.opened_by.actor.empty()) AuthorToProto(d.opened_by, out->mutable_opened_by());
}

void ToProto(const workflow::TimerRecord& t, v1::PendingDeadline* out) {
  const std::string& kind = t.spec.kind;
  out->set_kind(kind == kTimerConciliation      ? v1::PendingDeadline::KIND_CONCILIATION
                : kind == kTimerTermination     ? v1::PendingDeadline::KIND_TERMINATION
                : kind == kTimerExpiry          ? v1::PendingDeadline::KIND_EXPIRY
                : kind == kTimerRenewalReminder ? v1::PendingDeadline::KIND_RENEWAL_REMINDER
                                                : v1::PendingDeadline::KIND_UNSPECIFIED);
  out->set_subject(t.spec.subject);
  out->set_commune_insee_code(t.spec.commune);
  auto* d = out->mutable_deadline();
  if (t.spec.from_day) DateToProto(*t.spec.from_day, d->mutable_from_date());
  DateToProto(t.spec.last_day, d->mutable_last_day());
  TimeToProto(t.spec.due, d->mutable_expires_at());
  d->set_rule(t.spec.rule);
  d->set_explanation(t.spec.explanation);
  if (auto lifecycle = LifecycleExplanationFr(t.spec)) {
    d->set_explanation_fr(*lifecycle);
  } else if (t.spec.from_day) {
    workflow::Deadline computed;
    computed.act_date = *t.spec.from_day;
    computed.last_day = t.spec.last_day;
    computed.rule = t.spec.rule;
    d->set_explanation_fr(workflow::FrenchExplanation(computed, NationalCalendar()).value_or(""));
  }
}

void ToProto(const workflow::TimerRecord& t, v1::Timer* out) {
  out->set_name(absl::StrCat("timers/", t.id));
  out->set_kind(t.spec.kind);
  out->set_subject(t.spec.subject);
  out->set_commune_insee_code(t.spec.commune);
  TimeToProto(t.spec.due, out->mutable_due_time());
  switch (t.state) {
    case workflow::TimerState::kPending: out->set_state(v1::Timer::STATE_PENDING); break;
    case workflow::TimerState::kFired: out->set_state(v1::Timer::STATE_FIRED); break;
    case workflow::TimerState::kCancelled: out->set_state(v1::Timer::STATE_CANCELLED); break;
    case workflow::TimerState::kFailed: out->set_state(v1::Timer::STATE_FAILED); break;
  }
  out->set_attempts(t.attempts);
  out->set_last_error(t.last_error);
  if (t.state == workflow::TimerState::kPending) {
    TimeToProto(t.next_attempt, out->mutable_next_attempt_time());
  }
}

namespace {

// What operators read of a notice: its protobuf JSON; a row of release
// fbf17cd, its own JSON; a payload that does not parse, a line saying so.
std::string NoticeJson(const workflow::OutboxMessage& m) {
  if (m.payload_type.empty()) return m.payload;
  ent::billing::v1::ConventionNotice notice;
  std::string json;
  if (m.payload_type != kConventionNoticeType || !notice.ParseFromString(m.payload) ||
      !google::protobuf::util::MessageToJsonString(notice, &json).ok()) {
    return absl::StrCat("(", m.payload.size(), " bytes of ", m.payload_type, " that do not parse)");
  }
  return json;
}

}  // namespace

void ToProto(const workflow::OutboxMessage& m, v1::OutboxMessage* out) {
  out->set_id(m.id);
  out->set_topic(m.topic);
  out->set_key(m.key);
  out->set_idempotency_key(m.idempotency_key);
  out->set_payload(NoticeJson(m));
  out->set_attempts(m.attempts);
  if (m.state == workflow::OutboxState::kPending) {
    TimeToProto(std::max(m.next_attempt, m.created), out->mutable_next_attempt_time());
  }
  out->set_last_error(m.last_error);
  switch (m.state) {
    case workflow::OutboxState::kPending: out->set_state(v1::OutboxMessage::STATE_PENDING); break;
    case workflow::OutboxState::kDelivered: out->set_state(v1::OutboxMessage::STATE_DELIVERED); break;
    case workflow::OutboxState::kDead: out->set_state(v1::OutboxMessage::STATE_DEAD); break;
  }
  out->set_blocked_by(m.blocked_by);
}

}  // namespace ent::convention
