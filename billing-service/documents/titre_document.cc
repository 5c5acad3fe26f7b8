#include "billing-service/documents/titre_document.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/auth/author_proto.h"
#include "common/documents/french_text.h"
#include "common/documents/pdf_layout.h"

namespace ent::billing {
namespace {

using documents::Align;
using documents::Column;
using documents::FrenchDate;
using documents::FrenchEuros;
using documents::PdfLayout;
using documents::TextStyle;

// The date of a movement, or the issue date for one without (never so).
CivilDate DateOr(const google::type::Date& d, CivilDate fallback) {
  return documents::CivilDateOf(d).value_or(fallback);
}

std::string StateInFrench(v1::Titre::State s) {
  switch (s) {
    case v1::Titre::STATE_ISSUED: return "émis, aucun paiement enregistré";
    case v1::Titre::STATE_PARTIALLY_PAID: return "partiellement payé";
    case v1::Titre::STATE_PAID: return "soldé";
    case v1::Titre::STATE_REDUCED: return "réduit";
    case v1::Titre::STATE_CANCELLED: return "annulé";
    default: return "-";
  }
}

}  // namespace

absl::StatusOr<ent::document::v1::Document> RenderTitreDocument(const v1::StatementEntry& entry) {
  const v1::Titre& t = entry.titre();
  const v1::Debtor& d = t.debtor();
  const CivilDate issued = DateOr(t.issue_date(), CivilDate(1970, 1, 1));
  const bool supplementary = t.kind() == v1::Titre::KIND_SUPPLEMENTARY;
  const std::string title = absl::StrCat("Titre de perception n° ", t.number());

  documents::PdfMetadata meta;
  meta.title = title;
  meta.author = absl::StrCat(t.issuing_officer(), ", ", t.issuing_officer_capacity());
  meta.subject = absl::StrCat("Participation ENT-école ", t.school_year(), ", ", d.name(), " (",
                              d.insee_code(), ")");
  meta.created = absl::CivilSecond(issued);
  meta.footer = absl::StrCat(title, " — ", d.name(), " (INSEE ", d.insee_code(), ")");
  PdfLayout doc(meta);

  doc.SideBySide(
      {absl::StrCat("RÉPUBLIQUE FRANÇAISE\nOrdonnateur : ", t.issuing_officer(), "\n",
                    t.issuing_officer_capacity()),
       absl::StrCat("TITRE DE PERCEPTION\nn° ", t.number(), "\nÉmis le ", FrenchDate(issued),
                    "\nExercice ", issued.year())},
      {Align::kLeft, Align::kRight});
  doc.Space(6).Title(supplementary ? absl::StrCat(title, " (titre complémentaire)") : title);
  doc.Text(absl::StrCat("Participation à l'ENT-école — année scolaire ", t.school_year()),
           TextStyle::kBody, Align::kCenter);

  doc.Heading("Débiteur");
  doc.Fields({{"Collectivité", d.name()},
              {"Code INSEE", d.insee_code()},
              {"SIREN", d.siren()},
              {"Adresse", d.address()}});

  doc.Heading("Objet et fondement de la créance");
  doc.Fields({{"Fondement", t.legal_basis()},
              {"Convention", t.convention()},
              {"Année scolaire", t.school_year()},
              {"Nature", supplementary ? "Titre complémentaire : écoles inscrites par avenant en "
                                         "cours d'année scolaire"
                                       : "Titre initial : écoles inscrites à l'annexe 1"}});
  if (!PersonLabel(t.issued_by()).empty()) {
    doc.Fields({{"Affaire suivie par", PersonLabel(t.issued_by())}});
  }

  std::vector<std::vector<std::string>> rows;
  int n = 0;
  for (const v1::TitreLine& l : t.lines()) {
    rows.push_back({absl::StrCat(++n), l.uai(), l.name(), FrenchEuros(l.unit_price_cents()),
                    FrenchEuros(l.amount_cents())});
  }
  rows.push_back({"", "", absl::StrCat("Total TTC (", t.lines_size(),
                                       t.lines_size() > 1 ? " écoles)" : " école)"),
                  "", FrenchEuros(t.total_cents())});
  documents::TableOptions total;
  total.bold_last_row = true;
  doc.Table({{"N°", 0.45, Align::kRight},
             {"UAI", 1.1},
             {"École", 4},
             {"Prix unitaire TTC", 1.5, Align::kRight},
             {"Montant TTC", 1.4, Align::kRight}},
            rows, total);
  doc.Space(4).Text(absl::StrCat("Arrêté le présent titre à la somme de ",
                                 documents::EurosInWords(t.total_cents()), " (",
                                 FrenchEuros(t.total_cents()), ") toutes taxes comprises."),
                    TextStyle::kBold);
  doc.Text(absl::StrCat("TVA : ", t.vat_treatment(),
                        ". Le montant hors taxes est égal au montant toutes taxes comprises."));

  doc.Heading("Modalités de paiement");
  doc.Text(t.payment_terms(), TextStyle::kBody, Align::kJustify);
  doc.Text(absl::StrCat("Références à rappeler : titre n° ", t.number(), ", commune ",
                        d.insee_code(), "."));
  doc.Heading("Voies et délais de recours");
  doc.Text(t.appeal_routes(), TextStyle::kBody, Align::kJustify);

  // The movements since issue, and where the titre stands after them.
  CivilDate as_of = issued;
  if (entry.corrections_size() > 0) {
    doc.Heading("Réductions et annulations");
    std::vector<std::vector<std::string>> c_rows;
    for (const v1::Correction& c : entry.corrections()) {
      as_of = std::max(as_of, DateOr(c.date(), issued));
      c_rows.push_back({c.name().substr(c.name().rfind('/') + 1),
                        FrenchDate(c.date()),
                        c.kind() == v1::Correction::KIND_ANNULATION ? "Annulation" : "Réduction",
                        FrenchEuros(c.amount_cents()), c.reason(), c.justification()});
    }
    doc.Table({{"N°", 0.45, Align::kRight},
               {"Date", 1.3},
               {"Nature", 1.1},
               {"Montant", 1.1, Align::kRight},
               {"Motif", 2.2},
               {"Justificatif", 1.6}},
              c_rows);
  }
  if (entry.payments_size() > 0) {
    doc.Heading("Paiements enregistrés");
    std::vector<std::vector<std::string>> p_rows;
    for (const v1::Payment& p : entry.payments()) {
      as_of = std::max(as_of, DateOr(p.received_date(), issued));
      const std::string by = p.recorded_by().display_name();
      p_rows.push_back({p.name().substr(p.name().rfind('/') + 1),
                        FrenchDate(p.received_date()),
                        FrenchEuros(p.amount_cents()), p.reference(), by.empty() ? "-" : by});
    }
    doc.Table({{"N°", 0.45, Align::kRight},
               {"Reçu le", 1.5},
               {"Montant", 1.2, Align::kRight},
               {"Référence", 2.2},
               {"Enregistré par", 1.9}},
              p_rows);
  }
  doc.Heading(absl::StrCat("Situation au ", FrenchDate(as_of)));
  doc.Fields({{"Montant du titre", FrenchEuros(t.total_cents())},
              {"Réductions et annulations", FrenchEuros(t.corrected_cents())},
              {"Paiements reçus", FrenchEuros(t.paid_cents())},
              {"Reste à payer", FrenchEuros(t.balance_cents())},
              {"État", StateInFrench(t.state())}});

  doc.Space(14).Text(absl::StrCat("Le ", FrenchDate(issued), "\n", t.issuing_officer_capacity(),
                                  "\n\n", t.issuing_officer()),
                     TextStyle::kBody, Align::kRight)
      .KeepWithPrevious();  // the ordonnateur signs below the situation, never alone

  auto pdf = doc.Render();
  if (!pdf.ok()) return pdf.status();
  ent::document::v1::Document out;
  out.set_media_type("application/pdf");
  out.set_content(std::move(*pdf));
  out.set_filename(absl::StrCat("titre-", t.number(), ".pdf"));
  out.set_title(title);
  return out;
}

}  // namespace ent::billing
