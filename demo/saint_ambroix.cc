#include "demo/saint_ambroix.h"

#include "absl/time/civil_time.h"

namespace ent::demo {
namespace {

namespace v1 = ::ent::convention::v1;

void SetDate(google::type::Date* d, int y, int m, int day) {
  d->set_year(y);
  d->set_month(m);
  d->set_day(day);
}

}  // namespace

v1::CreateConventionRequest SaintAmbroixCreate() {
  v1::CreateConventionRequest req;
  req.set_convention_id(kSaintAmbroixId);
  req.set_request_id("seed-30227-2021-create");
  v1::Convention* c = req.mutable_convention();
  v1::Party* academie = c->mutable_academie();
  academie->set_name("Académie de Montpellier");
  academie->set_address("31, rue de l'Université 34064 Montpellier Cedex 2");
  academie->set_representative("Sophie Béjean");
  academie->set_capacity(
      "Rectrice de la région académique Occitanie, Recteur de l'académie de Montpellier, "
      "Chancelière des universités");
  v1::Commune* commune = c->mutable_commune();
  commune->set_insee_code("30227");
  commune->set_siren("213002272");
  commune->mutable_party()->set_name("Commune de Saint-Ambroix");
  commune->mutable_party()->set_address("1 boulevard du Portalet - BP 66 30500 Saint-Ambroix");
  commune->mutable_party()->set_representative("Jean-Pierre DE FARIA");
  commune->mutable_party()->set_capacity("Maire");
  c->set_school_year("2021-2022");
  SetDate(c->mutable_end_date(), 2022, 9, 1);  // Article 3
  v1::School* maternelle = c->add_schools();
  maternelle->set_uai("0300673U");
  maternelle->set_name("SAINT-AMBROIX / ECOLE MATERNELLE PUBLIQUE / FLORIAN");
  maternelle->set_type(v1::SCHOOL_TYPE_MATERNELLE);
  v1::School* elementaire = c->add_schools();
  elementaire->set_uai("0301531B");
  elementaire->set_name("SAINT-AMBROIX / ECOLE ELEMENTAIRE PUBLIQUE / FLORIAN");
  elementaire->set_type(v1::SCHOOL_TYPE_ELEMENTAIRE);
  return req;
}

v1::RecordDeliberationRequest SaintAmbroixDeliberation() {
  v1::RecordDeliberationRequest req;
  req.set_name(std::string("conventions/") + kSaintAmbroixId);
  req.set_request_id("seed-30227-2021-deliberation");
  v1::Deliberation* d = req.mutable_deliberation();
  d->set_number("2021-100");
  SetDate(d->mutable_session_date(), 2021, 10, 27);
  d->set_council_members(23);
  d->set_members_present(18);
  d->set_members_absent(5);
  d->set_proxies(3);
  d->set_votes(21);
  d->set_votes_for(21);
  SetDate(d->mutable_transmitted_date(), 2021, 10, 29);
  SetDate(d->mutable_posted_date(), 2021, 10, 29);
  d->set_acknowledgement_id("030-21300217-20211027-2021100-DE");
  SetDate(d->mutable_stated_end_date(), 2022, 10, 31);  // the deliberation's own text
  return req;
}

v1::SignConventionRequest SaintAmbroixAcademieSignature() {
  v1::SignConventionRequest req;
  req.set_name(std::string("conventions/") + kSaintAmbroixId);
  req.set_request_id("seed-30227-2021-sign-academie");
  v1::Signature* s = req.mutable_signature();
  s->set_party(v1::PARTY_ROLE_ACADEMIE);
  SetDate(s->mutable_date(), 2021, 10, 11);
  s->set_signatory("Sophie Béjean");
  s->set_capacity("Rectrice de l'académie de Montpellier");
  s->set_place("Montpellier");
  return req;
}

v1::SignConventionRequest SaintAmbroixCommuneSignature() {
  v1::SignConventionRequest req;
  req.set_name(std::string("conventions/") + kSaintAmbroixId);
  req.set_request_id("seed-30227-2021-sign-commune");
  v1::Signature* s = req.mutable_signature();
  s->set_party(v1::PARTY_ROLE_COMMUNE);
  SetDate(s->mutable_date(), 2021, 11, 3);
  s->set_signatory("Jean-Pierre DE FARIA");
  s->set_capacity("Maire");
  s->set_place("Saint-Ambroix");
  return req;
}

CurrentYearRequests SaintAmbroixCurrentYear(int year, int month, int day) {
  const absl::CivilDay today(year, month, day);
  const int first = static_cast<int>(month >= 9 ? year : year - 1);
  auto set = [](google::type::Date* d, absl::CivilDay c) {
    SetDate(d, static_cast<int>(c.year()), c.month(), c.day());
  };
  CurrentYearRequests r;
  r.school_year = std::to_string(first) + "-" + std::to_string(first + 1);
  const std::string id = std::string("30227-") + std::to_string(first);
  r.create = SaintAmbroixCreate();
  r.create.set_convention_id(id);
  r.create.set_request_id("seed-" + id + "-create");
  r.create.mutable_convention()->set_school_year(r.school_year);
  SetDate(r.create.mutable_convention()->mutable_end_date(), first + 1, 8, 31);
  r.create.mutable_convention()->set_renews(std::string("conventions/") + kSaintAmbroixId);

  r.deliberation = SaintAmbroixDeliberation();
  r.deliberation.set_name("conventions/" + id);
  r.deliberation.set_request_id("seed-" + id + "-deliberation");
  auto* d = r.deliberation.mutable_deliberation();
  d->set_number(std::to_string(first) + "-100");
  set(d->mutable_session_date(), today - 30);
  set(d->mutable_transmitted_date(), today - 28);
  set(d->mutable_posted_date(), today - 28);
  d->set_acknowledgement_id("030-21300217-" + std::to_string(first) + "100-DE");
  SetDate(d->mutable_stated_end_date(), first + 1, 8, 31);

  r.academie = SaintAmbroixAcademieSignature();
  r.academie.set_name("conventions/" + id);
  r.academie.set_request_id("seed-" + id + "-sign-academie");
  set(r.academie.mutable_signature()->mutable_date(), today - 26);
  r.commune = SaintAmbroixCommuneSignature();
  r.commune.set_name("conventions/" + id);
  r.commune.set_request_id("seed-" + id + "-sign-commune");
  set(r.commune.mutable_signature()->mutable_date(), today - 20);
  return r;
}

}  // namespace ent::demo
