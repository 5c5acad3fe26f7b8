#include "console/french.h"

#include <cstdlib>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/clock.h"
#include "common/documents/french_text.h"

namespace ent::console {

namespace cv1 = ::ent::convention::v1;

std::string DateFr(const google::type::Date& d) {
  if (d.year() == 0) return "";
  return documents::FrenchDateWithWeekday(d);
}

std::string InstantFr(absl::Time t) {
  const absl::CivilSecond c = absl::ToCivilSecond(t, ParisTimeZone());
  return absl::StrCat(documents::FrenchDateWithWeekday(CivilDate(c)), " à ", c.hour(), " h ",
                      c.minute() < 10 ? "0" : "", c.minute());
}

std::string InstantFr(const google::protobuf::Timestamp& t) {
  if (t.seconds() == 0 && t.nanos() == 0) return "";
  return InstantFr(absl::FromUnixSeconds(t.seconds()));
}

std::string EurosFr(int64_t cents) { return documents::FrenchEuros(cents); }

std::string DaysLeftFr(CivilDate today, CivilDate day) {
  const int64_t n = day - today;
  if (n == 0) return "aujourd'hui";
  if (n == 1) return "demain";
  if (n > 0) return absl::StrCat("dans ", n, " jours");
  if (n == -1) return "dépassée depuis 1 jour";
  return absl::StrCat("dépassée depuis ", -n, " jours");
}

std::string ConventionStateFr(cv1::Convention::State s) {
  switch (s) {
    case cv1::Convention::STATE_DRAFT: return "Projet";
    case cv1::Convention::STATE_SIGNING: return "En signature";
    case cv1::Convention::STATE_ACTIVE: return "En vigueur";
    case cv1::Convention::STATE_TERMINATING: return "Résiliation en cours";
    case cv1::Convention::STATE_TERMINATED: return "Résiliée";
    case cv1::Convention::STATE_EXPIRED: return "Expirée";
    case cv1::Convention::STATE_CANCELLED: return "Abandonnée";
    default: return "Inconnu";
  }
}

std::string ConventionStateBadge(cv1::Convention::State s) {
  switch (s) {
    case cv1::Convention::STATE_ACTIVE: return "fr-badge--success";
    case cv1::Convention::STATE_TERMINATING: return "fr-badge--warning";
    case cv1::Convention::STATE_TERMINATED: return "fr-badge--error";
    case cv1::Convention::STATE_DRAFT:
    case cv1::Convention::STATE_SIGNING: return "fr-badge--info";
    default: return "";
  }
}

std::string DisputeStateFr(cv1::Dispute::State s) {
  switch (s) {
    case cv1::Dispute::STATE_AWAITING_CONCILIATION: return "Conciliation attendue";
    case cv1::Dispute::STATE_RESOLVED: return "Résolu par conciliation";
    case cv1::Dispute::STATE_CONCILIATION_FAILED: return "Conciliation échouée";
    case cv1::Dispute::STATE_CONCILIATION_LAPSED: return "Délai de conciliation expiré";
    case cv1::Dispute::STATE_TERMINATING: return "Résiliation notifiée";
    case cv1::Dispute::STATE_TERMINATED: return "Convention résiliée";
    case cv1::Dispute::STATE_WITHDRAWN: return "Retiré";
    default: return "Inconnu";
  }
}

std::string DisputeStateBadge(cv1::Dispute::State s) {
  switch (s) {
    case cv1::Dispute::STATE_AWAITING_CONCILIATION: return "fr-badge--info";
    case cv1::Dispute::STATE_RESOLVED: return "fr-badge--success";
    case cv1::Dispute::STATE_CONCILIATION_FAILED:
    case cv1::Dispute::STATE_CONCILIATION_LAPSED:
    case cv1::Dispute::STATE_TERMINATING: return "fr-badge--warning";
    case cv1::Dispute::STATE_TERMINATED: return "fr-badge--error";
    default: return "";
  }
}

std::string EventTypeFr(cv1::ConventionEvent::Type t) {
  switch (t) {
    case cv1::ConventionEvent::TYPE_CREATED: return "Projet créé";
    case cv1::ConventionEvent::TYPE_UPDATED: return "Projet modifié";
    case cv1::ConventionEvent::TYPE_CANCELLED: return "Projet abandonné";
    case cv1::ConventionEvent::TYPE_SIGNED: return "Signature";
    case cv1::ConventionEvent::TYPE_ACTIVATED: return "Entrée en vigueur";
    case cv1::ConventionEvent::TYPE_DELIBERATION_RECORDED: return "Délibération enregistrée";
    case cv1::ConventionEvent::TYPE_SCHOOL_ADDED: return "École ajoutée au projet";
    case cv1::ConventionEvent::TYPE_SCHOOL_REMOVED: return "École retirée du projet";
    case cv1::ConventionEvent::TYPE_AMENDMENT_SCHOOL_ADDED: return "Avenant : école ajoutée";
    case cv1::ConventionEvent::TYPE_AMENDMENT_SCHOOL_REMOVED: return "Avenant : école retirée";
    case cv1::ConventionEvent::TYPE_RENEWED: return "Renouvellement préparé";
    case cv1::ConventionEvent::TYPE_SUPERSEDED: return "Remplacée par son renouvellement";
    case cv1::ConventionEvent::TYPE_EXPIRED: return "Arrivée à échéance";
    case cv1::ConventionEvent::TYPE_RENEWAL_REMINDER: return "Rappel de renouvellement";
    case cv1::ConventionEvent::TYPE_DISPUTE_OPENED: return "Mise en demeure";
    case cv1::ConventionEvent::TYPE_CONCILIATION_RECORDED: return "Conciliation enregistrée";
    case cv1::ConventionEvent::TYPE_CONCILIATION_LAPSED: return "Délai de conciliation expiré";
    case cv1::ConventionEvent::TYPE_TERMINATION_NOTIFIED: return "Lettre de résiliation envoyée";
    case cv1::ConventionEvent::TYPE_TERMINATED: return "Résiliation effective";
    case cv1::ConventionEvent::TYPE_DISPUTE_WITHDRAWN: return "Litige retiré";
    case cv1::ConventionEvent::TYPE_DISPUTE_DATE_CORRECTED: return "Date de litige corrigée";
    default: return "Événement";
  }
}

namespace {

// The French label of a FieldChange's field.
std::string ChangeFieldFr(const std::string& field) {
  static const auto* const kLabels = new std::map<std::string, std::string>{
      {"state", "État de la convention"},
      {"dispute.state", "État du litige"},
      {"effective_date", "Date d'effet"},
      {"last_day_in_force", "Dernier jour en vigueur"},
      {"end_date", "Date de fin"},
      {"school_year", "Année scolaire"},
      {"schools", "Écoles"},
      {"deliberation", "Délibération"},
      {"academie", "Académie"},
      {"commune", "Commune"},
      {"renews", "Renouvelle"},
      {"notice_sent_date", "Envoi de la mise en demeure"},
      {"notice_acknowledged_date", "Accusé de réception de la mise en demeure"},
      {"conciliation.meeting_date", "Réunion de conciliation"},
      {"conciliation_deadline", "Conciliation au plus tard le"},
      {"termination.sent_date", "Envoi de la lettre de résiliation"},
      {"termination.effective_deadline", "Résiliation effective à l'expiration du"},
  };
  auto it = kLabels->find(field);
  return it == kLabels->end() ? field : it->second;
}

// A FieldChange's value in French: state names and ISO dates phrased, the
// rest as recorded.
std::string ChangeValueFr(const std::string& field, const std::string& value) {
  if (value.empty()) return "—";
  if (field == "state") {
    cv1::Convention::State s;
    if (cv1::Convention::State_Parse("STATE_" + value, &s)) return ConventionStateFr(s);
  }
  if (field == "dispute.state") {
    cv1::Dispute::State s;
    if (cv1::Dispute::State_Parse("STATE_" + value, &s)) return DisputeStateFr(s);
  }
  if (const std::optional<CivilDate> date = ParseIsoDate(value)) {
    google::type::Date d;
    d.set_year(date->year());
    d.set_month(date->month());
    d.set_day(date->day());
    return DateFr(d);
  }
  return value;
}

}  // namespace

std::vector<std::string> EventChangesFr(const cv1::ConventionEvent& e) {
  std::vector<std::string> out;
  for (const cv1::FieldChange& change : e.changes()) {
    const std::string label = ChangeFieldFr(change.field());
    if (change.old_value().empty()) {
      out.push_back(absl::StrCat(label, " : ", ChangeValueFr(change.field(), change.new_value())));
    } else {
      out.push_back(absl::StrCat(label, " : ", ChangeValueFr(change.field(), change.old_value()),
                                 " → ", ChangeValueFr(change.field(), change.new_value())));
    }
  }
  return out;
}

std::string PartyFr(cv1::PartyRole p) {
  switch (p) {
    case cv1::PARTY_ROLE_ACADEMIE: return "l'académie";
    case cv1::PARTY_ROLE_COMMUNE: return "la commune";
    default: return "—";
  }
}

std::string DeadlineKindFr(cv1::PendingDeadline::Kind k) {
  switch (k) {
    case cv1::PendingDeadline::KIND_CONCILIATION: return "Conciliation";
    case cv1::PendingDeadline::KIND_TERMINATION: return "Résiliation";
    case cv1::PendingDeadline::KIND_EXPIRY: return "Fin de la convention";
    case cv1::PendingDeadline::KIND_RENEWAL_REMINDER: return "Rappel de renouvellement";
    default: return "Échéance";
  }
}

std::string DeadlineConsequenceFr(cv1::PendingDeadline::Kind k) {
  switch (k) {
    case cv1::PendingDeadline::KIND_CONCILIATION:
      return "Sans conciliation enregistrée d'ici là, la conciliation est réputée échouée : la "
             "partie lésée pourra envoyer la lettre de résiliation.";
    case cv1::PendingDeadline::KIND_TERMINATION:
      return "La résiliation prend effet : la convention cesse d'être en vigueur et les comptes "
             "référents de la commune sont désactivés.";
    case cv1::PendingDeadline::KIND_EXPIRY:
      return "La convention arrive à son terme et cesse d'être en vigueur.";
    case cv1::PendingDeadline::KIND_RENEWAL_REMINDER:
      return "Il est temps de préparer le renouvellement (60 jours avant la fin).";
    default: return "";
  }
}

std::string TitreStateFr(billing::v1::Titre::State s) {
  switch (s) {
    case billing::v1::Titre::STATE_ISSUED: return "Émis";
    case billing::v1::Titre::STATE_PARTIALLY_PAID: return "Partiellement payé";
    case billing::v1::Titre::STATE_PAID: return "Soldé";
    case billing::v1::Titre::STATE_REDUCED: return "Réduit";
    case billing::v1::Titre::STATE_CANCELLED: return "Annulé";
    default: return "Inconnu";
  }
}

std::string RoleFr(int role) {
  switch (role) {
    case 1: return "service du rectorat";
    case 2: return "assistance";
    case 3: return "agent communal";
    case 4: return "finances";
    case 5: return "service interne";
    default: return "sans rôle";
  }
}

std::string FoldForSearch(const std::string& text) {
  // Two-byte UTF-8 Latin letters with diacritics → their base letter.
  static const std::pair<const char*, char> kFolds[] = {
      {"à", 'a'}, {"â", 'a'}, {"ä", 'a'}, {"á", 'a'}, {"ç", 'c'}, {"é", 'e'}, {"è", 'e'},
      {"ê", 'e'}, {"ë", 'e'}, {"î", 'i'}, {"ï", 'i'}, {"í", 'i'}, {"ô", 'o'}, {"ö", 'o'},
      {"ó", 'o'}, {"ù", 'u'}, {"û", 'u'}, {"ü", 'u'}, {"ú", 'u'}, {"ÿ", 'y'}, {"ñ", 'n'},
      {"À", 'a'}, {"Â", 'a'}, {"Ä", 'a'}, {"Ç", 'c'}, {"É", 'e'}, {"È", 'e'}, {"Ê", 'e'},
      {"Ë", 'e'}, {"Î", 'i'}, {"Ï", 'i'}, {"Ô", 'o'}, {"Ö", 'o'}, {"Ù", 'u'}, {"Û", 'u'},
      {"Ü", 'u'}, {"Ÿ", 'y'}, {"œ", 'o'}, {"Œ", 'o'}, {"æ", 'a'}, {"Æ", 'a'}};
  std::string out;
  bool space = true;  // drops leading spaces and collapses runs
  for (size_t i = 0; i < text.size();) {
    char c = text[i];
    size_t len = 1;
    if (static_cast<unsigned char>(c) >= 0x80) {
      c = ' ';
      len = 0;
      for (const auto& [from, to] : kFolds) {
        const size_t n = std::char_traits<char>::length(from);
        if (text.compare(i, n, from) == 0) {
          c = to;
          len = n;
          break;
        }
      }
      if (len == 0) {  // another character: skip its bytes
        len = 1;
        while (i + len < text.size() && (static_cast<unsigned char>(text[i + len]) & 0xC0) == 0x80) ++len;
      }
    }
    i += len;
    if (c == '-' || c == '\'' || c == ' ' || c == '\t' || c == '.' || c == ',') c = ' ';
    if (c == ' ') {
      if (!space) out.push_back(' ');
      space = true;
    } else {
      out.push_back(absl::ascii_tolower(c));
      space = false;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::optional<google::type::Date> ParseDateField(const std::string& text) {
  const absl::string_view t = absl::StripAsciiWhitespace(text);
  std::optional<CivilDate> d = ParseIsoDate(t);
  if (!d) {  // "31/03/2022", as the French write it
    const std::vector<absl::string_view> parts = absl::StrSplit(t, '/');
    int day = 0, month = 0, year = 0;
    if (parts.size() == 3 && parts[0].size() <= 2 && parts[1].size() <= 2 && parts[2].size() == 4 &&
        absl::SimpleAtoi(parts[0], &day) && absl::SimpleAtoi(parts[1], &month) &&
        absl::SimpleAtoi(parts[2], &year)) {
      d = MakeDate(year, month, day);
    }
  }
  if (!d) return std::nullopt;
  google::type::Date out;
  out.set_year(static_cast<int>(d->year()));
  out.set_month(d->month());
  out.set_day(d->day());
  return out;
}

std::optional<int64_t> ParseEuros(const std::string& text) {
  std::string t;
  for (char c : absl::StripAsciiWhitespace(text)) {
    if (c == ' ') continue;
    t.push_back(c == ',' ? '.' : c);
  }
  const std::vector<std::string> parts = absl::StrSplit(t, '.');
  if (parts.empty() || parts.size() > 2 || parts[0].empty() || parts[0].size() > 10) return std::nullopt;
  int64_t euros = 0;
  if (!absl::SimpleAtoi(parts[0], &euros) || euros < 0 || parts[0][0] == '+' || parts[0][0] == '-') {
    return std::nullopt;
  }
  int64_t cents = 0;
  if (parts.size() == 2) {
    if (parts[1].empty() || parts[1].size() > 2) return std::nullopt;
    for (char c : parts[1]) if (c < '0' || c > '9') return std::nullopt;
    cents = std::atoi(parts[1].c_str()) * (parts[1].size() == 1 ? 10 : 1);
  }
  return euros * 100 + cents;
}

}  // namespace ent::console
