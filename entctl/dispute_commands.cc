// entctl commands for disputes (Article 8).
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "entctl/commands.h"
#include "entctl/output.h"

namespace ent::entctl {
namespace {

namespace v1 = ::ent::convention::v1;
using internal::Done;
using internal::ParseEnum;
using internal::ToDate;

// What happened, and what may be done next (Article 8).
std::string NextStep(const v1::Dispute& d) {
  const std::string short_name = d.name().substr(std::string("conventions/").size());
  const std::string conciliation_due = Date(d.conciliation_deadline().last_day());
  switch (d.state()) {
    case v1::Dispute::STATE_AWAITING_CONCILIATION:
      return absl::StrCat("next: hold the conciliation and record its outcome by ", conciliation_due,
                          " (entctl dispute conciliation ", short_name,
                          " --date D --outcome resolved|failed); without one it lapses when that "
                          "day ends");
    case v1::Dispute::STATE_CONCILIATION_FAILED:
    case v1::Dispute::STATE_CONCILIATION_LAPSED:
      return absl::StrCat(
          d.state() == v1::Dispute::STATE_CONCILIATION_LAPSED
              ? absl::StrCat("lapsed: no conciliation was recorded by ", conciliation_due)
              : std::string("the conciliation failed"),
          "; next: either party may send its termination letter (entctl dispute terminate ",
          short_name, " --party P --reasons R --letter-ref L --sent D); the convention ends 15 "
          "days after it is sent");
    case v1::Dispute::STATE_TERMINATING:
      return absl::StrCat("terminating: the convention ends when ",
                          Date(d.termination().effective_deadline().last_day()),
                          " ends; nothing more to do (withdraw the dispute to stop it)");
    case v1::Dispute::STATE_TERMINATED:
      return absl::StrCat("terminated: the convention ended on ",
                          Date(d.termination().effective_deadline().last_day()));
    case v1::Dispute::STATE_RESOLVED:
      return "resolved at the conciliation: closed";
    case v1::Dispute::STATE_WITHDRAWN:
      return "withdrawn: closed";
    default:
      return "";
  }
}

int PrintDispute(Client& client, const grpc::Status& st, const v1::Dispute& d) {
  return Done(client, st, d, [&] {
    std::printf("%s  %s, formal notice from the %s sent %s (%s)\n", d.name().c_str(),
                EnumName(v1::Dispute::State_Name(d.state()), "STATE_").c_str(),
                EnumName(v1::PartyRole_Name(d.party()), "PARTY_ROLE_").c_str(),
                Date(d.notice_sent_date()).c_str(), d.notice_reference().c_str());
    std::printf("grievances: %s\n", d.grievances().c_str());
    if (d.has_opened_by()) std::printf("opened by %s\n", d.opened_by().actor().c_str());
    std::printf("conciliation due by %s: %s\n", Date(d.conciliation_deadline().last_day()).c_str(),
                d.conciliation_deadline().explanation().c_str());
    if (d.has_conciliation()) {
      std::printf("conciliation held %s: %s\n", Date(d.conciliation().meeting_date()).c_str(),
                  EnumName(v1::ConciliationOutcome_Name(d.conciliation().outcome()),
                           "CONCILIATION_OUTCOME_").c_str());
      if (d.conciliation().has_recorded_by()) {
        std::printf("  recorded by %s\n", d.conciliation().recorded_by().actor().c_str());
      }
    }
    if (d.has_termination()) {
      std::printf("termination notice sent %s (%s); effective at the expiry of %s: %s\n",
                  Date(d.termination().sent_date()).c_str(),
                  d.termination().letter_reference().c_str(),
                  Date(d.termination().effective_deadline().last_day()).c_str(),
                  d.termination().effective_deadline().explanation().c_str());
      if (d.termination().has_sent_by()) {
        std::printf("  recorded by %s\n", d.termination().sent_by().actor().c_str());
      }
    }
    std::printf("%s\n", NextStep(d).c_str());
  });
}

absl::StatusOr<v1::PartyRole> Party(Args& args) {
  auto party = args.Required("party");
  if (!party.ok()) return party.status();
  const int p = ParseEnum(v1::PartyRole_descriptor(), "PARTY_ROLE_", *party);
  if (p < 0) return absl::InvalidArgumentError("--party: academie or commune");
  return static_cast<v1::PartyRole>(p);
}

int Open(Client& client, Args& args) {
  v1::OpenDisputeRequest req;
  ENTCTL_TRY(given_convention, args.Next("CONVENTION"));
  const std::string convention = internal::ConventionName(given_convention);
  req.set_parent(convention);
  ENTCTL_TRY(party, Party(args));
  ENTCTL_TRY(grievances, args.Required("grievances"));
  ENTCTL_TRY(reference, args.Required("notice-ref"));
  ENTCTL_TRY(sent, args.RequiredDate("sent"));
  ENTCTL_TRY(ack, args.OptionalDate("acknowledged"));
  auto* d = req.mutable_dispute();
  d->set_party(party);
  d->set_grievances(grievances);
  d->set_notice_reference(reference);
  *d->mutable_notice_sent_date() = ToDate(sent);
  if (ack) *d->mutable_notice_acknowledged_date() = ToDate(*ack);
  if (auto st = internal::Mutating(args, req); !st.ok()) return internal::UsageError(st);
  v1::Dispute out;
  return PrintDispute(client, client.conventions().OpenDispute(client.Context().get(), req, &out), out);
}

int Letter(Client& client, Args& args) {
  ENTCTL_TRY(given, args.Next("NAME"));
  ENTCTL_TRY(kind_text, args.Required("kind"));
  const std::string out = args.Get("out");
  if (auto st = args.CheckAllUsed(); !st.ok()) return internal::UsageError(st);
  v1::GetDisputeLetterRequest req;
  req.set_name(internal::DisputeName(given));
  if (kind_text == "notice") {
    req.set_kind(v1::DISPUTE_LETTER_KIND_NOTICE);
  } else if (kind_text == "termination") {
    req.set_kind(v1::DISPUTE_LETTER_KIND_TERMINATION);
  } else if (kind_text == "conciliation") {
    req.set_kind(v1::DISPUTE_LETTER_KIND_CONCILIATION_RECORD);
  } else {
    return internal::UsageError(absl::InvalidArgumentError(absl::StrCat(
        "--kind: '", kind_text, "' is not a letter: notice, termination or conciliation")));
  }
  ent::document::v1::Document doc;
  return internal::SaveDocument(
      client, client.conventions().GetDisputeLetter(client.Context().get(), req, &doc), doc, out);
}

int Show(Client& client, Args& args) {
  ENTCTL_TRY(given, args.Next("NAME"));
  const std::string name = internal::DisputeName(given);
  if (auto st = args.CheckAllUsed(); !st.ok()) return internal::UsageError(st);
  v1::GetDisputeRequest req;
  req.set_name(name);
  v1::Dispute out;
  return PrintDispute(client, client.conventions().GetDispute(client.Context().get(), req, &out), out);
}

int List(Client& client, Args& args) {
  v1::ListDisputesRequest req;
  req.set_parent(args.Has("convention") ? internal::ConventionName(args.Get("convention"))
                                        : "conventions/-");
  if (args.Has("state")) {
    const int s = ParseEnum(v1::Dispute::State_descriptor(), "STATE_", args.Get("state"));
    if (s < 0) return internal::UsageError(absl::InvalidArgumentError(absl::StrCat("--state: '", args.Get("state"), "' is not a dispute state: ", internal::EnumChoices(v1::Dispute::State_descriptor(), "STATE_"))));
    req.set_state(static_cast<v1::Dispute::State>(s));
  }
  ENTCTL_TRY(before, args.OptionalDate("deadline-before"));
  if (before) *req.mutable_deadline_before() = ToDate(*before);
  req.set_page_size(1000);
  if (auto st = args.CheckAllUsed(); !st.ok()) return internal::UsageError(st);
  v1::ListDisputesResponse resp;
  grpc::Status st = client.conventions().ListDisputes(client.Context().get(), req, &resp);
  return Done(client, st, resp, [&] {
    Table t({"NAME", "STATE", "PARTY", "NOTICE SENT", "CONCILIATION DUE"}, "no disputes");
    for (const auto& d : resp.disputes()) {
      t.Add({d.name(), EnumName(v1::Dispute::State_Name(d.state()), "STATE_"),
             EnumName(v1::PartyRole_Name(d.party()), "PARTY_ROLE_"), Date(d.notice_sent_date()),
             Date(d.conciliation_deadline().last_day())});
    }
    std::printf("%s", t.Render().c_str());
  });
}

int Conciliation(Client& client, Args& args) {
  v1::RecordConciliationRequest req;
  ENTCTL_TRY(given, args.Next("NAME"));
  const std::string name = internal::DisputeName(given);
  req.set_name(name);
  ENTCTL_TRY(date, args.RequiredDate("date"));
  ENTCTL_TRY(outcome, args.Required("outcome"));
  const int o = ParseEnum(v1::ConciliationOutcome_descriptor(), "CONCILIATION_OUTCOME_", outcome);
  if (o < 0) return internal::UsageError(absl::InvalidArgumentError("--outcome: resolved or failed"));
  *req.mutable_conciliation()->mutable_meeting_date() = ToDate(date);
  req.mutable_conciliation()->set_outcome(static_cast<v1::ConciliationOutcome>(o));
  req.mutable_conciliation()->set_notes(args.Get("notes"));
  req.set_etag(args.Get("etag"));
  if (auto st = internal::Mutating(args, req); !st.ok()) return internal::UsageError(st);
  v1::Dispute out;
  return PrintDispute(client, client.conventions().RecordConciliation(client.Context().get(), req, &out), out);
}

int Terminate(Client& client, Args& args) {
  v1::SendTerminationNoticeRequest req;
  ENTCTL_TRY(given, args.Next("NAME"));
  const std::string name = internal::DisputeName(given);
  req.set_name(name);
  ENTCTL_TRY(party, Party(args));
  ENTCTL_TRY(reasons, args.Required("reasons"));
  ENTCTL_TRY(letter, args.Required("letter-ref"));
  ENTCTL_TRY(sent, args.RequiredDate("sent"));
  auto* t = req.mutable_termination();
  t->set_party(party);
  t->set_reasons(reasons);
  t->set_letter_reference(letter);
  *t->mutable_sent_date() = ToDate(sent);
  req.set_etag(args.Get("etag"));
  if (auto st = internal::Mutating(args, req); !st.ok()) return internal::UsageError(st);
  v1::Dispute out;
  return PrintDispute(client, client.conventions().SendTerminationNotice(client.Context().get(), req, &out), out);
}

int Withdraw(Client& client, Args& args) {
  v1::WithdrawDisputeRequest req;
  ENTCTL_TRY(given, args.Next("NAME"));
  const std::string name = internal::DisputeName(given);
  req.set_name(name);
  req.set_reason(args.Get("reason"));
  req.set_etag(args.Get("etag"));
  if (auto st = internal::Mutating(args, req); !st.ok()) return internal::UsageError(st);
  v1::Dispute out;
  return PrintDispute(client, client.conventions().WithdrawDispute(client.Context().get(), req, &out), out);
}

int Correct(Client& client, Args& args) {
  v1::CorrectDisputeDateRequest req;
  ENTCTL_TRY(given, args.Next("NAME"));
  const std::string name = internal::DisputeName(given);
  req.set_name(name);
  ENTCTL_TRY(field, args.Required("field"));
  const int f = ParseEnum(v1::DisputeDateField_descriptor(), "DISPUTE_DATE_FIELD_", field);
  if (f < 0) {
    return internal::UsageError(absl::InvalidArgumentError(
        "--field: notice-sent, notice-acknowledged, conciliation-meeting or termination-sent"));
  }
  req.set_field(static_cast<v1::DisputeDateField>(f));
  ENTCTL_TRY(date, args.RequiredDate("date"));
  *req.mutable_date() = ToDate(date);
  req.set_reason(args.Get("reason"));
  req.set_etag(args.Get("etag"));
  if (auto st = internal::Mutating(args, req); !st.ok()) return internal::UsageError(st);
  v1::Dispute out;
  return PrintDispute(client, client.conventions().CorrectDisputeDate(client.Context().get(), req, &out), out);
}

}  // namespace

void AddDisputeCommands(Commands& c) {
  c["dispute open"] = {Open, "dispute open CONVENTION --party P --grievances G --notice-ref R --sent D [--acknowledged D]",
      R"(Records a formal notice (mise en demeure, Article 8): the dispute opens and a conciliation is due within one month.
  CONVENTION         conventions/30227-2021 or 30227-2021 (in force)
  --party P          who sends it, the aggrieved party: academie or commune
  --grievances G     the failings, as written in the letter
  --notice-ref R     the registered letter's number (LRAR 1A 234 567 8901 2)
  --sent D           the day it was sent, YYYY-MM-DD, not after today: the delay runs from it
  --acknowledged D   the day the acknowledgement of receipt was signed, if known (not before --sent)
Example: entctl dispute open 30227-2021 --party commune --grievances "comptes non activés" --notice-ref "LRAR 1A 234" --sent 2022-03-31)"};
  c["dispute show"] = {Show, "dispute show NAME",
      R"(Shows a dispute, its deadlines with their computation, and what may be done next.
  NAME   conventions/30227-2021/disputes/1 or 30227-2021/1
Example: entctl dispute show 30227-2021/1)"};
  c["dispute letter"] = {Letter, "dispute letter NAME --kind notice|termination|conciliation [-o FILE]   the Article 8 letter or record (PDF)",
      R"(Writes an Article 8 document as a PDF.
  NAME      conventions/30227-2021/disputes/1 or 30227-2021/1
  --kind K  notice (the mise en demeure), termination (the letter) or conciliation (the record)
  -o FILE   where to write it (default: its own file name; - for stdout)
Example: entctl dispute letter 30227-2021/1 --kind notice -o /tmp/mise-en-demeure.pdf)"};
  c["disputes list"] = {List, "disputes list [--convention NAME] [--state S] [--deadline-before D]",
      R"(Lists disputes.
  --convention NAME      one convention's
  --state S              awaiting-conciliation, resolved, conciliation-failed, conciliation-lapsed, terminating, terminated, withdrawn
  --deadline-before D    those whose conciliation is due before a day, YYYY-MM-DD
Example: entctl disputes list --state awaiting-conciliation)"};
  c["dispute conciliation"] = {Conciliation, "dispute conciliation NAME --date D --outcome resolved|failed [--notes N]",
      R"(Records the conciliation meeting and its outcome.
  NAME        conventions/30227-2021/disputes/1 or 30227-2021/1
  --date D    the day it was held, between the notice and today, by the deadline
  --outcome O resolved (the convention stays in force) or failed (termination may follow)
  --notes N   what was said
Example: entctl dispute conciliation 30227-2021/1 --date 2022-04-20 --outcome failed --notes "pas d'accord")"};
  c["dispute terminate"] = {Terminate, "dispute terminate NAME --party P --reasons R --letter-ref L --sent D",
      R"(Records the termination letter, after a failed or lapsed conciliation: the convention ends 15 days after it was sent.
  NAME            conventions/30227-2021/disputes/1 or 30227-2021/1
  --party P       who sends it: the party that sent the notice (academie or commune)
  --reasons R     the grounds, as written in the letter
  --letter-ref L  the registered letter's number
  --sent D        the day it was sent, YYYY-MM-DD, not before the conciliation failed, not after today
Example: entctl dispute terminate 30227-2021/1 --party commune --reasons "engagements non respectés" --letter-ref "LRAR 1A 235" --sent 2022-05-11)"};
  c["dispute withdraw"] = {Withdraw, "dispute withdraw NAME [--reason R]",
      R"(Withdraws an open dispute (a termination in progress is stopped; sums received are not refunded).
  NAME         conventions/30227-2021/disputes/1 or 30227-2021/1
  --reason R   why
Example: entctl dispute withdraw 30227-2021/1 --reason "accord trouvé")"};
  c["dispute correct"] = {Correct, "dispute correct NAME --field F --date D [--reason R]",
      R"(Corrects a date recorded wrongly; the deadlines that follow from it are computed again.
  NAME         conventions/30227-2021/disputes/1 or 30227-2021/1
  --field F    notice-sent, notice-acknowledged, conciliation-meeting or termination-sent
  --date D     the right date, YYYY-MM-DD, not after today
  --reason R   why
Example: entctl dispute correct 30227-2021/1 --field notice-sent --date 2022-03-30 --reason "date mal saisie")"};
}

}  // namespace ent::entctl
