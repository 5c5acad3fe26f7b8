// The documents people print, sign and send, from the real services on the
// golden scenario (DESIGN §6): the titre, the Article 8 letters, the
// convention, read back with pdftotext for every mandatory mention and
// rendered to PNG (build/test-output/documents/) for a person to look at; the
// deadlines' iCalendar file parsed back; and who may get each document.
#include <atomic>
#include <map>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "demo/saint_ambroix.h"
#include "ent/billing/v1/billing_service.grpc.pb.h"
#include "ent/convention/v1/convention_service.grpc.pb.h"
#include "ent/testing/v1/clock_service.grpc.pb.h"
#include "tests/support/communes.h"
#include "tests/support/pdf_tools.h"
#include "tests/support/proto_dates.h"
#include "tests/support/service_pair.h"
#include "tests/support/service_process.h"
#include "tests/support/test_principals.h"

namespace ent {
namespace {

namespace bv1 = ::ent::billing::v1;
namespace cv1 = ::ent::convention::v1;
namespace tv1 = ::ent::testing::v1;
using ::ent::document::v1::Document;
using testing::Date;
using testing::TestPrincipals;
using ::testing::HasSubstr;

constexpr char kGrievances[] =
    "Les écoles de la commune n'ont plus accès à l'ENT-école depuis le 1er mars 2022 et "
    "l'assistance de niveau 2 (article 2.6) n'a pas répondu aux signalements.";
constexpr char kReasons[] =
    "La conciliation n'a pas été organisée dans le délai d'un mois et l'accès n'est pas rétabli.";

std::string NextId() {
  static std::atomic<int> n{0};
  return "doc-" + std::to_string(++n);
}

// An iCalendar file unfolded into its content lines (RFC 5545 §3.1).
std::vector<std::string> Unfold(const std::string& ics) {
  std::vector<std::string> lines;
  for (absl::string_view l : absl::StrSplit(ics, "\r\n")) {
    if (!l.empty() && l[0] == ' ' && !lines.empty()) {
      lines.back().append(l.substr(1).data(), l.size() - 1);
    } else if (!l.empty()) {
      lines.emplace_back(l);
    }
  }
  return lines;
}

// The VEVENTs of a calendar, each as property name (with parameters) → value.
std::vector<std::map<std::string, std::string>> Events(const std::string& ics) {
  std::vector<std::map<std::string, std::string>> events;
  bool in_event = false, in_alarm = false;
  for (const std::string& l : Unfold(ics)) {
    if (l == "BEGIN:VEVENT") { in_event = true; events.emplace_back(); continue; }
    if (l == "END:VEVENT") { in_event = false; continue; }
    if (l == "BEGIN:VALARM") { in_alarm = true; continue; }
    if (l == "END:VALARM") { in_alarm = false; continue; }
    if (!in_event || in_alarm) continue;
    const size_t colon = l.find(':');
    if (colon != std::string::npos) events.back()[l.substr(0, colon)] = l.substr(colon + 1);
  }
  return events;
}

class PrintedDocumentsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::ServicePair pair;
    ASSERT_TRUE(testing::StartServicePair(principals_, billing_dir_.path(), conventions_dir_.path(),
                                          "2021-11-20T10:00:00+01:00", "2021-11-03T15:00:00+01:00",
                                          &pair)
                    .ok());
    billing_ = std::move(pair.billing);
    conventions_ = std::move(pair.conventions);
    bill_ = bv1::BillingService::NewStub(billing_->Channel());
    conv_ = cv1::ConventionService::NewStub(conventions_->Channel());
    clock_ = tv1::ClockService::NewStub(conventions_->Channel());
  }

  std::unique_ptr<grpc::ClientContext> As(const std::string& who) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    if (!who.empty()) principals_.Authorize(*ctx, who);
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    return ctx;
  }

  void SetConventionTime(const std::string& rfc3339) {
    const absl::Status st = testing::SetSimulatedTime(*clock_, principals_, rfc3339);
    ASSERT_TRUE(st.ok()) << st;
  }

  bool OutboxDrained() { return testing::WaitOutboxDrained(*conv_, principals_); }

  // The commune's termination letter of 2022-05-11 (golden scenario, step 5),
  // sent by `who` on the current dispute.
  void SendTermination(const std::string& who) {
    cv1::SendTerminationNoticeRequest t;
    t.set_name(dispute_.name());
    t.set_request_id(NextId());
    t.mutable_termination()->set_party(cv1::PARTY_ROLE_COMMUNE);
    t.mutable_termination()->set_reasons(kReasons);
    t.mutable_termination()->set_letter_reference("1A 234 567 8902 9");
    *t.mutable_termination()->mutable_sent_date() = Date(2022, 5, 11);
    const grpc::Status st = conv_->SendTerminationNotice(As(who).get(), t, &dispute_);
    ASSERT_TRUE(st.ok()) << st.error_message();
  }

  // Steps 1-3 of the golden scenario: the convention in force, its titre.
  void GoldenConventionAndTitre() {
    bv1::SetTariffRequest tariff;
    tariff.mutable_tariff()->set_school_year("2021-2022");
    tariff.mutable_tariff()->set_unit_price_cents(5000);
    tariff.mutable_tariff()->set_legal_basis("Convention ENT-école, article 5");
    tariff.set_request_id(NextId());
    bv1::Tariff t;
    ASSERT_TRUE(bill_->SetTariff(As(TestPrincipals::kFinance).get(), tariff, &t).ok());
    ASSERT_TRUE(conv_->CreateConvention(As(TestPrincipals::kRectorat).get(), demo::SaintAmbroixCreate(), &golden_).ok());
    ASSERT_TRUE(conv_->RecordDeliberation(As(TestPrincipals::kRectorat).get(), demo::SaintAmbroixDeliberation(), &golden_).ok());
    ASSERT_TRUE(conv_->SignConvention(As(TestPrincipals::kRectorat).get(), demo::SaintAmbroixAcademieSignature(), &golden_).ok());
    ASSERT_TRUE(conv_->SignConvention(As(TestPrincipals::kPortal30227).get(), demo::SaintAmbroixCommuneSignature(), &golden_).ok());
    ASSERT_TRUE(OutboxDrained());
    bv1::IssueTitreRequest issue;
    issue.set_convention(golden_.name());
    issue.set_school_year("2021-2022");
    issue.set_request_id(NextId());
    ASSERT_TRUE(bill_->IssueTitre(As(TestPrincipals::kFinance).get(), issue, &titre_).ok());
    ASSERT_EQ(titre_.number(), "2021-000001");
  }

  // Steps 4-5: the commune's notice of 2022-03-31, no conciliation, the
  // termination letter of 2022-05-11.
  void GoldenDispute(bool terminate) {
    SetConventionTime("2022-03-31T10:00:00+02:00");
    cv1::OpenDisputeRequest open;
    open.set_parent(golden_.name());
    open.set_request_id(NextId());
    open.mutable_dispute()->set_party(cv1::PARTY_ROLE_COMMUNE);
    open.mutable_dispute()->set_grievances(kGrievances);
    open.mutable_dispute()->set_notice_reference("1A 234 567 8901 2");
    *open.mutable_dispute()->mutable_notice_sent_date() = Date(2022, 3, 31);
    ASSERT_TRUE(conv_->OpenDispute(As(TestPrincipals::kPortal30227).get(), open, &dispute_).ok());
    if (!terminate) return;
    SetConventionTime("2022-05-11T10:00:00+02:00");
    SendTermination(TestPrincipals::kPortal30227);
  }

  grpc::Status Letter(const std::string& who, cv1::DisputeLetterKind kind, Document* out) {
    cv1::GetDisputeLetterRequest req;
    req.set_name(dispute_.name());
    req.set_kind(kind);
    return conv_->GetDisputeLetter(As(who).get(), req, out);
  }

  grpc::Status TitreDocument(const std::string& who, Document* out) {
    bv1::GetTitreDocumentRequest req;
    req.set_name(titre_.name());
    return bill_->GetTitreDocument(As(who).get(), req, out);
  }

  grpc::Status ConventionDocument(const std::string& who, const std::string& name, Document* out) {
    cv1::GetConventionDocumentRequest req;
    req.set_name(name);
    return conv_->GetConventionDocument(As(who).get(), req, out);
  }

  grpc::Status Calendar(const std::string& who, const std::string& insee, Document* out) {
    cv1::ExportDeadlineCalendarRequest req;
    req.set_commune_insee_code(insee);
    return conv_->ExportDeadlineCalendar(As(who).get(), req, out);
  }

  // The PDF's text (for the checks), its pages written as PNG beside the
  // other test outputs.
  std::string TextOf(const Document& d) {
    EXPECT_EQ(d.media_type(), "application/pdf");
    EXPECT_EQ(d.content().rfind("%PDF-", 0), 0u) << d.filename();
    auto png = testing::PdfPagesToPng(d.content(), "documents",
                                      d.filename().substr(0, d.filename().rfind('.')));
    EXPECT_TRUE(png.ok()) << png.status();
    auto text = testing::PdfText(d.content());
    EXPECT_TRUE(text.ok()) << text.status();
    return text.ok() ? *text : "";
  }

  testing::TempDir billing_dir_;
  testing::TempDir conventions_dir_;
  TestPrincipals principals_{billing_dir_.path()};
  std::unique_ptr<testing::ServiceProcess> billing_;
  std::unique_ptr<testing::ServiceProcess> conventions_;
  std::unique_ptr<bv1::BillingService::Stub> bill_;
  std::unique_ptr<cv1::ConventionService::Stub> conv_;
  std::unique_ptr<tv1::ClockService::Stub> clock_;
  cv1::Convention golden_;
  bv1::Titre titre_;
  cv1::Dispute dispute_;
};

TEST_F(PrintedDocumentsTest, TitreCarriesEveryMandatoryMention) {
  GoldenConventionAndTitre();
  Document doc;
  grpc::Status st = TitreDocument(TestPrincipals::kFinance, &doc);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(doc.filename(), "titre-2021-000001.pdf");
  const std::string text = TextOf(doc);
  for (const char* mention : {
           "Titre de perception n° 2021-000001",
           "Ordonnateur : Sophie Béjean", "Rectrice de l'académie de Montpellier, ordonnatrice",
           "Commune de Saint-Ambroix", "Code INSEE 30227", "SIREN 213002272",
           "1 boulevard du Portalet - BP 66 30500 Saint-Ambroix",
           "Émis le 20 novembre 2021", "Convention ENT-école, article 5",
           "Convention conventions/30227-2021", "Année scolaire 2021-2022",
           "0300673U", "SAINT-AMBROIX / ECOLE MATERNELLE PUBLIQUE / FLORIAN",
           "0301531B", "SAINT-AMBROIX / ECOLE ELEMENTAIRE PUBLIQUE / FLORIAN",
           "50,00 €", "Total TTC (2 écoles) 100,00 €",
           "Arrêté le présent titre à la somme de cent euros (100,00 €) toutes taxes comprises.",
           "TVA : TVA non applicable, art. 256 B du CGI",
           "Modalités de paiement", "Payable à réception",
           "Voies et délais de recours", "Tribunal administratif de Montpellier",
           "Reste à payer 100,00 €"}) {
    EXPECT_THAT(text, HasSubstr(mention)) << mention;
  }
  EXPECT_THAT(text, ::testing::Not(HasSubstr("Paiements enregistrés")));

  // The same titre gives the same bytes; a payment and a réduction appear.
  Document again;
  ASSERT_TRUE(TitreDocument(TestPrincipals::kSupport, &again).ok());
  EXPECT_EQ(again.content(), doc.content());
  bv1::CreateCorrectionRequest correction;
  correction.set_titre(titre_.name());
  correction.set_request_id(NextId());
  correction.mutable_correction()->set_kind(bv1::Correction::KIND_REDUCTION);
  correction.mutable_correction()->set_amount_cents(1000);
  correction.mutable_correction()->set_reason("École fermée une partie de l'année");
  correction.mutable_correction()->set_justification("Décision n° 2021-77");
  bv1::Correction c;
  st = bill_->CreateCorrection(As(TestPrincipals::kFinance).get(), correction, &c);
  ASSERT_TRUE(st.ok()) << st.error_message();
  bv1::RecordPaymentRequest pay;
  pay.set_titre(titre_.name());
  pay.set_request_id(NextId());
  pay.mutable_payment()->set_amount_cents(4000);
  *pay.mutable_payment()->mutable_received_date() = Date(2021, 11, 20);
  pay.mutable_payment()->set_reference("VIR DGFIP 2021-11-20");
  bv1::Payment p;
  st = bill_->RecordPayment(As(TestPrincipals::kFinance).get(), pay, &p);
  ASSERT_TRUE(st.ok()) << st.error_message();
  Document corrected;
  ASSERT_TRUE(TitreDocument(TestPrincipals::kPortal30227, &corrected).ok());
  const std::string after = TextOf(corrected);
  for (const char* mention : {"Réductions et annulations", "Réduction 10,00 €",
                              "École fermée une partie de l'année", "Décision n° 2021-77",
                              "Paiements enregistrés", "20 novembre 2021 40,00 €",
                              "VIR DGFIP 2021-11-20", "Reste à payer 50,00 €",
                              "partiellement payé"}) {
    EXPECT_THAT(after, HasSubstr(mention)) << mention;
  }
}

TEST_F(PrintedDocumentsTest, Article8LettersCarryTheComputedDates) {
  GoldenConventionAndTitre();
  GoldenDispute(/*terminate=*/false);
  Document notice;
  grpc::Status st = Letter(TestPrincipals::kSupport, cv1::DISPUTE_LETTER_KIND_NOTICE, &notice);
  ASSERT_TRUE(st.ok()) << st.error_message();
  std::string text = TextOf(notice);
  for (const char* mention : {
           "MISE EN DEMEURE", "Commune de Saint-Ambroix", "À Académie de Montpellier",
           "À l'attention de Sophie Béjean", "Le 31 mars 2022",
           "Lettre recommandée avec accusé de réception n° 1A 234 567 8901 2",
           "conventions/30227-2021", "n° 2021-100 du conseil municipal du 27 octobre 2021",
           "exécutoire le 29 octobre 2021", "030-21300217-20211027-2021100-DE",
           "signée le 11 octobre 2021 pour l'académie et le 3 novembre 2021 pour la collectivité",
           "l'assistance de niveau 2 (article 2.6) n'a pas répondu aux signalements.",
           "au plus tard le lundi 2 mai 2022",
           "Délai d'un mois à compter du jeudi 31 mars 2022",
           "le délai échoit le dernier jour de ce mois, le samedi 30 avril 2022",
           "samedi 30 avril 2022, dimanche 1er mai 2022 (Fête du travail) ne sont pas ouvrables",
           "Le délai expire le lundi 2 mai 2022 à 24 heures (heure de Paris).",
           "Jean-Pierre DE FARIA",
           // A party named inside a sentence takes its article.
           "conclue entre l'académie de Montpellier et la commune de Saint-Ambroix, la commune de "
           "Saint-Ambroix estime que la convention n'est pas respectée"}) {
    EXPECT_THAT(text, HasSubstr(mention)) << mention;
  }
  // No termination letter, no conciliation record yet: the kind is named.
  Document none;
  st = Letter(TestPrincipals::kSupport, cv1::DISPUTE_LETTER_KIND_TERMINATION, &none);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(st.error_message(), HasSubstr("kind"));
  st = Letter(TestPrincipals::kSupport, cv1::DISPUTE_LETTER_KIND_CONCILIATION_RECORD, &none);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  st = Letter(TestPrincipals::kSupport, cv1::DISPUTE_LETTER_KIND_UNSPECIFIED, &none);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), HasSubstr("kind"));

  SetConventionTime("2022-05-11T10:00:00+02:00");
  SendTermination(TestPrincipals::kPortal30227);
  Document termination;
  st = Letter(TestPrincipals::kPortal30227, cv1::DISPUTE_LETTER_KIND_TERMINATION, &termination);
  ASSERT_TRUE(st.ok()) << st.error_message();
  text = TextOf(termination);
  for (const char* mention : {
           "RÉSILIATION DE LA CONVENTION", "Le 11 mai 2022",
           "Lettre recommandée avec accusé de réception n° 1A 234 567 8902 9",
           "lettre recommandée n° 1A 234 567 8901 2 du 31 mars 2022",
           "Aucune conciliation n'a abouti dans le délai d'un mois prévu à l'article 8, expiré le "
           "lundi 2 mai 2022 à 24 heures.",
           kReasons,
           "soit le vendredi 27 mai 2022 à 24 heures",
           "la convention cesse d'être en vigueur le samedi 28 mai 2022 à 0 heure (heure de Paris)",
           "Délai de quinze jours à compter du mercredi 11 mai 2022",
           "le délai échoit le jeudi 26 mai 2022",
           "jeudi 26 mai 2022 (Ascension) n'est pas ouvrable",
           "ne pourront faire l'objet de remboursement",
           "la commune de Saint-Ambroix a mis l'académie de Montpellier en demeure de respecter",
           "En conséquence, la commune de Saint-Ambroix, estimant que"}) {
    EXPECT_THAT(text, HasSubstr(mention)) << mention;
  }
  EXPECT_THAT(text, ::testing::Not(HasSubstr("Commune de Saint-Ambroix a mis")));
}

TEST_F(PrintedDocumentsTest, ConciliationRecordAndConventionWithItsAmendments) {
  GoldenConventionAndTitre();
  // An amendment: a third school from 2022-01-10.
  SetConventionTime("2022-01-10T09:00:00+01:00");
  cv1::AddSchoolRequest add;
  add.set_convention(golden_.name());
  add.set_request_id(NextId());
  add.mutable_school()->set_uai("0301290P");
  add.mutable_school()->set_name("SAINT-AMBROIX / ECOLE PRIMAIRE PUBLIQUE / LES CEVENNES");
  add.mutable_school()->set_type(cv1::SCHOOL_TYPE_PRIMAIRE);
  grpc::Status st = conv_->AddSchool(As(TestPrincipals::kRectorat).get(), add, &golden_);
  ASSERT_TRUE(st.ok()) << st.error_message();

  Document convention;
  st = ConventionDocument(TestPrincipals::kPortal30227, golden_.name(), &convention);
  ASSERT_TRUE(st.ok()) << st.error_message();
  const std::string text = TextOf(convention);
  for (const char* mention : {
           "Convention de partenariat pour la mise à disposition d'un environnement numérique de "
           "travail (ENT-école)",
           "Année scolaire 2021-2022", "Académie de Montpellier",
           "Représentée par Sophie Béjean, en sa qualité de",
           "La collectivité : Commune de Saint-Ambroix (code INSEE 30227, SIREN 213002272)",
           "Représentée par Jean-Pierre DE FARIA, en sa qualité de Maire",
           "le 3 novembre 2021, et se termine le 1er septembre 2022",
           "50,00 € TTC par école inscrite et par année scolaire",
           "3 écoles sont inscrites", "150,00 € TTC (3 × 50,00 €)",
           "Article 8 – Litiges – Conciliation",
           "Numéro 2021-100", "Exécutoire le 29 octobre 2021",
           "030-21300217-20211027-2021100-DE",
           "0300673U", "0301531B", "0301290P", "annexe initiale",
           "par avenant, le 10 janvier 2022",
           "10 janvier 2022 Inscription de l'école 0301290P",
           "11 octobre 2021", "3 novembre 2021"}) {
    EXPECT_THAT(text, HasSubstr(mention)) << mention;
  }

  // A dispute the académie opens, settled at conciliation.
  SetConventionTime("2022-02-01T10:00:00+01:00");
  cv1::OpenDisputeRequest open;
  open.set_parent(golden_.name());
  open.set_request_id(NextId());
  open.mutable_dispute()->set_party(cv1::PARTY_ROLE_ACADEMIE);
  open.mutable_dispute()->set_grievances("Équipement réseau des écoles insuffisant (article 2.1).");
  open.mutable_dispute()->set_notice_reference("1A 999 000 1111 3");
  *open.mutable_dispute()->mutable_notice_sent_date() = Date(2022, 2, 1);
  ASSERT_TRUE(conv_->OpenDispute(As(TestPrincipals::kSupport).get(), open, &dispute_).ok());
  SetConventionTime("2022-02-15T10:00:00+01:00");
  cv1::RecordConciliationRequest record;
  record.set_name(dispute_.name());
  record.set_request_id(NextId());
  *record.mutable_conciliation()->mutable_meeting_date() = Date(2022, 2, 15);
  record.mutable_conciliation()->set_outcome(cv1::CONCILIATION_OUTCOME_RESOLVED);
  record.mutable_conciliation()->set_notes("La commune raccorde les écoles à la fibre avant le 1er mars.");
  st = conv_->RecordConciliation(As(TestPrincipals::kSupport).get(), record, &dispute_);
  ASSERT_TRUE(st.ok()) << st.error_message();
  Document pv;
  st = Letter(TestPrincipals::kRectorat, cv1::DISPUTE_LETTER_KIND_CONCILIATION_RECORD, &pv);
  ASSERT_TRUE(st.ok()) << st.error_message();
  const std::string record_text = TextOf(pv);
  for (const char* mention : {
           "PROCÈS-VERBAL DE CONCILIATION", "lettre recommandée n° 1A 999 000 1111 3 du 1er février 2022",
           "envoyée par l'académie", "Équipement réseau des écoles insuffisant",
           "au plus tard le mardi 1er mars 2022", "Date mardi 15 février 2022",
           "Accord des parties", "La commune raccorde les écoles à la fibre avant le 1er mars.",
           "Fait en deux exemplaires."}) {
    EXPECT_THAT(record_text, HasSubstr(mention)) << mention;
  }
  // Its notice comes from the académie, to the commune.
  Document notice;
  ASSERT_TRUE(Letter(TestPrincipals::kSupport, cv1::DISPUTE_LETTER_KIND_NOTICE, &notice).ok());
  EXPECT_THAT(TextOf(notice), HasSubstr("À Commune de Saint-Ambroix"));
}

TEST_F(PrintedDocumentsTest, DeadlineCalendarParsesBackWithStableUids) {
  GoldenConventionAndTitre();
  GoldenDispute(/*terminate=*/false);
  Document first;
  grpc::Status st = Calendar(TestPrincipals::kSupport, "", &first);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(first.media_type(), "text/calendar");
  EXPECT_THAT(first.content(), HasSubstr("BEGIN:VTIMEZONE\r\nTZID:Europe/Paris\r\n"));
  for (absl::string_view l : absl::StrSplit(first.content(), "\r\n")) EXPECT_LE(l.size(), 75u) << l;
  auto events = Events(first.content());
  // The conciliation deadline, and the convention's renewal reminder and end.
  ASSERT_EQ(events.size(), 3u) << first.content();
  const auto conciliation = std::find_if(events.begin(), events.end(), [](const auto& e) {
    return e.at("UID").rfind("conciliation.", 0) == 0;
  });
  ASSERT_NE(conciliation, events.end());
  EXPECT_EQ(conciliation->at("UID"),
            "conciliation.conventions-30227-2021-disputes-1@ent-ecole.ac-montpellier.fr");
  EXPECT_EQ(conciliation->at("DTSTART;TZID=Europe/Paris"), "20220502T000000");
  EXPECT_EQ(conciliation->at("DTEND;TZID=Europe/Paris"), "20220503T000000");
  EXPECT_THAT(conciliation->at("SUMMARY"), HasSubstr("conventions/30227-2021/disputes/1"));
  EXPECT_THAT(conciliation->at("DESCRIPTION"), HasSubstr("lundi 2 mai 2022"));
  EXPECT_THAT(conciliation->at("DESCRIPTION"), HasSubstr("2022-05-03 00:00 +02:00"));

  // The termination letter: the conciliation deadline has lapsed; the
  // termination takes its place. A re-export keeps each remaining UID and
  // raises its SEQUENCE.
  SetConventionTime("2022-05-11T10:00:00+02:00");
  SendTermination(TestPrincipals::kSupport);
  Document second;
  ASSERT_TRUE(Calendar(TestPrincipals::kPortal30227, "30227", &second).ok());
  auto later = Events(second.content());
  std::map<std::string, std::map<std::string, std::string>> by_uid;
  for (const auto& e : later) by_uid[e.at("UID")] = e;
  const auto termination =
      by_uid.find("termination.conventions-30227-2021-disputes-1@ent-ecole.ac-montpellier.fr");
  ASSERT_NE(termination, by_uid.end()) << second.content();
  EXPECT_EQ(termination->second.at("DTSTART;TZID=Europe/Paris"), "20220527T000000");
  EXPECT_EQ(termination->second.at("DTEND;TZID=Europe/Paris"), "20220528T000000");
  EXPECT_EQ(by_uid.count(conciliation->at("UID")), 0u);
  for (const auto& e : events) {
    if (by_uid.count(e.at("UID")) == 0) continue;
    EXPECT_GT(std::stoll(by_uid[e.at("UID")].at("SEQUENCE")), std::stoll(e.at("SEQUENCE")));
  }
  // Another commune's portal sees none of them, and may not ask for 30227's.
  Document other;
  ASSERT_TRUE(Calendar(TestPrincipals::kPortal34172, "", &other).ok());
  EXPECT_TRUE(Events(other.content()).empty()) << other.content();
  EXPECT_EQ(Calendar(TestPrincipals::kPortal34172, "30227", &other).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Calendar(TestPrincipals::kSupport, "3O227", &other).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

// Every document method × every role: the same rules as the data shown.
TEST_F(PrintedDocumentsTest, AccessFollowsTheDataShown) {
  GoldenConventionAndTitre();
  GoldenDispute(/*terminate=*/false);
  const grpc::StatusCode kOk = grpc::StatusCode::OK;
  const grpc::StatusCode kDenied = grpc::StatusCode::PERMISSION_DENIED;
  struct Expected {
    std::string who;
    grpc::StatusCode convention, letter, calendar, titre;
  };
  const std::vector<Expected> table = {
      {TestPrincipals::kRectorat, kOk, kOk, kOk, kOk},
      {TestPrincipals::kSupport, kOk, kOk, kOk, kOk},
      {TestPrincipals::kFinance, kOk, kOk, kOk, kOk},
      {TestPrincipals::kInternal, kOk, kOk, kOk, kDenied},
      {TestPrincipals::kPortal30227, kOk, kOk, kOk, kOk},
      {TestPrincipals::kPortal34172, kDenied, kDenied, kDenied, kDenied},
      {"", grpc::StatusCode::UNAUTHENTICATED, grpc::StatusCode::UNAUTHENTICATED,
       grpc::StatusCode::UNAUTHENTICATED, grpc::StatusCode::UNAUTHENTICATED},
  };
  for (const Expected& e : table) {
    Document d;
    EXPECT_EQ(ConventionDocument(e.who, golden_.name(), &d).error_code(), e.convention) << e.who;
    EXPECT_EQ(Letter(e.who, cv1::DISPUTE_LETTER_KIND_NOTICE, &d).error_code(), e.letter) << e.who;
    EXPECT_EQ(Calendar(e.who, "30227", &d).error_code(), e.calendar) << e.who;
    EXPECT_EQ(TitreDocument(e.who, &d).error_code(), e.titre) << e.who;
  }
  // A portal cannot probe which documents exist.
  Document d;
  EXPECT_EQ(ConventionDocument(TestPrincipals::kPortal34172, "conventions/nope", &d).error_code(),
            kDenied);
  EXPECT_EQ(ConventionDocument(TestPrincipals::kSupport, "conventions/nope", &d).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(ConventionDocument(TestPrincipals::kSupport, "convention/30227-2021", &d).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace ent
