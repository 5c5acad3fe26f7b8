// The records at rest (convention_records.h, billing_records.h): every field
// survives a round trip, records of older code (fewer fields) and of newer
// code (unknown fields) read, and damaged bytes are INTERNAL naming the
// record, never a crash.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "billing-service/store/billing_records.h"
#include "convention-service/store/convention_records.h"
#include "ent/convention/storage/v1/records.pb.h"

namespace ent {
namespace {

using ::testing::HasSubstr;

CivilDate D(int y, int m, int d) { return CivilDate(y, m, d); }

workflow::Deadline SomeDeadline(int day) {
  return workflow::Deadline{D(2022, 3, day), D(2022, 4, 30), D(2022, 5, 2),
                            absl::FromUnixMicros(1651528800123456), "1 month",
                            "1 month from 2022-03-31 → 2022-04-30 (no 31 April)"};
}

convention::Convention FullConvention() {
  convention::Convention c;
  c.id = "30227-2021";
  c.academie = {"Académie de Montpellier", "31 rue de l'Université", "Sophie Béjean", "Rectrice"};
  c.commune = {"30227", "213002272", {"Commune de Saint-Ambroix", "Place de l'Hôtel de Ville",
                                      "Jean-Pierre DE FARIA", "Maire"}};
  c.school_year = SchoolYear(2021);
  c.end_date = D(2022, 9, 1);
  c.state = convention::State::kTerminating;
  c.effective_date = D(2021, 11, 3);
  c.schools = {{"0300673U", "École maternelle", convention::SchoolType::kMaternelle, std::nullopt},
               {"0301531B", "École élémentaire", convention::SchoolType::kElementaire,
                D(2022, 1, 10)}};
  convention::Deliberation d{"2021-64", D(2021, 10, 20), 27, 22, 5, 2, 24, 24,
                             D(2021, 10, 29), D(2021, 10, 25), "030-213002272-20211020-2021_64-DE",
                             D(2022, 8, 31), SomeDeadline(29)};
  c.deliberation = d;
  c.signatures = {{convention::PartyRole::kCommune, D(2021, 10, 30), "J.-P. de Faria", "Maire",
                   "Saint-Ambroix"},
                  {convention::PartyRole::kAcademie, D(2021, 11, 2), "S. Béjean", "Rectrice",
                   "Montpellier"}};
  c.renews = "30227-2020";
  c.last_day_in_force = D(2022, 5, 27);
  c.version = 7;
  c.create_time = absl::FromUnixMicros(1635958800000001);
  c.update_time = absl::FromUnixMicros(1653602400999999);
  return c;
}

convention::Dispute FullDispute() {
  convention::Dispute d;
  d.convention_id = "30227-2021";
  d.number = 2;
  d.commune_insee = "30227";
  d.party = convention::PartyRole::kAcademie;
  d.grievances = "Service non rendu";
  d.notice_reference = "LRAR 1A 234";
  d.notice_sent_date = D(2022, 3, 31);
  d.notice_acknowledged_date = D(2022, 4, 2);
  d.conciliation_deadline = SomeDeadline(31);
  d.conciliation = convention::Conciliation{
      D(2022, 4, 20), convention::ConciliationOutcome::kFailed, "Pas d'accord",
      {"Claire Martin <claire.martin@ac-montpellier.fr> (support staff, academie:a3f1)",
       "Claire Martin", "claire.martin@ac-montpellier.fr"}};
  d.termination = convention::Termination{convention::PartyRole::kCommune, "Motifs", "LRAR 2B",
                                          D(2022, 5, 12), SomeDeadline(12),
                                          {"portail-communes-gard", "", ""}};
  d.opened_by = {"Léa Roux <secretariat@saint-ambroix.fr> (commune portal, academie:c9d8)", "Léa Roux",
                 "secretariat@saint-ambroix.fr"};
  d.state = convention::DisputeState::kTerminated;
  d.version = 4;
  d.create_time = absl::FromUnixMicros(1648720800000000);
  d.update_time = absl::FromUnixMicros(1653602400000000);
  return d;
}

TEST(StoredRecords, ConventionKeepsEveryField) {
  const convention::Convention c = FullConvention();
  const std::string bytes = convention::EncodeConvention(c);
  absl::StatusOr<convention::Convention> back = convention::DecodeConvention(bytes);
  ASSERT_TRUE(back.ok()) << back.status();
  // Equal field by field, shown by encoding again (every field is encoded).
  EXPECT_EQ(convention::EncodeConvention(*back), bytes);
  EXPECT_EQ(back->deliberation->appeal_deadline->explanation, c.deliberation->appeal_deadline->explanation);
  EXPECT_EQ(back->schools[1].enrolled_date, D(2022, 1, 10));
  EXPECT_EQ(back->update_time, c.update_time);
  EXPECT_EQ(back->last_day_in_force, D(2022, 5, 27));
}

TEST(StoredRecords, DisputeAndResponseKeepEveryField) {
  const convention::Dispute d = FullDispute();
  const std::string bytes = convention::EncodeDispute(d);
  absl::StatusOr<convention::Dispute> back = convention::DecodeDispute(bytes);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(convention::EncodeDispute(*back), bytes);
  EXPECT_EQ(back->termination->effective_deadline.expires_at, d.termination->effective_deadline.expires_at);
  EXPECT_EQ(back->opened_by.display_name, "Léa Roux");
  EXPECT_EQ(back->conciliation->recorded_by.email, "claire.martin@ac-montpellier.fr");
  EXPECT_EQ(back->termination->sent_by.actor, "portail-communes-gard");

  absl::StatusOr<convention::Response> r =
      convention::DecodeResponse(convention::EncodeResponse(convention::Response(d)));
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE(std::holds_alternative<convention::Dispute>(*r));
  EXPECT_EQ(convention::EncodeDispute(std::get<convention::Dispute>(*r)), bytes);
  r = convention::DecodeResponse(convention::EncodeResponse(convention::Response(FullConvention())));
  ASSERT_TRUE(r.ok() && std::holds_alternative<convention::Convention>(*r));
}

TEST(StoredRecords, ChangesKeepOrderAndText) {
  const std::vector<convention::FieldChange> changes = {{"state", "ACTIVE", "TERMINATING"},
                                                        {"end_date", "", "2022-05-27"}};
  auto back = convention::DecodeChanges(convention::EncodeChanges(changes));
  ASSERT_TRUE(back.ok());
  ASSERT_EQ(back->size(), 2u);
  EXPECT_EQ((*back)[1].new_value, "2022-05-27");
  EXPECT_EQ((*back)[0].old_value, "ACTIVE");
}

// A record written before a field existed reads with the field absent.
TEST(StoredRecords, RecordOfOlderCodeReadsWithNewFieldsAbsent) {
  ent::convention::storage::v1::ConventionRecord r;
  ASSERT_TRUE(r.ParseFromString(convention::EncodeConvention(FullConvention())));
  r.mutable_deliberation()->clear_appeal_deadline();  // as records were before it was stored
  auto back = convention::DecodeConvention(r.SerializeAsString());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_FALSE(back->deliberation->appeal_deadline.has_value());
  EXPECT_EQ(back->deliberation->number, "2021-64");
}

// A record written by newer code (a field this code does not know) reads.
TEST(StoredRecords, RecordOfNewerCodeReadsIgnoringUnknownFields) {
  std::string bytes = convention::EncodeConvention(FullConvention());
  // Field 1000, length-delimited, "future": tag (1000 << 3 | 2) as a varint.
  bytes += std::string("\xc2\x3e\x06" "future", 9);
  auto back = convention::DecodeConvention(bytes);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(convention::EncodeConvention(*back), convention::EncodeConvention(FullConvention()));

  std::string answer = billing::EncodeAnswer(
      billing::Payment{3, 4000, D(2022, 6, 1), "virement", {"finance-rectorat", "", ""}});
  answer += std::string("\xc2\x3e\x00", 3);
  billing::Payment p;
  ASSERT_TRUE(billing::DecodeAnswer(answer, &p).ok());
  EXPECT_EQ(p.reference, "virement");
  EXPECT_EQ(p.recorded_by.actor, "finance-rectorat");
}

TEST(StoredRecords, DamagedBytesAreInternalNamingTheRecord) {
  const std::string bytes = convention::EncodeConvention(FullConvention());
  auto truncated = convention::DecodeConvention(bytes.substr(0, bytes.size() / 2));
  EXPECT_EQ(truncated.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(truncated.status().message()), HasSubstr("corrupt convention record"));
  auto json = convention::DecodeDispute("{\"convention\": \"30227-2021\"}");
  EXPECT_EQ(json.status().code(), absl::StatusCode::kInternal);
}

TEST(StoredRecords, ImpossibleDateIsInternalNamingTheField) {
  ent::convention::storage::v1::ConventionRecord r;
  ASSERT_TRUE(r.ParseFromString(convention::EncodeConvention(FullConvention())));
  r.mutable_end_date()->set_month(2);
  r.mutable_end_date()->set_day(30);
  auto back = convention::DecodeConvention(r.SerializeAsString());
  EXPECT_EQ(back.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(back.status().message()), HasSubstr("end_date"));
  r.clear_end_date();
  back = convention::DecodeConvention(r.SerializeAsString());
  EXPECT_THAT(std::string(back.status().message()), HasSubstr("end_date is missing"));
}

billing::TitreAccount FullAccount() {
  billing::TitreAccount a;
  billing::Titre& t = a.titre;
  t.year = 2021;
  t.sequence = 12;
  t.convention = "conventions/30227-2021";
  t.school_year = SchoolYear(2021);
  t.kind = billing::TitreKind::kSupplementary;
  t.debtor = {"Commune de Saint-Ambroix", "30227", "213002272", "Place de l'Hôtel de Ville"};
  t.lines = {{"0300673U", "École maternelle", 5000, 5000}, {"0301531B", "École élémentaire", 5000, 5000}};
  t.total_cents = 10000;
  t.vat_treatment = billing::kDefaultVatTreatment;
  t.legal_basis = "Délibération 2021";
  t.issue_date = D(2021, 11, 3);
  t.create_time = absl::FromUnixMicros(1635958800000000);
  t.issued_by = {"Paul Durand <paul.durand@ac-montpellier.fr> (finance, academie:b7e2)", "Paul Durand",
                 "paul.durand@ac-montpellier.fr"};
  a.payments = {{1, 4000, D(2021, 12, 1), "virement 42", {"finance-rectorat", "", ""}}};
  a.corrections = {{2, billing::CorrectionKind::kReduction, 1000, "erreur", "pièce", D(2021, 12, 2), {}}};
  return a;
}

TEST(StoredRecords, BillingRecordsKeepEveryField) {
  const billing::TitreAccount a = FullAccount();
  const std::string answer = billing::EncodeAnswer(a);
  billing::TitreAccount back;
  ASSERT_TRUE(billing::DecodeAnswer(answer, &back).ok());
  EXPECT_EQ(billing::EncodeAnswer(back), answer);
  EXPECT_EQ(back.titre.Number(), "2021-000012");
  EXPECT_EQ(back.payments[0].reference, "virement 42");
  EXPECT_EQ(back.corrections[0].justification, "pièce");

  billing::Titre body;
  ASSERT_TRUE(billing::DecodeTitreBody(billing::EncodeTitreBody(a.titre), body).ok());
  EXPECT_EQ(body.texts.issuing_officer, a.titre.texts.issuing_officer);
  EXPECT_EQ(body.kind, billing::TitreKind::kSupplementary);

  billing::BillableConvention c{"conventions/30227-2021", a.titre.debtor, SchoolYear(2021),
                                D(2021, 11, 3), D(2022, 9, 1), D(2022, 5, 27), true,
                                {{"0300673U", "École", D(2021, 11, 3), D(2022, 2, 1)}}};
  auto cb = billing::DecodeConvention(billing::EncodeConvention(c));
  ASSERT_TRUE(cb.ok()) << cb.status();
  EXPECT_EQ(billing::EncodeConvention(*cb), billing::EncodeConvention(c));
  EXPECT_EQ(cb->schools[0].withdrawn, D(2022, 2, 1));

  billing::CampaignResult campaign{{"titres/2021-000001"}, {{"conventions/30007-2022", "ended"}}, 10000};
  billing::CampaignResult cr;
  ASSERT_TRUE(billing::DecodeAnswer(billing::EncodeAnswer(campaign), &cr).ok());
  EXPECT_EQ(cr.skipped[0].second, "ended");
  EXPECT_EQ(cr.issued_total_cents, 10000);
}

TEST(StoredRecords, AnswerOfAnotherKindIsInternal) {
  const std::string payment = billing::EncodeAnswer(billing::Payment{3, 4000, D(2022, 6, 1), "v", {}});
  billing::Correction c;
  const absl::Status st = billing::DecodeAnswer(payment, &c);
  EXPECT_EQ(st.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(st.message()), HasSubstr("corrupt stored answer record"));
}

}  // namespace
}  // namespace ent
