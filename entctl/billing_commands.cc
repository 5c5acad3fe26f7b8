// entctl commands for billing: tariffs, titres, campaigns, payments,
// corrections, statements, numbering; and the online backup of both services.
#include <chrono>
#include <cstdio>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "entctl/commands.h"
#include "entctl/output.h"

namespace ent::entctl {
namespace {

namespace v1 = ::ent::billing::v1;
using internal::Done;
using internal::ParseEnum;
using internal::ToDate;

std::string StateOf(v1::Titre::State s) { return EnumName(v1::Titre::State_Name(s), "STATE_"); }

void TitreRow(Table& t, const v1::Titre& x) {
  t.Add({x.name(), x.debtor().insee_code(), x.debtor().name(), x.school_year(),
         EnumName(v1::Titre::Kind_Name(x.kind()), "KIND_"), Date(x.issue_date()),
         Euros(x.total_cents()), Euros(x.balance_cents()), StateOf(x.state())});
}

Table TitreTable() {
  return Table({"TITRE", "INSEE", "DEBTOR", "YEAR", "KIND", "ISSUED", "TOTAL", "BALANCE", "STATE"},
               "no titres");
}

int PrintTitre(Client& client, const grpc::Status& st, const v1::Titre& x) {
  return Done(client, st, x, [&] {
    std::printf("titre de perception %s — %s\n", x.number().c_str(), StateOf(x.state()).c_str());
    std::printf("debtor: %s (INSEE %s, SIREN %s), %s\n", x.debtor().name().c_str(),
                x.debtor().insee_code().c_str(), x.debtor().siren().c_str(),
                x.debtor().address().c_str());
    std::printf("basis: %s, %s, school year %s; %s\n", x.convention().c_str(),
                x.legal_basis().c_str(), x.school_year().c_str(), x.vat_treatment().c_str());
    Table lines({"UAI", "SCHOOL", "UNIT PRICE", "AMOUNT"});
    for (const auto& l : x.lines()) {
      lines.Add({l.uai(), l.name(), Euros(l.unit_price_cents()), Euros(l.amount_cents())});
    }
    std::printf("%s", lines.Render().c_str());
    std::printf("total %s TTC; corrected %s; paid %s; balance %s\n", Euros(x.total_cents()).c_str(),
                Euros(x.corrected_cents()).c_str(), Euros(x.paid_cents()).c_str(),
                Euros(x.balance_cents()).c_str());
    std::printf("issued %s by %s, %s\n", Date(x.issue_date()).c_str(), x.issuing_officer().c_str(),
                x.issuing_officer_capacity().c_str());
    std::printf("payment: %s\nappeal: %s\n", x.payment_terms().c_str(), x.appeal_routes().c_str());
  });
}

int TariffSet(Client& client, Args& args) {
  v1::SetTariffRequest req;
  ENTCTL_TRY(year, args.Next("SCHOOL_YEAR"));
  ENTCTL_TRY(price, args.Int("price-cents", 0));
  ENTCTL_TRY(basis, args.Required("legal-basis"));
  req.mutable_tariff()->set_school_year(year);
  req.mutable_tariff()->set_unit_price_cents(price);
  req.mutable_tariff()->set_legal_basis(basis);
  req.mutable_tariff()->set_vat_treatment(args.Get("vat"));
  if (auto st = internal::Mutating(args, req); !st.ok()) return internal::UsageError(st);
  v1::Tariff out;
  grpc::Status st = client.billing().SetTariff(client.Context().get(), req, &out);
  return Done(client, st, out, [&] {
    std::printf("%s: %s per school (%s); %s\n", out.name().c_str(), Euros(out.unit_price_cents()).c_str(),
                out.legal_basis().c_str(), out.vat_treatment().c_str());
  });
}

int TariffShow(Client& client, Args& args) {
  ENTCTL_TRY(year, args.Next("SCHOOL_YEAR"));
  if (auto st = args.CheckAllUsed(); !st.ok()) return internal::UsageError(st);
  v1::GetTariffRequest req;
  req.set_name("tariffs/" + year);
  v1::Tariff out;
  grpc::Status st = client.billing().GetTariff(client.Context().get(), req, &out);
  return Done(client, st, out, [&] {
    std::printf("%s: %s per school (%s); %s%s\n", out.name().c_str(), Euros(out.unit_price_cents()).c_str(),
                out.legal_basis().c_str(), out.vat_treatment().c_str(), out.locked() ? "; locked" : "");
  });
}

int TitreIssue(Client& client, Args& args) {
  v1::IssueTitreRequest req;
  ENTCTL_TRY(convention, args.Next("CONVENTION"));
  ENTCTL_TRY(year, args.Required("school-year"));
  req.set_convention(internal::ConventionName(convention));
  req.set_school_year(year);
  if (auto st = internal::Mutating(args, req); !st.ok()) return internal::UsageError(st);
  v1::Titre out;
  return PrintTitre(client, client.billing().IssueTitre(client.Context().get(), req, &out), out);
}

int TitreShow(Client& client, Args& args) {
  ENTCTL_TRY(name, args.Next("TITRE (titres/YYYY-NNNNNN)"));
  if (auto st = args.CheckAllUsed(); !st.ok()) return internal::UsageError(st);
  v1::GetTitreRequest req;
  req.set_name(internal::TitreName(name));
  v1::Titre out;
  return PrintTitre(client, client.billing().GetTitre(client.Context().get(), req, &out), out);
}

int TitrePdf(Client& client, Args& args) {
  ENTCTL_TRY(name, args.Next("TITRE (titres/YYYY-NNNNNN)"));
  const std::string out = args.Get("out");
  if (auto st = args.CheckAllUsed(); !st.ok()) return internal::UsageError(st);
  v1::GetTitreDocumentRequest req;
  req.set_name(internal::TitreName(name));
  ent::document::v1::Document doc;
  return internal::SaveDocument(
      client, client.billing().GetTitreDocument(client.Context().get(), req, &doc), doc, out);
}

int TitresList(Client& client, Args& args) {
  v1::ListTitresRequest req;
  ENTCTL_TRY(commune, internal::ResolveCommune(args.Get("commune")));
  req.set_commune_insee_code(commune);
  req.set_school_year(args.Get("school-year"));
  if (args.Has("state")) {
    const int s = ParseEnum(v1::Titre::State_descriptor(), "STATE_", args.Get("state"));
    if (s < 0) return internal::UsageError(absl::InvalidArgumentError(absl::StrCat("--state: '", args.Get("state"), "' is not a titre state: ", internal::EnumChoices(v1::Titre::State_descriptor(), "STATE_"))));
    req.set_state(static_cast<v1::Titre::State>(s));
  }
  req.set_page_size(1000);
  if (auto st = args.CheckAllUsed(); !st.ok()) return internal::UsageError(st);
  v1::ListTitresResponse all;
  do {
    v1::ListTitresResponse page;
    grpc::Status st = client.billing().ListTitres(client.Context().get(), req, &page);
    if (!st.ok()) return PrintError(st);
    for (auto& t : *page.mutable_titres()) *all.add_titres() = std::move(t);
    req.set_page_token(page.next_page_token());
  } while (!req.page_token().empty());
  return Done(client, grpc::Status::OK, all, [&] {
    Table t = TitreTable();
    for (const auto& x : all.titres()) TitreRow(t, x);
    std::printf("%s", t.Render().c_str());
  });
}

int Campaign(Client& client, Args& args) {
  v1::RunBillingCampaignRequest req;
  ENTCTL_TRY(year, args.Next("SCHOOL_YEAR"));
  req.set_school_year(year);
  if (auto st = internal::Mutating(args, req); !st.ok()) return internal::UsageError(st);
  v1::RunBillingCampaignResponse out;
  auto ctx = client.Context();
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(10));
  grpc::Status st = client.billing().RunBillingCampaign(ctx.get(), req, &out);
  return Done(client, st, out, [&] {
    std::printf("campaign %s: %lld titre(s) issued for %s, %lld convention(s) skipped\n",
                year.c_str(), static_cast<long long>(out.issued_count()),
                Euros(out.issued_total_cents()).c_str(), static_cast<long long>(out.skipped_count()));
    for (const auto& name : out.issued()) std::printf("  issued  %s\n", name.c_str());
    if (out.issued_count() > out.issued_size()) {
      std::printf("  … and %lld more (entctl titres list --school-year %s)\n",
                  static_cast<long long>(out.issued_count() - out.issued_size()), year.c_str());
    }
    for (const auto& s : out.skipped()) {
      std::printf("  skipped %s: %s\n", s.convention().c_str(), s.reason().c_str());
    }
    if (out.skipped_count() > out.skipped_size()) {
      std::printf("  … and %lld more skipped\n",
                  static_cast<long long>(out.skipped_count() - out.skipped_size()));
    }
  });
}

int Payment(Client& client, Args& args) {
  v1::RecordPaymentRequest req;
  ENTCTL_TRY(titre, args.Next("TITRE"));
  req.set_titre(internal::TitreName(titre));
  ENTCTL_TRY(amount, args.Int("amount-cents", 0));
  ENTCTL_TRY(date, args.RequiredDate("date"));
  ENTCTL_TRY(reference, args.Required("reference"));
  req.mutable_payment()->set_amount_cents(amount);
  *req.mutable_payment()->mutable_received_date() = ToDate(date);
  req.mutable_payment()->set_reference(reference);
  if (auto st = internal::Mutating(args, req); !st.ok()) return internal::UsageError(st);
  v1::Payment out;
  grpc::Status st = client.billing().RecordPayment(client.Context().get(), req, &out);
  return Done(client, st, out, [&] {
    std::printf("%s: %s received %s (%s)\n", out.name().c_str(), Euros(out.amount_cents()).c_str(),
                Date(out.received_date()).c_str(), out.reference().c_str());
  });
}

int Correction(Client& client, Args& args) {
  v1::CreateCorrectionRequest req;
  ENTCTL_TRY(titre, args.Next("TITRE"));
  req.set_titre(internal::TitreName(titre));
  ENTCTL_TRY(kind, args.Required("kind"));
  const int k = ParseEnum(v1::Correction::Kind_descriptor(), "KIND_", kind);
  if (k < 0) return internal::UsageError(absl::InvalidArgumentError("--kind: reduction or annulation"));
  ENTCTL_TRY(amount, args.Int("amount-cents", 0));
  ENTCTL_TRY(reason, args.Required("reason"));
  ENTCTL_TRY(justification, args.Required("justification"));
  auto* c = req.mutable_correction();
  c->set_kind(static_cast<v1::Correction::Kind>(k));
  c->set_amount_cents(amount);
  c->set_reason(reason);
  c->set_justification(justification);
  if (auto st = internal::Mutating(args, req); !st.ok()) return internal::UsageError(st);
  v1::Correction out;
  grpc::Status st = client.billing().CreateCorrection(client.Context().get(), req, &out);
  return Done(client, st, out, [&] {
    std::printf("%s: %s of %s (%s)\n", out.name().c_str(),
                EnumName(v1::Correction::Kind_Name(out.kind()), "KIND_").c_str(),
                Euros(out.amount_cents()).c_str(), out.reason().c_str());
  });
}

int StatementCmd(Client& client, Args& args) {
  ENTCTL_TRY(given, args.Next("COMMUNE (INSEE code or name)"));
  ENTCTL_TRY(insee, internal::ResolveCommune(given));
  if (auto st = args.CheckAllUsed(); !st.ok()) return internal::UsageError(st);
  v1::GetStatementRequest req;
  req.set_commune_insee_code(insee);
  v1::Statement out;
  grpc::Status st = client.billing().GetStatement(client.Context().get(), req, &out);
  return Done(client, st, out, [&] {
    std::printf("statement of commune %s\n", out.commune_insee_code().c_str());
    Table t = TitreTable();
    for (const auto& e : out.entries()) TitreRow(t, e.titre());
    std::printf("%s", t.Render().c_str());
    for (const auto& e : out.entries()) {
      for (const auto& p : e.payments()) {
        std::printf("  payment    %s %s %s (%s)\n", p.name().c_str(), Date(p.received_date()).c_str(),
                    Euros(p.amount_cents()).c_str(), p.reference().c_str());
      }
      for (const auto& c : e.corrections()) {
        std::printf("  correction %s %s %s (%s)\n", c.name().c_str(), Date(c.date()).c_str(),
                    Euros(c.amount_cents()).c_str(), c.reason().c_str());
      }
    }
    std::printf("total %s; corrected %s; paid %s; balance %s\n", Euros(out.total_cents()).c_str(),
                Euros(out.corrected_cents()).c_str(), Euros(out.paid_cents()).c_str(),
                Euros(out.balance_cents()).c_str());
  });
}

int Numbering(Client& client, Args& args) {
  ENTCTL_TRY(year_text, args.Next("YEAR"));
  int year = 0;
  if (!absl::SimpleAtoi(year_text, &year)) {
    return internal::UsageError(absl::InvalidArgumentError("YEAR: a calendar year, e.g. 2021"));
  }
  if (auto st = args.CheckAllUsed(); !st.ok()) return internal::UsageError(st);
  v1::CheckNumberingRequest req;
  req.set_year(year);
  v1::CheckNumberingResponse out;
  grpc::Status st = client.billing().CheckNumbering(client.Context().get(), req, &out);
  return Done(client, st, out, [&] {
    std::printf("%d: %lld titre(s), last number %d-%06lld, %d gap(s), %d duplicate(s)\n", year,
                static_cast<long long>(out.count()), year, static_cast<long long>(out.last_sequence()),
                out.gaps_size(), out.duplicates_size());
  });
}

}  // namespace

// "1.2 MB".
std::string Bytes(int64_t n) {
  if (n < 1024) return absl::StrCat(n, " bytes");
  if (n < 1024 * 1024) return absl::StrFormat("%.1f KB", n / 1024.0);
  return absl::StrFormat("%.1f MB", n / (1024.0 * 1024.0));
}

// Backs up both databases while they serve; prints where each copy went.
int AdminBackup(Client& client, Args& args) {
  if (auto st = args.CheckAllUsed(); !st.ok()) return internal::UsageError(st);
  int exit_code = 0;
  for (const bool billing : {false, true}) {
    ent::admin::v1::Backup backup;
    auto ctx = client.Context();
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(30));  // large databases
    const grpc::Status st =
        client.admin(billing).CreateBackup(ctx.get(), ent::admin::v1::CreateBackupRequest(), &backup);
    const char* service = billing ? "billing-service" : "convention-service";
    if (!st.ok()) {
      std::fprintf(stderr, "%s: ", service);
      exit_code = PrintError(st);
      continue;
    }
    if (client.settings().json) {
      PrintJson(backup);
      continue;
    }
    std::printf("%s: %s (%s, schema %d, integrity %s)\n", service, backup.path().c_str(),
                Bytes(backup.size_bytes()).c_str(), backup.schema_version(),
                backup.integrity().c_str());
    for (const auto& old : backup.deleted()) std::printf("  deleted the older %s\n", old.c_str());
  }
  if (exit_code == 0 && !client.settings().json) {
    std::printf("restore: stop the service, copy the file to its data directory as its database "
                "(convention.db or billing.db, with no -wal or -shm beside it), start it\n");
  }
  return exit_code;
}

void AddBillingCommands(Commands& c) {
  c["tariff set"] = {TariffSet, "tariff set YEAR --price-cents N --legal-basis B [--vat TEXT]",
      R"(Sets the price per school of a school year (finance), before its first titre.
  YEAR              the school year, 2021-2022
  --price-cents N   price per school, TTC, in cents (5000 = 50,00 €)
  --legal-basis B   the text the titres cite as their basis
  --vat TEXT        the VAT treatment printed on the titres (default: not applicable, art. 256 B CGI)
Example: entctl tariff set 2022-2023 --price-cents 5000 --legal-basis "Convention ENT-école, articles 5 à 7")"};
  c["tariff show"] = {TariffShow, "tariff show YEAR",
      R"(Shows a school year's tariff.
  YEAR   the school year, 2021-2022
Example: entctl tariff show 2021-2022)"};
  c["titre issue"] = {TitreIssue, "titre issue CONVENTION --school-year Y",
      R"(Issues the titre of a convention for a school year (finance): one line per school due.
  CONVENTION        conventions/30227-2021 or 30227-2021
  --school-year Y   the school year billed, 2021-2022
Example: entctl titre issue 30227-2021 --school-year 2021-2022)"};
  c["titre show"] = {TitreShow, "titre show TITRE",
      R"(Shows a titre: lines, payments, corrections, balance.
  TITRE   titres/2021-000001 or 2021-000001
Example: entctl titre show 2021-000001)"};
  c["titre pdf"] = {TitrePdf, "titre pdf TITRE [-o FILE]       the titre as the PDF sent to the commune",
      R"(Writes the titre as the PDF sent to the commune.
  TITRE     titres/2021-000001 or 2021-000001
  -o FILE   where to write it (default: its own file name in the current directory; - for stdout)
Example: entctl titre pdf 2021-000001 -o /tmp/titre.pdf)"};
  c["titres list"] = {TitresList, "titres list [--commune INSEE] [--school-year Y] [--state S]",
      R"(Lists titres, by number.
  --commune INSEE   a commune's (INSEE code, or its name)
  --school-year Y   a school year's, 2021-2022
  --state S         issued, partially-paid, paid, reduced or cancelled
Example: entctl titres list --commune 30227 --school-year 2021-2022)"};
  c["campaign run"] = {Campaign, "campaign run YEAR",
      R"(Issues every titre due for a school year (finance); safe to run again: what is billed is not billed twice.
  YEAR   the school year, 2021-2022
Example: entctl campaign run 2022-2023)"};
  c["payment record"] = {Payment, "payment record TITRE --amount-cents N --date D --reference R",
      R"(Records a payment received on a titre (finance). A reference is recorded once per titre.
  TITRE              titres/2021-000001 or 2021-000001
  --amount-cents N   the amount received, in cents (4000 = 40,00 €), at most what remains due
  --date D           the day it was received, YYYY-MM-DD, not after today
  --reference R      the transfer's reference (VIR-…)
Example: entctl payment record 2021-000001 --amount-cents 4000 --date 2021-11-03 --reference VIR-1)"};
  c["correction create"] = {Correction, "correction create TITRE --kind reduction|annulation [--amount-cents N] --reason R --justification J",
      R"(Corrects an error on a titre (finance): a réduction of part of what remains due, or an annulation of all of it.
  TITRE              titres/2021-000001 or 2021-000001
  --kind K           reduction or annulation (an annulation only when nothing was paid)
  --amount-cents N   the réduction, in cents (not for an annulation: the service computes it)
  --reason R         the error corrected
  --justification J  the supporting document
Example: entctl correction create 2021-000001 --kind reduction --amount-cents 5000 --reason "école fermée" --justification "arrêté du 2 mai")"};
  c["statement"] = {StatementCmd, "statement INSEE               a commune's titres, payments, corrections, balance",
      R"(A commune's titres, payments, corrections and balance.
  INSEE   the commune's INSEE code, or its name
Example: entctl statement 30227)"};
  c["numbering check"] = {Numbering, "numbering check YEAR",
      R"(Checks that a year's titre numbers run without gap or duplicate.
  YEAR   the calendar year of issue, 2021
Example: entctl numbering check 2021)"};
  c["admin backup"] = {AdminBackup, "admin backup                  online backup of both databases (support staff)",
      R"(Takes an online backup of both services' SQLite databases (support staff); on PostgreSQL, says that its tools take them.
Example: entctl admin backup)"};
}

}  // namespace ent::entctl
