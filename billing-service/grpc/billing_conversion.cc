#include "billing-service/grpc/billing_conversion.h"

#include "common/auth/author_proto.h"
#include "common/identifiers.h"
#include "common/proto_time.h"

#include "common/resource_names.h"

#include "common/field_violations.h"

#include "absl/strings/str_cat.h"

namespace ent::billing {
void ToProto(const Tariff& t, v1::Tariff* out) {
  out->set_name("tariffs/" + t.school_year.ToString());
  out->set_school_year(t.school_year.ToString());
  out->set_unit_price_cents(t.unit_price_cents);
  out->set_legal_basis(t.legal_basis);
  out->set_vat_treatment(t.vat_treatment);
  out->set_locked(t.locked);
  out->set_etag(absl::StrCat(t.version));
}

void ToProto(const TitreAccount& a, v1::Titre* out) {
  const Titre& t = a.titre;
  out->set_name(t.Name());
  out->set_number(t.Number());
  out->set_convention(t.convention);
  out->set_school_year(t.school_year.ToString());
  out->set_kind(static_cast<v1::Titre::Kind>(t.kind));
  auto* d = out->mutable_debtor();
  d->set_name(t.debtor.name);
  d->set_insee_code(t.debtor.insee_code);
  d->set_siren(t.debtor.siren);
  d->set_address(t.debtor.address);
  for (const TitreLine& l : t.lines) {
    auto* line = out->add_lines();
    line->set_uai(l.uai);
    line->set_name(l.name);
    line->set_unit_price_cents(l.unit_price_cents);
    line->set_amount_cents(l.amount_cents);
  }
  out->set_total_cents(t.total_cents);
  out->set_vat_treatment(t.vat_treatment);
  out->set_legal_basis(t.legal_basis);
  DateToProto(t.issue_date, out->mutable_issue_date());
  out->set_payment_terms(t.texts.payment_terms);
  out->set_appeal_routes(t.texts.appeal_routes);
  out->set_issuing_officer(t.texts.issuing_officer);
  out->set_issuing_officer_capacity(t.texts.issuing_officer_capacity);
  out->set_state(static_cast<v1::Titre::State>(a.state()));
  out->set_paid_cents(a.paid_cents());
  out->set_corrected_cents(a.corrected_cents());
  out->set_balance_cents(a.balance_cents());
  TimeToProto(t.create_time, out->mutable_create_time());
  if (!t.issued_by.actor.empty()) AuthorToProto(t.issued_by, out->mutable_issued_by());
}

void ToProto(const Titre& t, const Payment& p, v1::Payment* out) {
  out->set_name(absl::StrCat(t.Name(), "/payments/", p.id));
  out->set_amount_cents(p.amount_cents);
  DateToProto(p.received_date, out->mutable_received_date());
  out->set_reference(p.reference);
  if (!p.recorded_by.actor.empty()) AuthorToProto(p.recorded_by, out->mutable_recorded_by());
}

void ToProto(const Titre& t, const Correction& c, v1::Correction* out) {
  out->set_name(absl::StrCat(t.Name(), "/corrections/", c.id));
  out->set_kind(static_cast<v1::Correction::Kind>(c.kind));
  out->set_amount_cents(c.amount_cents);
  out->set_reason(c.reason);
  out->set_justification(c.justification);
  DateToProto(c.date, out->mutable_date());
  if (!c.recorded_by.actor.empty()) AuthorToProto(c.recorded_by, out->mutable_recorded_by());
}

void ToProto(const TitreAccount& a, v1::StatementEntry* out) {
  ToProto(a, out->mutable_titre());
  for (const Payment& p : a.payments) ToProto(a.titre, p, out->add_payments());
  for (const Correction& c : a.corrections) ToProto(a.titre, c, out->add_corrections());
}

void ToProto(const Statement& s, v1::Statement* out) {
  out->set_commune_insee_code(s.commune_insee);
  for (const TitreAccount& a : s.titres) ToProto(a, out->add_entries());
  out->set_total_cents(s.total_cents);
  out->set_corrected_cents(s.corrected_cents);
  out->set_paid_cents(s.paid_cents);
  out->set_balance_cents(s.balance_cents());
}

namespace {

Enrolment NoticeSchool(const v1::ConventionNotice::School& s, const std::string& field,
                       FieldViolations& v) {
  auto uai = NormalizeUai(s.uai());
  v.AddIfError(field + ".uai", uai.status());
  return Enrolment{uai.ok() ? *uai : s.uai(), s.name(),
                   RequiredDateFromRequest(s.enrolled_date(), field + ".enrolled_date", v), std::nullopt};
}

}  // namespace

absl::StatusOr<ConventionChange> ChangeFromProto(const v1::ConventionNotice& n) {
  FieldViolations v;
  ConventionChange change;
  auto id = ParseConventionName(n.convention(), "notice.convention");
  if (!id.ok()) return id.status();
  change.convention = n.convention();
  switch (n.change_case()) {
    case v1::ConventionNotice::kActivated: {
      change.kind = ConventionChange::Kind::kActivated;
      BillableConvention& c = change.activated;
      c.convention = n.convention();
      c.debtor = Debtor{n.commune().name(), n.commune().insee_code(), n.commune().siren(),
                        n.commune().address()};
      auto year = SchoolYear::Parse(n.school_year());
      v.AddIfError("notice.school_year", year.status());
      if (year.ok()) c.school_year = *year;
      c.effective_date = RequiredDateFromRequest(n.effective_date(), "notice.effective_date", v);
      c.end_date = RequiredDateFromRequest(n.end_date(), "notice.end_date", v);
      c.last_day_in_force = c.end_date;
      for (int i = 0; i < n.activated().schools_size(); ++i) {
        c.schools.push_back(NoticeSchool(n.activated().schools(i),
                                         absl::StrCat("notice.activated.schools[", i, "]"), v));
      }
      break;
    }
    case v1::ConventionNotice::kSchoolsAmended:
      change.kind = ConventionChange::Kind::kSchoolsAmended;
      change.school = NoticeSchool(n.schools_amended().school(), "notice.schools_amended.school", v);
      change.added = n.schools_amended().added();
      break;
    case v1::ConventionNotice::kEnded:
      change.kind = ConventionChange::Kind::kEnded;
      change.terminated = n.ended().terminated();
      change.last_day_in_force =
          RequiredDateFromRequest(n.ended().last_day_in_force(), "notice.ended.last_day_in_force", v);
      break;
    case v1::ConventionNotice::CHANGE_NOT_SET:
      v.Add("notice.change", "is required: activated, schools_amended or ended");
      break;
  }
  if (!v.empty()) return v.ToStatus();
  return change;
}

}  // namespace ent::billing
