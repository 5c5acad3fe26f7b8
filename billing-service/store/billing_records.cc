#include "billing-service/store/billing_records.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/proto_time.h"
#include "common/stored_record.h"
#include "ent/billing/storage/v1/records.pb.h"

namespace ent::billing {
namespace {

namespace pb = ::ent::billing::storage::v1;

void DebtorTo(const Debtor& d, pb::DebtorRecord* out) {
  out->set_name(d.name);
  out->set_insee_code(d.insee_code);
  out->set_siren(d.siren);
  out->set_address(d.address);
}

Debtor DebtorFrom(const pb::DebtorRecord& d) {
  return Debtor{d.name(), d.insee_code(), d.siren(), d.address()};
}

void AuthorTo(const Author& a, pb::AuthorRecord* out) {
  out->set_actor(a.actor);
  out->set_display_name(a.display_name);
  out->set_email(a.email);
}

Author AuthorFrom(const pb::AuthorRecord& r) { return {r.actor(), r.display_name(), r.email()}; }

void BodyTo(const Titre& t, pb::TitreBodyRecord* out) {
  out->set_convention(t.convention);
  out->set_school_year(static_cast<int32_t>(t.school_year.first_year()));
  out->set_kind(static_cast<pb::TitreKind>(t.kind));
  DebtorTo(t.debtor, out->mutable_debtor());
  out->set_vat_treatment(t.vat_treatment);
  out->set_legal_basis(t.legal_basis);
  DateToProto(t.issue_date, out->mutable_issue_date());
  out->set_payment_terms(t.texts.payment_terms);
  out->set_appeal_routes(t.texts.appeal_routes);
  out->set_issuing_officer(t.texts.issuing_officer);
  out->set_issuing_officer_capacity(t.texts.issuing_officer_capacity);
  AuthorTo(t.issued_by, out->mutable_issued_by());
}

void BodyFrom(const pb::TitreBodyRecord& r, Titre& t, StoredDateReader& dates) {
  t.convention = r.convention();
  t.school_year = SchoolYear(r.school_year());
  t.kind = static_cast<TitreKind>(r.kind());
  t.debtor = DebtorFrom(r.debtor());
  t.vat_treatment = r.vat_treatment();
  t.legal_basis = r.legal_basis();
  t.issue_date = dates.Required(r.issue_date(), "issue_date");
  t.texts = TitreTemplate{r.payment_terms(), r.appeal_routes(), r.issuing_officer(),
                          r.issuing_officer_capacity()};
  t.issued_by = AuthorFrom(r.issued_by());
}

void PaymentTo(const Payment& p, pb::PaymentRecord* out) {
  out->set_id(p.id);
  out->set_amount_cents(p.amount_cents);
  DateToProto(p.received_date, out->mutable_received_date());
  out->set_reference(p.reference);
  AuthorTo(p.recorded_by, out->mutable_recorded_by());
}

Payment PaymentFrom(const pb::PaymentRecord& r, StoredDateReader& dates) {
  return Payment{r.id(), r.amount_cents(), dates.Required(r.received_date(), "received_date"),
                 r.reference(), AuthorFrom(r.recorded_by())};
}

void CorrectionTo(const Correction& c, pb::CorrectionRecord* out) {
  out->set_id(c.id);
  out->set_kind(static_cast<pb::CorrectionKind>(c.kind));
  out->set_amount_cents(c.amount_cents);
  out->set_reason(c.reason);
  out->set_justification(c.justification);
  DateToProto(c.date, out->mutable_date());
  AuthorTo(c.recorded_by, out->mutable_recorded_by());
}

Correction CorrectionFrom(const pb::CorrectionRecord& r, StoredDateReader& dates) {
  return Correction{r.id(),     static_cast<CorrectionKind>(r.kind()),
                    r.amount_cents(), r.reason(),
                    r.justification(), dates.Required(r.date(), "date"),
                    AuthorFrom(r.recorded_by())};
}

// Parses a stored answer and checks it is of the kind asked for.
absl::StatusOr<pb::StoredAnswerRecord> ParseAnswer(absl::string_view bytes,
                                                   pb::StoredAnswerRecord::AnswerCase expected) {
  pb::StoredAnswerRecord r;
  if (auto st = ParseStoredRecord(bytes, "stored answer", r); !st.ok()) return st;
  if (r.answer_case() != expected) {
    return absl::InternalError(absl::StrCat("corrupt stored answer record: holds answer kind ",
                                            r.answer_case(), ", not ", expected));
  }
  return r;
}

}  // namespace

std::string EncodeAuthor(const Author& a) {
  if (a.actor.empty()) return "";
  pb::AuthorRecord r;
  AuthorTo(a, &r);
  return r.SerializeAsString();
}

absl::StatusOr<Author> DecodeAuthor(absl::string_view bytes) {
  if (bytes.empty()) return Author();  // rows of earlier releases
  pb::AuthorRecord r;
  if (auto st = ParseStoredRecord(bytes, "author", r); !st.ok()) return st;
  return AuthorFrom(r);
}

std::string EncodeConvention(const BillableConvention& c) {
  pb::BillableConventionRecord r;
  r.set_convention(c.convention);
  DebtorTo(c.debtor, r.mutable_debtor());
  r.set_school_year(static_cast<int32_t>(c.school_year.first_year()));
  DateToProto(c.effective_date, r.mutable_effective_date());
  DateToProto(c.end_date, r.mutable_end_date());
  DateToProto(c.last_day_in_force, r.mutable_last_day_in_force());
  r.set_ended(c.ended);
  for (const Enrolment& e : c.schools) {
    pb::EnrolmentRecord* s = r.add_schools();
    s->set_uai(e.uai);
    s->set_name(e.name);
    DateToProto(e.enrolled, s->mutable_enrolled());
    if (e.withdrawn) DateToProto(*e.withdrawn, s->mutable_withdrawn());
  }
  return r.SerializeAsString();
}

absl::StatusOr<BillableConvention> DecodeConvention(absl::string_view bytes) {
  pb::BillableConventionRecord r;
  if (auto st = ParseStoredRecord(bytes, "convention", r); !st.ok()) return st;
  StoredDateReader dates;
  BillableConvention c;
  c.convention = r.convention();
  c.debtor = DebtorFrom(r.debtor());
  c.school_year = SchoolYear(r.school_year());
  c.effective_date = dates.Required(r.effective_date(), "effective_date");
  c.end_date = dates.Required(r.end_date(), "end_date");
  c.last_day_in_force = dates.Required(r.last_day_in_force(), "last_day_in_force");
  c.ended = r.ended();
  for (const pb::EnrolmentRecord& s : r.schools()) {
    c.schools.push_back(Enrolment{s.uai(), s.name(), dates.Required(s.enrolled(), "enrolled"),
                                  dates.Optional(s.withdrawn(), "withdrawn")});
  }
  if (!dates.error().ok()) return CorruptRecord("convention", dates.error());
  return c;
}

std::string EncodeTitreBody(const Titre& t) {
  pb::TitreBodyRecord r;
  BodyTo(t, &r);
  return r.SerializeAsString();
}

absl::Status DecodeTitreBody(absl::string_view bytes, Titre& t) {
  pb::TitreBodyRecord r;
  if (auto st = ParseStoredRecord(bytes, "titre body", r); !st.ok()) return st;
  StoredDateReader dates;
  BodyFrom(r, t, dates);
  if (!dates.error().ok()) return CorruptRecord("titre body", dates.error());
  return absl::OkStatus();
}

std::string EncodeAnswer(const Tariff& t) {
  pb::StoredAnswerRecord r;
  pb::TariffRecord* out = r.mutable_tariff();
  out->set_school_year(static_cast<int32_t>(t.school_year.first_year()));
  out->set_unit_price_cents(t.unit_price_cents);
  out->set_legal_basis(t.legal_basis);
  out->set_vat_treatment(t.vat_treatment);
  out->set_locked(t.locked);
  out->set_version(t.version);
  return r.SerializeAsString();
}

absl::Status DecodeAnswer(absl::string_view bytes, Tariff* out) {
  auto r = ParseAnswer(bytes, pb::StoredAnswerRecord::kTariff);
  if (!r.ok()) return r.status();
  const pb::TariffRecord& t = r->tariff();
  *out = Tariff{SchoolYear(t.school_year()), t.unit_price_cents(), t.legal_basis(),
                t.vat_treatment(), t.locked(), t.version()};
  return absl::OkStatus();
}

std::string EncodeAnswer(const TitreAccount& a) {
  pb::StoredAnswerRecord r;
  pb::TitreAccountRecord* out = r.mutable_titre();
  pb::TitreRecord* t = out->mutable_titre();
  t->set_year(a.titre.year);
  t->set_sequence(a.titre.sequence);
  BodyTo(a.titre, t->mutable_body());
  for (const TitreLine& l : a.titre.lines) {
    pb::TitreLineRecord* line = t->add_lines();
    line->set_uai(l.uai);
    line->set_name(l.name);
    line->set_unit_price_cents(l.unit_price_cents);
    line->set_amount_cents(l.amount_cents);
  }
  t->set_total_cents(a.titre.total_cents);
  TimeToProto(a.titre.create_time, t->mutable_create_time());
  for (const Payment& p : a.payments) PaymentTo(p, out->add_payments());
  for (const Correction& c : a.corrections) CorrectionTo(c, out->add_corrections());
  return r.SerializeAsString();
}

absl::Status DecodeAnswer(absl::string_view bytes, TitreAccount* out) {
  auto r = ParseAnswer(bytes, pb::StoredAnswerRecord::kTitre);
  if (!r.ok()) return r.status();
  const pb::TitreAccountRecord& a = r->titre();
  StoredDateReader dates;
  TitreAccount account;
  Titre& t = account.titre;
  t.year = a.titre().year();
  t.sequence = a.titre().sequence();
  BodyFrom(a.titre().body(), t, dates);
  for (const pb::TitreLineRecord& l : a.titre().lines()) {
    t.lines.push_back(TitreLine{l.uai(), l.name(), l.unit_price_cents(), l.amount_cents()});
  }
  t.total_cents = a.titre().total_cents();
  t.create_time = TimeFromProto(a.titre().create_time());
  for (const pb::PaymentRecord& p : a.payments()) account.payments.push_back(PaymentFrom(p, dates));
  for (const pb::CorrectionRecord& c : a.corrections()) {
    account.corrections.push_back(CorrectionFrom(c, dates));
  }
  if (!dates.error().ok()) return CorruptRecord("stored answer", dates.error());
  *out = std::move(account);
  return absl::OkStatus();
}

std::string EncodeAnswer(const Payment& p) {
  pb::StoredAnswerRecord r;
  PaymentTo(p, r.mutable_payment());
  return r.SerializeAsString();
}

absl::Status DecodeAnswer(absl::string_view bytes, Payment* out) {
  auto r = ParseAnswer(bytes, pb::StoredAnswerRecord::kPayment);
  if (!r.ok()) return r.status();
  StoredDateReader dates;
  Payment p = PaymentFrom(r->payment(), dates);
  if (!dates.error().ok()) return CorruptRecord("stored answer", dates.error());
  *out = std::move(p);
  return absl::OkStatus();
}

std::string EncodeAnswer(const Correction& c) {
  pb::StoredAnswerRecord r;
  CorrectionTo(c, r.mutable_correction());
  return r.SerializeAsString();
}

absl::Status DecodeAnswer(absl::string_view bytes, Correction* out) {
  auto r = ParseAnswer(bytes, pb::StoredAnswerRecord::kCorrection);
  if (!r.ok()) return r.status();
  StoredDateReader dates;
  Correction c = CorrectionFrom(r->correction(), dates);
  if (!dates.error().ok()) return CorruptRecord("stored answer", dates.error());
  *out = std::move(c);
  return absl::OkStatus();
}

std::string EncodeAnswer(const CampaignResult& result) {
  pb::StoredAnswerRecord r;
  pb::CampaignRecord* out = r.mutable_campaign();
  for (const std::string& name : result.issued) out->add_issued(name);
  for (const auto& [convention, reason] : result.skipped) {
    pb::SkippedConventionRecord* s = out->add_skipped();
    s->set_convention(convention);
    s->set_reason(reason);
  }
  out->set_issued_total_cents(result.issued_total_cents);
  out->set_issued_count(result.issued_count);
  out->set_skipped_count(result.skipped_count);
  return r.SerializeAsString();
}

absl::Status DecodeAnswer(absl::string_view bytes, CampaignResult* out) {
  auto r = ParseAnswer(bytes, pb::StoredAnswerRecord::kCampaign);
  if (!r.ok()) return r.status();
  CampaignResult result;
  result.issued.assign(r->campaign().issued().begin(), r->campaign().issued().end());
  for (const pb::SkippedConventionRecord& s : r->campaign().skipped()) {
    result.skipped.emplace_back(s.convention(), s.reason());
  }
  result.issued_total_cents = r->campaign().issued_total_cents();
  // Records of earlier releases hold every name and no totals.
  result.issued_count = std::max<int64_t>(r->campaign().issued_count(), result.issued.size());
  result.skipped_count = std::max<int64_t>(r->campaign().skipped_count(), result.skipped.size());
  *out = std::move(result);
  return absl::OkStatus();
}

}  // namespace ent::billing
