#include "convention-service/documents/convention_documents.h"

#include <algorithm>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "common/auth/author_proto.h"
#include "common/documents/french_text.h"
#include "common/documents/pdf_layout.h"
#include "common/clock.h"
#include "common/proto_time.h"
#include "workflow/calendar/french_explanation.h"

namespace ent::convention {
namespace {

using documents::Align;
using documents::CivilDateOf;
using documents::FrenchDate;
using documents::FrenchDateWithWeekday;
using documents::FrenchEuros;
using documents::PartyInSentence;
using documents::PdfLayout;
using documents::TextStyle;

std::string ShortName(const std::string& name) {
  return name.substr(name.find('/') + 1);
}

const v1::Party& PartyOf(const v1::Convention& c, v1::PartyRole role) {
  return role == v1::PARTY_ROLE_COMMUNE ? c.commune().party() : c.academie();
}

v1::PartyRole Other(v1::PartyRole role) {
  return role == v1::PARTY_ROLE_COMMUNE ? v1::PARTY_ROLE_ACADEMIE : v1::PARTY_ROLE_COMMUNE;
}

// "Commune de Saint-Ambroix\n1 boulevard…\nReprésentée par …, Maire".
std::string PartyBlock(const v1::Convention& c, v1::PartyRole role) {
  const v1::Party& p = PartyOf(c, role);
  std::string out = p.name();
  if (!p.address().empty()) absl::StrAppend(&out, "\n", p.address());
  if (role == v1::PARTY_ROLE_COMMUNE) {
    absl::StrAppend(&out, "\nINSEE ", c.commune().insee_code(), " — SIREN ", c.commune().siren());
  }
  if (!p.representative().empty()) {
    absl::StrAppend(&out, "\nReprésentée par ", p.representative(),
                    p.capacity().empty() ? "" : absl::StrCat(", ", p.capacity()));
  }
  return out;
}

std::string AddresseeBlock(const v1::Convention& c, v1::PartyRole role) {
  const v1::Party& p = PartyOf(c, role);
  std::string out = absl::StrCat("À\n", p.name());
  if (!p.address().empty()) absl::StrAppend(&out, "\n", p.address());
  if (!p.representative().empty()) {
    absl::StrAppend(&out, "\nÀ l'attention de ", p.representative(),
                    p.capacity().empty() ? "" : absl::StrCat(", ", p.capacity()));
  }
  return out;
}

std::string SignatureBlock(const v1::Convention& c, v1::PartyRole role) {
  const v1::Party& p = PartyOf(c, role);
  return absl::StrCat(p.capacity(), "\n\n\n", p.representative(), "\n", p.name());
}

std::string PartyWord(v1::PartyRole role) {
  return role == v1::PARTY_ROLE_COMMUNE ? "la collectivité" : "l'académie";
}

// "n° 2021-100 du 27 octobre 2021, exécutoire le 29 octobre 2021".
std::string DeliberationText(const v1::Convention& c) {
  if (!c.has_deliberation() || c.deliberation().number().empty()) return "non enregistrée";
  const v1::Deliberation& d = c.deliberation();
  std::string out = absl::StrCat("n° ", d.number(), " du conseil municipal du ",
                                 FrenchDate(d.session_date()));
  if (CivilDateOf(d.enforceable_date())) {
    absl::StrAppend(&out, ", exécutoire le ", FrenchDate(d.enforceable_date()));
  }
  if (!d.acknowledgement_id().empty()) {
    absl::StrAppend(&out, " (accusé de réception en préfecture ", d.acknowledgement_id(), ")");
  }
  return out;
}

std::string SignaturesText(const v1::Convention& c) {
  std::vector<std::string> parts;
  for (const v1::Signature& s : c.signatures()) {
    parts.push_back(absl::StrCat("le ", FrenchDate(s.date()), " pour ", PartyWord(s.party())));
  }
  if (parts.empty()) return "non signée";
  std::string out = absl::StrCat("signée ", absl::StrJoin(parts, " et "));
  if (CivilDateOf(c.effective_date())) {
    absl::StrAppend(&out, " ; en vigueur depuis le ", FrenchDate(c.effective_date()));
  }
  return out;
}

// The conciliation deadline (one month from the notice) or the termination
// delay (fifteen days from the letter), with its computation.
std::string DeadlineText(const v1::ComputedDeadline& stored, bool months,
                         const std::string& act, const workflow::LegalCalendar& calendar) {
  const auto from = CivilDateOf(stored.from_date());
  const auto last = CivilDateOf(stored.last_day());
  if (from && last) {
    const workflow::Deadline d = months ? calendar.AddMonths(*from, 1) : calendar.AddDays(*from, 15);
    if (d.last_day == *last) {
      if (auto text = workflow::FrenchExplanation(d, calendar, act)) {
        return *text;
      }
    }
  }
  return absl::StrCat("Calcul enregistré : ", stored.explanation());
}

documents::PdfMetadata Metadata(std::string title, const v1::Party& author, CivilDate date,
                                std::string footer) {
  documents::PdfMetadata meta;
  meta.title = std::move(title);
  meta.author = author.name();
  meta.subject = "Convention ENT-école";
  meta.created = absl::CivilSecond(date);
  meta.footer = std::move(footer);
  return meta;
}

absl::StatusOr<ent::document::v1::Document> Finish(const PdfLayout& doc, std::string filename,
                                                   std::string title) {
  auto pdf = doc.Render();
  if (!pdf.ok()) return pdf.status();
  ent::document::v1::Document out;
  out.set_media_type("application/pdf");
  out.set_content(std::move(*pdf));
  out.set_filename(std::move(filename));
  out.set_title(std::move(title));
  return out;
}

std::string FileStem(const std::string& name) {
  return absl::StrReplaceAll(ShortName(name), {{"/disputes/", "-litige-"}, {"/", "-"}});
}

// `refs` with "Affaire suivie par" when a person recorded the act.
std::vector<std::pair<std::string, std::string>> WithFollower(
    std::vector<std::pair<std::string, std::string>> refs, const ent::auth::v1::Author& author) {
  if (!PersonLabel(author).empty()) refs.emplace_back("Affaire suivie par", PersonLabel(author));
  return refs;
}

// The heading of a letter: sender and addressee side by side, its date, then
// how it is sent and what it is about.
void LetterHead(PdfLayout& doc, const v1::Convention& c, v1::PartyRole from, CivilDate date,
                const std::string& title, const std::vector<std::pair<std::string, std::string>>& refs) {
  doc.SideBySide({PartyBlock(c, from), AddresseeBlock(c, Other(from))}, {Align::kLeft, Align::kLeft});
  doc.Space(8).Text(absl::StrCat("Le ", FrenchDate(date)), TextStyle::kBody, Align::kRight);
  doc.Space(6).Title(title);
  doc.Fields(refs);
  doc.Space(6);
}

absl::StatusOr<ent::document::v1::Document> NoticeLetter(const v1::Convention& c,
                                                         const v1::Dispute& d,
                                                         const workflow::LegalCalendar& calendar) {
  const auto sent = CivilDateOf(d.notice_sent_date());
  if (!sent) return absl::FailedPreconditionError(absl::StrCat(d.name(), " has no notice date"));
  const v1::PartyRole from = d.party();
  const std::string title = "Mise en demeure";
  PdfLayout doc(Metadata(absl::StrCat(title, " — ", ShortName(c.name())), PartyOf(c, from), *sent,
                         absl::StrCat("Mise en demeure — ", d.name(), " — LRAR n° ",
                                      d.notice_reference())));
  LetterHead(doc, c, from, *sent, "MISE EN DEMEURE",
             WithFollower({{"Envoi", absl::StrCat("Lettre recommandée avec accusé de réception n° ",
                                                  d.notice_reference())},
                           {"Objet", absl::StrCat("Mise en demeure au titre de l'article 8 de la "
                                                  "convention ENT-école, année scolaire ",
                                                  c.school_year())},
                           {"Convention", absl::StrCat(c.name(), ", ", SignaturesText(c))},
                           {"Délibération", DeliberationText(c)},
                           {"Dossier", d.name()}},
                          d.opened_by()));
  doc.Text("Madame, Monsieur,");
  doc.Text(absl::StrCat(
               "En application de l'article 8 de la convention de partenariat pour la mise à "
               "disposition de l'environnement numérique de travail ENT-école, année scolaire ",
               c.school_year(), ", conclue entre ", PartyInSentence(c.academie().name()), " et ",
               PartyInSentence(c.commune().party().name()), ", ",
               PartyInSentence(PartyOf(c, from).name()),
               " estime que la convention n'est pas respectée et vous met en demeure, par la "
               "présente lettre, d'y remédier. Ses griefs sont les suivants :"),
           TextStyle::kBody, Align::kJustify);
  doc.Text(d.grievances(), TextStyle::kBold, Align::kJustify);
  doc.Text(absl::StrCat("Conformément à l'article 8, une conciliation entre les parties doit être "
                        "organisée, à l'initiative de la partie la plus diligente, au plus tard le ",
                        FrenchDateWithWeekday(d.conciliation_deadline().last_day()), "."),
           TextStyle::kBody, Align::kJustify);
  doc.Subheading("Calcul du délai de conciliation");
  doc.Text(DeadlineText(d.conciliation_deadline(), true, "de l'envoi de la présente mise en demeure",
                        calendar),
           TextStyle::kSmall, Align::kJustify);
  doc.Text("En cas d'échec de la conciliation, la convention peut être résiliée de plein droit par "
           "la partie qui estime que les engagements réciproques n'ont pas été respectés, à "
           "l'expiration d'un délai de quinze jours suivant l'envoi d'une lettre recommandée avec "
           "accusé de réception précisant les motifs de la résiliation.",
           TextStyle::kBody, Align::kJustify);
  doc.Text("Veuillez agréer, Madame, Monsieur, l'expression de notre considération distinguée.");
  doc.Space(10).Text(SignatureBlock(c, from), TextStyle::kBody, Align::kRight).KeepWithPrevious();
  if (CivilDateOf(d.notice_acknowledged_date())) {
    doc.Space(8).Text(absl::StrCat("Accusé de réception signé le ",
                                   FrenchDate(d.notice_acknowledged_date()), "."),
                      TextStyle::kSmall);
  }
  return Finish(doc, absl::StrCat("mise-en-demeure-", FileStem(d.name()), ".pdf"),
                absl::StrCat(title, " — ", d.name()));
}

absl::StatusOr<ent::document::v1::Document> TerminationLetter(
    const v1::Convention& c, const v1::Dispute& d, const workflow::LegalCalendar& calendar) {
  const v1::Termination& t = d.termination();
  const auto sent = CivilDateOf(t.sent_date());
  if (!d.has_termination() || !sent) {
    return absl::FailedPreconditionError(absl::StrCat(
        "kind: ", d.name(), " has no termination letter: none was sent (the dispute is ",
        v1::Dispute::State_Name(d.state()), ")"));
  }
  const v1::PartyRole from = t.party();
  const std::string title = "Lettre de résiliation";
  PdfLayout doc(Metadata(absl::StrCat(title, " — ", ShortName(c.name())), PartyOf(c, from), *sent,
                         absl::StrCat("Résiliation — ", d.name(), " — LRAR n° ",
                                      t.letter_reference())));
  LetterHead(doc, c, from, *sent, "RÉSILIATION DE LA CONVENTION",
             WithFollower({{"Envoi", absl::StrCat("Lettre recommandée avec accusé de réception n° ",
                                     t.letter_reference())},
              {"Objet", absl::StrCat("Résiliation de la convention ENT-école, année scolaire ",
                                     c.school_year(), " (article 8)")},
              {"Convention", absl::StrCat(c.name(), ", ", SignaturesText(c))},
              {"Délibération", DeliberationText(c)},
              {"Mise en demeure", absl::StrCat("lettre recommandée n° ", d.notice_reference(),
                                               " du ", FrenchDate(d.notice_sent_date()),
                                               ", envoyée par ", PartyWord(d.party()))},
              {"Dossier", d.name()}}, t.sent_by()));
  doc.Text("Madame, Monsieur,");
  std::string conciliation;
  if (d.has_conciliation() && CivilDateOf(d.conciliation().meeting_date())) {
    conciliation = absl::StrCat("La conciliation tenue le ",
                                FrenchDate(d.conciliation().meeting_date()),
                                " n'a pas permis d'accord entre les parties.");
  } else {
    conciliation = absl::StrCat(
        "Aucune conciliation n'a abouti dans le délai d'un mois prévu à l'article 8, expiré le ",
        FrenchDateWithWeekday(d.conciliation_deadline().last_day()), " à 24 heures.");
  }
  doc.Text(absl::StrCat("Par lettre recommandée avec accusé de réception n° ", d.notice_reference(),
                        " du ", FrenchDate(d.notice_sent_date()), ", ",
                        PartyInSentence(PartyOf(c, d.party()).name()), " a mis ",
                        PartyInSentence(PartyOf(c, Other(d.party())).name()),
                        " en demeure de respecter la convention. ", conciliation),
           TextStyle::kBody, Align::kJustify);
  doc.Text(absl::StrCat("En conséquence, ", PartyInSentence(PartyOf(c, from).name()),
                        ", estimant que les engagements réciproques inscrits dans la convention "
                        "n'ont pas été respectés, la résilie de plein droit en application de "
                        "l'article 8, pour les motifs suivants :"),
           TextStyle::kBody, Align::kJustify);
  doc.Text(t.reasons(), TextStyle::kBold, Align::kJustify);
  const auto last = CivilDateOf(t.effective_deadline().last_day());
  std::string effect = absl::StrCat(
      "La résiliation prend effet à l'expiration d'un délai de quinze jours suivant l'envoi de la "
      "présente lettre, soit le ", FrenchDateWithWeekday(t.effective_deadline().last_day()),
      " à 24 heures");
  if (last) {
    absl::StrAppend(&effect, " : la convention cesse d'être en vigueur le ",
                    FrenchDateWithWeekday(*last + 1), " à 0 heure (heure de Paris)");
  }
  doc.Text(absl::StrCat(effect, "."), TextStyle::kBody, Align::kJustify);
  doc.Subheading("Calcul du délai de résiliation");
  doc.Text(DeadlineText(t.effective_deadline(), false, "de l'envoi de la présente lettre", calendar),
           TextStyle::kSmall, Align::kJustify);
  doc.Text("Conformément à l'article 8, les sommes perçues par le Rectorat de l'académie de "
           "Montpellier au titre de la convention ne pourront faire l'objet de remboursement.",
           TextStyle::kBody, Align::kJustify);
  doc.Text("Veuillez agréer, Madame, Monsieur, l'expression de notre considération distinguée.");
  doc.Space(10).Text(SignatureBlock(c, from), TextStyle::kBody, Align::kRight).KeepWithPrevious();
  return Finish(doc, absl::StrCat("resiliation-", FileStem(d.name()), ".pdf"),
                absl::StrCat(title, " — ", d.name()));
}

absl::StatusOr<ent::document::v1::Document> ConciliationRecord(
    const v1::Convention& c, const v1::Dispute& d, const workflow::LegalCalendar& calendar) {
  const auto met = CivilDateOf(d.conciliation().meeting_date());
  if (!d.has_conciliation() || !met ||
      d.conciliation().outcome() == v1::CONCILIATION_OUTCOME_UNSPECIFIED) {
    return absl::FailedPreconditionError(absl::StrCat(
        "kind: ", d.name(), " has no conciliation record: no outcome was recorded (the dispute "
        "is ", v1::Dispute::State_Name(d.state()), ")"));
  }
  const bool agreed = d.conciliation().outcome() == v1::CONCILIATION_OUTCOME_RESOLVED;
  const std::string title = "Procès-verbal de conciliation";
  PdfLayout doc(Metadata(absl::StrCat(title, " — ", ShortName(c.name())), c.academie(), *met,
                         absl::StrCat("Procès-verbal de conciliation — ", d.name())));
  doc.SideBySide({PartyBlock(c, v1::PARTY_ROLE_ACADEMIE), PartyBlock(c, v1::PARTY_ROLE_COMMUNE)});
  doc.Space(8).Title("PROCÈS-VERBAL DE CONCILIATION");
  doc.Text(absl::StrCat("Article 8 de la convention ENT-école, année scolaire ", c.school_year()),
           TextStyle::kBody, Align::kCenter);
  doc.Heading("Références");
  doc.Fields({{"Convention", absl::StrCat(c.name(), ", ", SignaturesText(c))},
              {"Délibération", DeliberationText(c)},
              {"Mise en demeure", absl::StrCat("lettre recommandée n° ", d.notice_reference(),
                                               " du ", FrenchDate(d.notice_sent_date()),
                                               ", envoyée par ", PartyWord(d.party()))},
              {"Griefs", d.grievances()},
              {"Délai de conciliation", absl::StrCat("au plus tard le ",
                                                     FrenchDateWithWeekday(d.conciliation_deadline().last_day()))},
              {"Dossier", d.name()}});
  doc.Text(DeadlineText(d.conciliation_deadline(), true, "de l'envoi de la mise en demeure", calendar),
           TextStyle::kSmall, Align::kJustify);
  doc.Heading("Réunion de conciliation");
  doc.Fields({{"Date", FrenchDateWithWeekday(d.conciliation().meeting_date())},
              {"Issue", agreed ? "Accord des parties : le litige est clos, la convention reste en "
                                 "vigueur."
                               : "Échec : la partie qui estime que ses engagements n'ont pas été "
                                 "respectés peut résilier la convention par lettre recommandée "
                                 "avec accusé de réception ; la résiliation prend effet quinze "
                                 "jours après son envoi."},
              {"Observations", d.conciliation().notes().empty() ? "-" : d.conciliation().notes()}});
  if (!PersonLabel(d.conciliation().recorded_by()).empty()) {
    doc.Fields({{"Procès-verbal établi par", PersonLabel(d.conciliation().recorded_by())}});
  }
  doc.Space(16).Text("Fait en deux exemplaires.");
  doc.Space(6).SideBySide({absl::StrCat("Pour l'académie\n", SignatureBlock(c, v1::PARTY_ROLE_ACADEMIE)),
                           absl::StrCat("Pour la collectivité\n",
                                        SignatureBlock(c, v1::PARTY_ROLE_COMMUNE))});
  return Finish(doc, absl::StrCat("proces-verbal-", FileStem(d.name()), ".pdf"),
                absl::StrCat(title, " — ", d.name()));
}

std::string SchoolType(v1::SchoolType t) {
  switch (t) {
    case v1::SCHOOL_TYPE_MATERNELLE: return "maternelle";
    case v1::SCHOOL_TYPE_ELEMENTAIRE: return "élémentaire";
    case v1::SCHOOL_TYPE_PRIMAIRE: return "primaire";
    default: return "-";
  }
}

std::string StateText(v1::Convention::State s) {
  switch (s) {
    case v1::Convention::STATE_DRAFT: return "projet";
    case v1::Convention::STATE_SIGNING: return "en cours de signature";
    case v1::Convention::STATE_ACTIVE: return "en vigueur";
    case v1::Convention::STATE_TERMINATING: return "en vigueur, résiliation notifiée";
    case v1::Convention::STATE_TERMINATED: return "résiliée";
    case v1::Convention::STATE_EXPIRED: return "arrivée à échéance";
    case v1::Convention::STATE_CANCELLED: return "projet abandonné";
    default: return "-";
  }
}

// The amendments recorded in the history: which school joined or left, when.
std::vector<std::vector<std::string>> Amendments(const v1::Convention& c,
                                                 const std::vector<v1::ConventionEvent>& history) {
  std::vector<std::vector<std::string>> rows;
  int n = 0;
  for (const v1::ConventionEvent& e : history) {
    const bool added = e.type() == v1::ConventionEvent::TYPE_AMENDMENT_SCHOOL_ADDED;
    if (!added && e.type() != v1::ConventionEvent::TYPE_AMENDMENT_SCHOOL_REMOVED) continue;
    // The school is the UAI in one list of the change and not the other; the
    // date is the description's ("… enrolled from 2022-01-10", "… withdrawn on …").
    std::set<std::string> before, after;
    for (const v1::FieldChange& f : e.changes()) {
      if (f.field() != "schools") continue;
      for (absl::string_view u : absl::StrSplit(f.old_value(), ", ", absl::SkipEmpty())) before.emplace(u);
      for (absl::string_view u : absl::StrSplit(f.new_value(), ", ", absl::SkipEmpty())) after.emplace(u);
    }
    std::vector<std::string> changed;
    std::set_symmetric_difference(before.begin(), before.end(), after.begin(), after.end(),
                                  std::back_inserter(changed));
    std::optional<CivilDate> date;
    for (absl::string_view word : absl::StrSplit(e.description(), absl::ByAnyChar(" ;,"))) {
      if (auto d = ParseIsoDate(word)) date = d;
    }
    std::string school = absl::StrJoin(changed, ", ");
    for (const v1::School& s : c.schools()) {
      if (changed.size() == 1 && s.uai() == changed[0]) absl::StrAppend(&school, " ", s.name());
    }
    rows.push_back({absl::StrCat(++n), date ? FrenchDate(*date) : "-",
                    absl::StrCat(added ? "Inscription de l'école " : "Retrait de l'école ", school,
                                 added ? "" : " (les sommes dues ne sont pas remboursées)"),
                    FrenchDate(absl::ToCivilDay(TimeFromProto(e.time()), ParisTimeZone()))});
  }
  return rows;
}

}  // namespace

absl::StatusOr<ent::document::v1::Document> RenderDisputeLetter(
    const v1::Convention& convention, const v1::Dispute& dispute, v1::DisputeLetterKind kind,
    const workflow::LegalCalendar& calendar) {
  switch (kind) {
    case v1::DISPUTE_LETTER_KIND_NOTICE: return NoticeLetter(convention, dispute, calendar);
    case v1::DISPUTE_LETTER_KIND_TERMINATION: return TerminationLetter(convention, dispute, calendar);
    case v1::DISPUTE_LETTER_KIND_CONCILIATION_RECORD:
      return ConciliationRecord(convention, dispute, calendar);
    default:
      return absl::InvalidArgumentError(
          "kind: must be DISPUTE_LETTER_KIND_NOTICE, DISPUTE_LETTER_KIND_TERMINATION or "
          "DISPUTE_LETTER_KIND_CONCILIATION_RECORD");
  }
}

absl::StatusOr<ent::document::v1::Document> RenderConventionDocument(
    const v1::Convention& c, const std::vector<v1::ConventionEvent>& history,
    int64_t participation_per_school_cents) {
  const std::string title = absl::StrCat("Convention ENT-école ", c.school_year(), " — ",
                                         c.commune().party().name());
  // Its date: the later signature, else the creation.
  CivilDate date = absl::ToCivilDay(TimeFromProto(c.create_time()), ParisTimeZone());
  for (const v1::Signature& s : c.signatures()) {
    if (auto d = CivilDateOf(s.date())) date = std::max(date, *d);
  }
  PdfLayout doc(Metadata(title, c.academie(), date,
                         absl::StrCat("Convention ENT-école ", c.school_year(), " — ", c.name(),
                                      " — ", StateText(c.state()))));
  doc.Title("Convention de partenariat pour la mise à disposition d'un environnement numérique de "
            "travail (ENT-école)");
  doc.Text(absl::StrCat("Année scolaire ", c.school_year(), " — ", c.name(), " (",
                        StateText(c.state()), ")"),
           TextStyle::kBody, Align::kCenter);
  const v1::Party& a = c.academie();
  const v1::Party& m = c.commune().party();
  doc.Subheading("Entre :");
  doc.Text(absl::StrCat(a.name(), "\n", a.address(), "\nReprésentée par ", a.representative(),
                        ", en sa qualité de ", a.capacity(), ".\nCi-après dénommée « académie »"));
  doc.Subheading("Et :");
  doc.Text(absl::StrCat("La collectivité : ", m.name(), " (code INSEE ", c.commune().insee_code(),
                        ", SIREN ", c.commune().siren(), ")\nAdresse : ", m.address(),
                        "\nReprésentée par ", m.representative(), ", en sa qualité de ",
                        m.capacity(), ".\nCi-après dénommée « collectivité »"));
  if (!c.renews().empty()) {
    doc.Text(absl::StrCat("Elle renouvelle la convention ", c.renews(), "."), TextStyle::kSmall);
  }
  doc.Text("Il est convenu ce qui suit :", TextStyle::kBody);

  const int schools = c.schools_size();
  doc.Subheading("Article 1 – Objet de la convention");
  doc.Text("La convention définit le cadre général de la mise en œuvre de l'ENT-école pour les "
           "élèves des écoles de la collectivité, ses principes et ses modalités d'organisation.",
           TextStyle::kBody, Align::kJustify);
  doc.Subheading("Article 2 – Mise en œuvre de l'ENT");
  doc.Text("La commune assure l'équipement informatique et les accès Internet des écoles (2.1). "
           "L'académie accompagne la diffusion de contenus pédagogiques (2.2) ; la DSII du "
           "rectorat héberge l'application et les comptes (2.3) et assure l'assistance de niveau 2 "
           "(2.6) ; la formation et l'assistance de premier niveau relèvent de l'Éducation "
           "nationale (2.4, 2.5). Un profil « référent ville » et des profils « contributeurs » "
           "sont ouverts aux agents de la commune (2.7).",
           TextStyle::kBody, Align::kJustify);
  doc.Subheading("Article 3 – Durée de la convention");
  std::string duration = absl::StrCat("La convention prend effet à la date de sa dernière signature",
                                      CivilDateOf(c.effective_date())
                                          ? absl::StrCat(", le ", FrenchDate(c.effective_date()))
                                          : "",
                                      ", et se termine le ", FrenchDate(c.end_date()), ".");
  if (CivilDateOf(c.last_day_in_force())) {
    absl::StrAppend(&duration, " Elle a pris fin de manière anticipée : dernier jour en vigueur le ",
                    FrenchDate(c.last_day_in_force()), ".");
  }
  doc.Text(duration, TextStyle::kBody, Align::kJustify);
  doc.Subheading("Articles 4 à 6 – Participation financière");
  doc.Text(absl::StrCat("Le coût de l'ENT-école couvre la mise à disposition du logiciel, "
                        "l'hébergement, l'assistance et la maintenance. La participation de la "
                        "collectivité est fixée à ",
                        FrenchEuros(participation_per_school_cents),
                        " TTC par école inscrite et par année scolaire ; elle est payée après "
                        "émission par le Rectorat d'un titre de perception."),
           TextStyle::kBody, Align::kJustify);
  doc.Subheading("Article 7 – Montant de la participation financière");
  doc.Text(absl::StrCat("Au titre de l'année scolaire ", c.school_year(), ", ", schools,
                        schools > 1 ? " écoles sont inscrites" : " école est inscrite",
                        " à l'ENT-école (annexe 1), pour un montant de ",
                        FrenchEuros(participation_per_school_cents * schools), " TTC (", schools,
                        " × ", FrenchEuros(participation_per_school_cents), ")."),
           TextStyle::kBody, Align::kJustify);
  doc.Subheading("Article 8 – Litiges – Conciliation");
  doc.Text("Si l'une des parties estime que la convention n'est pas respectée, elle adresse à "
           "l'autre partie une lettre recommandée avec accusé de réception valant mise en demeure "
           "lui exposant ses griefs. Une conciliation est alors organisée au plus tard dans le "
           "délai d'un mois. En cas d'échec, la convention peut être résiliée de plein droit à "
           "l'expiration d'un délai de quinze jours suivant l'envoi d'une lettre recommandée avec "
           "accusé de réception précisant les motifs de la résiliation. Les sommes perçues ne "
           "pourront faire l'objet de remboursement.",
           TextStyle::kBody, Align::kJustify);

  doc.Heading("Délibération du conseil municipal");
  if (c.has_deliberation() && !c.deliberation().number().empty()) {
    const v1::Deliberation& d = c.deliberation();
    std::vector<std::pair<std::string, std::string>> fields = {
        {"Numéro", d.number()},
        {"Séance du", FrenchDate(d.session_date())},
        {"Conseillers", absl::StrCat(d.council_members(), " en exercice, ", d.members_present(),
                                     " présents, ", d.members_absent(), " absents, ", d.proxies(),
                                     " pouvoirs")},
        {"Vote", absl::StrCat(d.votes_for(), " voix pour sur ", d.votes(), " votants")},
        {"Transmission en préfecture", FrenchDate(d.transmitted_date())},
        {"Affichage", FrenchDate(d.posted_date())},
        {"Exécutoire le", FrenchDate(d.enforceable_date())},
        {"Accusé de réception", d.acknowledgement_id().empty() ? "-" : d.acknowledgement_id()}};
    if (CivilDateOf(d.appeal_deadline().last_day())) {
      fields.push_back({"Recours contentieux", absl::StrCat(
                            "jusqu'au ", FrenchDate(d.appeal_deadline().last_day()),
                            " inclus (deux mois francs à compter du caractère exécutoire)")});
    }
    doc.Fields(fields);
  } else {
    doc.Text("Aucune délibération n'est encore enregistrée.");
  }

  doc.Heading("Signatures");
  std::vector<std::vector<std::string>> sig_rows;
  for (v1::PartyRole role : {v1::PARTY_ROLE_ACADEMIE, v1::PARTY_ROLE_COMMUNE}) {
    const v1::Signature* found = nullptr;
    for (const v1::Signature& s : c.signatures()) {
      if (s.party() == role) found = &s;
    }
    const std::string party = role == v1::PARTY_ROLE_ACADEMIE ? a.name() : m.name();
    if (found == nullptr) {
      sig_rows.push_back({party, "non signée", "", "", ""});
    } else {
      sig_rows.push_back({party, found->signatory(), found->capacity(),
                          found->place().empty() ? "-" : found->place(),
                          FrenchDate(found->date())});
    }
  }
  doc.Table({{"Partie", 1.6}, {"Signataire", 1.4}, {"Qualité", 2.2}, {"Lieu", 1}, {"Date", 1.2}},
            sig_rows);

  doc.Heading(absl::StrCat("Annexe 1 – Liste des écoles inscrites à l'ENT-école pour l'année "
                           "scolaire ", c.school_year()));
  std::vector<std::vector<std::string>> school_rows;
  int n = 0;
  for (const v1::School& s : c.schools()) {
    school_rows.push_back({absl::StrCat(++n), s.uai(), s.name(), SchoolType(s.type()),
                           CivilDateOf(s.enrolled_date())
                               ? absl::StrCat("par avenant, le ", FrenchDate(s.enrolled_date()))
                               : "annexe initiale"});
  }
  doc.Table({{"N°", 0.4, Align::kRight}, {"UAI", 1}, {"École", 3.4}, {"Type", 1}, {"Inscrite", 1.7}},
            school_rows);

  doc.Heading("Avenants");
  auto amendments = Amendments(c, history);
  if (amendments.empty()) {
    doc.Text("Aucun avenant depuis la signature.");
  } else {
    doc.Table({{"N°", 0.4, Align::kRight}, {"Date d'effet", 1.3}, {"Objet", 4.2}, {"Enregistré le", 1.3}},
              amendments);
  }
  if (c.warnings_size() > 0) {
    doc.Heading("Observations");
    for (const std::string& w : c.warnings()) doc.Text(absl::StrCat("• ", w), TextStyle::kSmall);
  }
  return Finish(doc, absl::StrCat("convention-", FileStem(c.name()), ".pdf"), title);
}

}  // namespace ent::convention
