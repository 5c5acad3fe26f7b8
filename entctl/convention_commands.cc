// entctl commands for conventions, deadlines and the simulated clock.
#include <cmath>
#include <cstdio>

#include <google/protobuf/util/json_util.h>

#include "absl/strings/numbers.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "entctl/commands.h"
#include "common/clock.h"
#include "entctl/output.h"
#include "workflow/calendar/legal_calendar.h"

namespace ent::entctl {
namespace {

namespace v1 = ::ent::convention::v1;
using internal::Done;
using internal::ParseEnum;
using internal::ToDate;

std::string StateOf(v1::Convention::State s) {
  return EnumName(v1::Convention::State_Name(s), "STATE_");
}

absl::StatusOr<std::string> ReadJsonInto(const std::string& path, google::protobuf::Message* m) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) return absl::NotFoundError(absl::StrCat("--file: cannot read ", path));
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) text.append(buf, n);
  std::fclose(f);
  auto st = google::protobuf::util::JsonStringToMessage(text, m);
  if (!st.ok()) return absl::InvalidArgumentError(absl::StrCat("--file ", path, ": ", st.ToString()));
  return text;
}

void PrintConventionRow(Table& t, const v1::Convention& c) {
  t.Add({c.name(), c.commune().insee_code(), c.commune().party().name(), c.school_year(),
         StateOf(c.state()), Date(c.effective_date()), Date(c.end_date()),
         absl::StrCat(c.schools_size())});
}

int List(Client& client, Args& args) {
  v1::ListConventionsRequest req;
  ENTCTL_TRY(commune, internal::ResolveCommune(args.Get("commune")));
  req.set_commune_insee_code(commune);
  req.set_school_year(args.Get("school-year"));
  if (args.Has("state")) {
    const int state = ParseEnum(v1::Convention::State_descriptor(), "STATE_", args.Get("state"));
    if (state < 0) return internal::UsageError(absl::InvalidArgumentError(absl::StrCat("--state: '", args.Get("state"), "' is not a convention state: ", internal::EnumChoices(v1::Convention::State_descriptor(), "STATE_"))));
    req.set_state(static_cast<v1::Convention::State>(state));
  }
  if (args.Has("with-warnings")) {
    args.Get("with-warnings");
    req.set_with_warnings(true);
  }
  ENTCTL_TRY(page_size, args.Int("page-size", 200));
  req.set_page_size(static_cast<int32_t>(page_size));
  if (auto st = args.CheckAllUsed(); !st.ok()) return internal::UsageError(st);
  v1::ListConventionsResponse all;
  do {
    v1::ListConventionsResponse page;
    grpc::Status st = client.conventions().ListConventions(client.Context().get(), req, &page);
    if (!st.ok()) return PrintError(st);
    for (auto& c : *page.mutable_conventions()) *all.add_conventions() = std::move(c);
    req.set_page_token(page.next_page_token());
  } while (!req.page_token().empty());
  return Done(client, grpc::Status::OK, all, [&] {
    Table t({"NAME", "INSEE", "COMMUNE", "YEAR", "STATE", "EFFECTIVE", "END", "SCHOOLS"},
            req.with_warnings() ? "no convention with warnings" : "no conventions");
    for (const auto& c : all.conventions()) PrintConventionRow(t, c);
    std::printf("%s", t.Render().c_str());
    if (req.with_warnings()) {
      for (const auto& c : all.conventions()) {
        for (const auto& w : c.warnings()) std::printf("%s: warning: %s\n", c.name().c_str(), w.c_str());
      }
    }
  });
}

// The convention's timeline: deliberation, signatures, effect, disputes, end.
int Show(Client& client, Args& args) {
  ENTCTL_TRY(given, args.Next("NAME (conventions/{id} or {id})"));
  const std::string name = internal::ConventionName(given);
  if (auto st = args.CheckAllUsed(); !st.ok()) return internal::UsageError(st);
  v1::GetConventionRequest req;
  req.set_name(name);
  v1::Convention c;
  grpc::Status st = client.conventions().GetConvention(client.Context().get(), req, &c);
  if (!st.ok() || client.settings().json) return Done(client, st, c, [] {});
  v1::ListDisputesRequest dreq;
  dreq.set_parent(c.name());
  v1::ListDisputesResponse disputes;
  client.conventions().ListDisputes(client.Context().get(), dreq, &disputes);

  std::printf("%s  %s (INSEE %s, SIREN %s)\n", c.name().c_str(), c.commune().party().name().c_str(),
              c.commune().insee_code().c_str(), c.commune().siren().c_str());
  std::printf("state %s, school year %s, etag %s%s\n", StateOf(c.state()).c_str(),
              c.school_year().c_str(), c.etag().c_str(),
              c.referent_accounts_active() ? ", référent ville accounts active" : "");
  if (!c.renews().empty()) std::printf("renews %s\n", c.renews().c_str());
  std::printf("\ntimeline\n");
  Table t({"DATE", "WHAT"});
  if (c.has_deliberation()) {
    const auto& d = c.deliberation();
    t.Add({Date(d.session_date()), absl::StrCat("deliberation n° ", d.number(), ": ", d.votes_for(),
                                                "/", d.votes(), " votes in favour")});
    t.Add({Date(d.enforceable_date()), "deliberation enforceable (transmitted and posted)"});
    t.Add({Date(d.appeal_deadline().last_day()),
           "last day to challenge it before the Tribunal administratif"});
  }
  for (const auto& s : c.signatures()) {
    t.Add({Date(s.date()), absl::StrCat("signed by the ",
                                        EnumName(v1::PartyRole_Name(s.party()), "PARTY_ROLE_"), " (",
                                        s.signatory(), ", ", s.capacity(), ") at ", s.place())});
  }
  if (c.has_effective_date()) t.Add({Date(c.effective_date()), "in force"});
  for (const auto& d : disputes.disputes()) {
    // Each line names its dispute: the timeline is in date order, so lines of
    // two disputes may interleave.
    const std::string which = absl::StrCat("dispute ", d.name().substr(d.name().rfind('/') + 1));
    t.Add({Date(d.notice_sent_date()), absl::StrCat(which, ": formal notice from the ",
                                                   EnumName(v1::PartyRole_Name(d.party()), "PARTY_ROLE_"),
                                                   " (", EnumName(v1::Dispute::State_Name(d.state()), "STATE_"), ")")});
    t.Add({Date(d.conciliation_deadline().last_day()),
           absl::StrCat(which, ": conciliation deadline: ", d.conciliation_deadline().explanation())});
    if (d.has_conciliation()) {
      t.Add({Date(d.conciliation().meeting_date()),
             absl::StrCat(which, ": conciliation ",
                          EnumName(v1::ConciliationOutcome_Name(d.conciliation().outcome()),
                                   "CONCILIATION_OUTCOME_"))});
    }
    if (d.has_termination()) {
      t.Add({Date(d.termination().sent_date()), absl::StrCat(which, ": termination notice sent")});
      t.Add({Date(d.termination().effective_deadline().last_day()),
             absl::StrCat(which, ": termination effective: ",
                          d.termination().effective_deadline().explanation())});
    }
  }
  if (c.has_last_day_in_force()) {
    t.Add({Date(c.last_day_in_force()), "last day in force"});
    t.Add({Date(c.end_date()), absl::StrCat("end date (Article 3), superseded: it ended on ",
                                            Date(c.last_day_in_force()))});
  } else {
    t.Add({Date(c.end_date()), "end date (Article 3)"});
  }
  t.SortBy(0);  // acts in date order
  std::printf("%s", t.Render().c_str());
  std::printf("\nschools\n");
  Table schools({"UAI", "NAME", "TYPE", "ENROLLED"});
  for (const auto& s : c.schools()) {
    schools.Add({s.uai(), s.name(), EnumName(v1::SchoolType_Name(s.type()), "SCHOOL_TYPE_"),
                 Date(s.enrolled_date())});
  }
  std::printf("%s", schools.Render().c_str());
  if (!c.registry_version().empty()) {
    std::printf("\nchecked against the INSEE list: %s\n", c.registry_version().c_str());
  }
  for (const auto& w : c.warnings()) std::printf("warning: %s\n", w.c_str());
  return 0;
}

int PrintConvention(Client& client, const grpc::Status& st, const v1::Convention& c) {
  return Done(client, st, c, [&] {
    Table t({"NAME", "INSEE", "COMMUNE", "YEAR", "STATE", "EFFECTIVE", "END", "SCHOOLS"});
    PrintConventionRow(t, c);
    std::printf("%s", t.Render().c_str());
    for (const auto& w : c.warnings()) std::printf("warning: %s\n", w.c_str());
  });
}

int Create(Client& client, Args& args) {
  v1::CreateConventionRequest req;
  ENTCTL_TRY(file, args.Required("file"));
  ENTCTL_TRY(text, ReadJsonInto(file, req.mutable_convention()));
  req.set_convention_id(args.Get("id"));
  if (auto st = internal::Mutating(args, req); !st.ok()) return internal::UsageError(st);
  v1::Convention c;
  return PrintConvention(client, client.conventions().CreateConvention(client.Context().get(), req, &c), c);
}

int Sign(Client& client, Args& args) {
  v1::SignConventionRequest req;
  ENTCTL_TRY(given, args.Next("NAME"));
  const std::string name = internal::ConventionName(given);
  req.set_name(name);
  ENTCTL_TRY(party, args.Required("party"));
  const int p = ParseEnum(v1::PartyRole_descriptor(), "PARTY_ROLE_", party);
  if (p < 0) return internal::UsageError(absl::InvalidArgumentError("--party: academie or commune"));
  req.mutable_signature()->set_party(static_cast<v1::PartyRole>(p));
  ENTCTL_TRY(date, args.RequiredDate("date"));
  *req.mutable_signature()->mutable_date() = ToDate(date);
  ENTCTL_TRY(signatory, args.Required("signatory"));
  ENTCTL_TRY(capacity, args.Required("capacity"));
  ENTCTL_TRY(place, args.Required("place"));
  req.mutable_signature()->set_signatory(signatory);
  req.mutable_signature()->set_capacity(capacity);
  req.mutable_signature()->set_place(place);
  req.set_etag(args.Get("etag"));
  if (auto st = internal::Mutating(args, req); !st.ok()) return internal::UsageError(st);
  v1::Convention c;
  return PrintConvention(client, client.conventions().SignConvention(client.Context().get(), req, &c), c);
}

int Deliberation(Client& client, Args& args) {
  v1::RecordDeliberationRequest req;
  ENTCTL_TRY(given, args.Next("NAME"));
  const std::string name = internal::ConventionName(given);
  req.set_name(name);
  ENTCTL_TRY(file, args.Required("file"));
  ENTCTL_TRY(text, ReadJsonInto(file, req.mutable_deliberation()));
  req.set_etag(args.Get("etag"));
  if (auto st = internal::Mutating(args, req); !st.ok()) return internal::UsageError(st);
  v1::Convention c;
  return PrintConvention(client, client.conventions().RecordDeliberation(client.Context().get(), req, &c), c);
}

int AddSchool(Client& client, Args& args) {
  v1::AddSchoolRequest req;
  ENTCTL_TRY(given, args.Next("NAME"));
  const std::string name = internal::ConventionName(given);
  req.set_convention(name);
  ENTCTL_TRY(uai, args.Required("uai"));
  ENTCTL_TRY(school, args.Required("name"));
  ENTCTL_TRY(type, args.Required("type"));
  const int t = ParseEnum(v1::SchoolType_descriptor(), "SCHOOL_TYPE_", type);
  if (t < 0) return internal::UsageError(absl::InvalidArgumentError("--type: maternelle, elementaire or primaire"));
  req.mutable_school()->set_uai(uai);
  req.mutable_school()->set_name(school);
  req.mutable_school()->set_type(static_cast<v1::SchoolType>(t));
  ENTCTL_TRY(date, args.OptionalDate("date"));
  if (date) *req.mutable_amendment_date() = ToDate(*date);
  req.set_etag(args.Get("etag"));
  if (auto st = internal::Mutating(args, req); !st.ok()) return internal::UsageError(st);
  v1::Convention c;
  return PrintConvention(client, client.conventions().AddSchool(client.Context().get(), req, &c), c);
}

int RemoveSchool(Client& client, Args& args) {
  v1::RemoveSchoolRequest req;
  ENTCTL_TRY(given, args.Next("NAME"));
  const std::string name = internal::ConventionName(given);
  req.set_convention(name);
  ENTCTL_TRY(uai, args.Required("uai"));
  req.set_uai(uai);
  ENTCTL_TRY(date, args.OptionalDate("date"));
  if (date) *req.mutable_amendment_date() = ToDate(*date);
  req.set_etag(args.Get("etag"));
  if (auto st = internal::Mutating(args, req); !st.ok()) return internal::UsageError(st);
  v1::Convention c;
  return PrintConvention(client, client.conventions().RemoveSchool(client.Context().get(), req, &c), c);
}

int Renew(Client& client, Args& args) {
  v1::RenewConventionRequest req;
  ENTCTL_TRY(given, args.Next("NAME"));
  const std::string name = internal::ConventionName(given);
  req.set_name(name);
  ENTCTL_TRY(end, args.OptionalDate("end-date"));
  if (end) *req.mutable_end_date() = ToDate(*end);
  req.set_convention_id(args.Get("id"));
  if (auto st = internal::Mutating(args, req); !st.ok()) return internal::UsageError(st);
  v1::Convention c;
  return PrintConvention(client, client.conventions().RenewConvention(client.Context().get(), req, &c), c);
}

int Update(Client& client, Args& args) {
  v1::UpdateConventionRequest req;
  ENTCTL_TRY(given, args.Next("NAME"));
  const std::string name = internal::ConventionName(given);
  req.mutable_convention()->set_name(name);
  ENTCTL_TRY(end, args.OptionalDate("end-date"));
  if (end) {
    *req.mutable_convention()->mutable_end_date() = ToDate(*end);
    req.mutable_update_mask()->add_paths("end_date");
  }
  if (args.Has("school-year")) {
    req.mutable_convention()->set_school_year(args.Get("school-year"));
    req.mutable_update_mask()->add_paths("school_year");
  }
  if (args.Has("file")) {  // a JSON Convention with the parties to replace
    v1::Convention from_file;
    ENTCTL_TRY(text, ReadJsonInto(args.Get("file"), &from_file));
    if (from_file.has_academie()) {
      *req.mutable_convention()->mutable_academie() = from_file.academie();
      req.mutable_update_mask()->add_paths("academie");
    }
    if (from_file.has_commune()) {
      *req.mutable_convention()->mutable_commune() = from_file.commune();
      req.mutable_update_mask()->add_paths("commune");
    }
  }
  req.mutable_convention()->set_etag(args.Get("etag"));
  if (auto st = internal::Mutating(args, req); !st.ok()) return internal::UsageError(st);
  if (req.update_mask().paths().empty()) {
    return internal::UsageError(absl::InvalidArgumentError(
        "nothing to update: give --end-date, --school-year or --file (parties)"));
  }
  v1::Convention c;
  return PrintConvention(client, client.conventions().UpdateConvention(client.Context().get(), req, &c), c);
}

// Follows the history as it happens (Ctrl-C to stop); resumes after --after.
int Watch(Client& client, Args& args) {
  v1::WatchConventionEventsRequest req;
  ENTCTL_TRY(after, args.Int("after", 0));
  req.set_after_sequence(after);
  if (args.Has("convention")) req.set_convention(internal::ConventionName(args.Get("convention")));
  if (auto st = args.CheckAllUsed(); !st.ok()) return internal::UsageError(st);
  grpc::ClientContext ctx;
  if (!client.settings().token.empty()) {
    ctx.AddMetadata("authorization", "Bearer " + client.settings().token);
  }
  auto reader = client.conventions().WatchConventionEvents(&ctx, req);
  v1::ConventionEvent e;
  while (reader->Read(&e)) {
    if (client.settings().json) {
      PrintJson(e);
    } else {
      std::printf("#%lld %s %s %s %s: %s\n", static_cast<long long>(e.sequence()),
                  Time(e.time()).c_str(), e.actor().c_str(), e.convention().c_str(),
                  EnumName(v1::ConventionEvent::Type_Name(e.type()), "TYPE_").c_str(),
                  e.description().c_str());
    }
    std::fflush(stdout);
  }
  grpc::Status st = reader->Finish();
  return st.ok() ? 0 : PrintError(st);
}

int Cancel(Client& client, Args& args) {
  v1::CancelConventionRequest req;
  ENTCTL_TRY(given, args.Next("NAME"));
  const std::string name = internal::ConventionName(given);
  req.set_name(name);
  req.set_reason(args.Get("reason"));
  req.set_etag(args.Get("etag"));
  if (auto st = internal::Mutating(args, req); !st.ok()) return internal::UsageError(st);
  v1::Convention c;
  return PrintConvention(client, client.conventions().CancelConvention(client.Context().get(), req, &c), c);
}

int Events(Client& client, Args& args) {
  ENTCTL_TRY(given, args.Next("NAME"));
  const std::string name = internal::ConventionName(given);
  if (auto st = args.CheckAllUsed(); !st.ok()) return internal::UsageError(st);
  v1::ListConventionEventsRequest req;
  req.set_parent(name);
  req.set_page_size(1000);
  v1::ListConventionEventsResponse all;
  do {
    v1::ListConventionEventsResponse page;
    grpc::Status st = client.conventions().ListConventionEvents(client.Context().get(), req, &page);
    if (!st.ok()) return PrintError(st);
    for (auto& e : *page.mutable_events()) *all.add_events() = std::move(e);
    req.set_page_token(page.next_page_token());
  } while (!req.page_token().empty());
  return Done(client, grpc::Status::OK, all, [&] {
    Table t({"#", "TIME", "BY", "EVENT", "DESCRIPTION"}, "no events");
    for (const auto& e : all.events()) {
      t.Add({absl::StrCat(e.sequence()), Time(e.time()), e.actor(),
             EnumName(v1::ConventionEvent::Type_Name(e.type()), "TYPE_"), e.description()});
    }
    std::printf("%s", t.Render().c_str());
  });
}

int ConventionPdf(Client& client, Args& args) {
  ENTCTL_TRY(name, args.Next("NAME (conventions/ID)"));
  const std::string out = args.Get("out");
  if (auto st = args.CheckAllUsed(); !st.ok()) return internal::UsageError(st);
  v1::GetConventionDocumentRequest req;
  req.set_name(internal::ConventionName(name));
  ent::document::v1::Document doc;
  return internal::SaveDocument(
      client, client.conventions().GetConventionDocument(client.Context().get(), req, &doc), doc,
      out);
}

// The pending deadlines as an iCalendar file, to import into a calendar.
int DeadlinesCalendar(Client& client, Args& args) {
  v1::ExportDeadlineCalendarRequest req;
  ENTCTL_TRY(commune, internal::ResolveCommune(args.Get("commune")));
  req.set_commune_insee_code(commune);
  const std::string out = args.Get("out");
  if (auto st = args.CheckAllUsed(); !st.ok()) return internal::UsageError(st);
  ent::document::v1::Document doc;
  return internal::SaveDocument(
      client, client.conventions().ExportDeadlineCalendar(client.Context().get(), req, &doc), doc,
      out);
}

int Deadlines(Client& client, Args& args) {
  if (args.Has("ics")) {
    args.Get("ics");
    return DeadlinesCalendar(client, args);
  }
  if (auto st = args.CheckAllUsed(); !st.ok()) return internal::UsageError(st);
  v1::ListDeadlinesRequest req;
  req.set_page_size(1000);
  v1::ListDeadlinesResponse all;
  do {
    v1::ListDeadlinesResponse page;
    grpc::Status st = client.conventions().ListDeadlines(client.Context().get(), req, &page);
    if (!st.ok()) return PrintError(st);
    for (auto& d : *page.mutable_deadlines()) *all.add_deadlines() = std::move(d);
    req.set_page_token(page.next_page_token());
  } while (!req.page_token().empty());
  // Days left are counted from the service's clock when it is simulated.
  absl::Time now = absl::Now();
  ent::testing::v1::GetTimeResponse time;
  if (client.clock().GetTime(client.Context().get(), ent::testing::v1::GetTimeRequest(), &time).ok()) {
    now = absl::FromUnixSeconds(time.now().seconds());
  }
  return Done(client, grpc::Status::OK, all, [&] {
    Table t({"LAST DAY", "DAYS LEFT", "KIND", "SUBJECT", "HOW IT WAS COMPUTED"},
            "no pending deadlines");
    for (const auto& d : all.deadlines()) {
      const absl::Time expires = absl::FromUnixSeconds(d.deadline().expires_at().seconds());
      const int64_t days = static_cast<int64_t>(std::floor(absl::ToDoubleHours(expires - now) / 24));
      t.Add({Date(d.deadline().last_day()), absl::StrCat(days),
             EnumName(v1::PendingDeadline::Kind_Name(d.kind()), "KIND_"), d.subject(),
             d.deadline().explanation()});
    }
    std::printf("%s", t.Render().c_str());
  });
}

// Computes a deadline locally with the legal calendar.
int Deadline(Client& client, Args& args) {
  ENTCTL_TRY(from, args.RequiredDate("from"));
  ENTCTL_TRY(days, args.Int("days", 0));
  ENTCTL_TRY(months, args.Int("months", 0));
  const bool franc = args.Has("franc");
  args.Get("franc");
  const bool alsace = args.Has("alsace-moselle");
  args.Get("alsace-moselle");
  if (auto st = args.CheckAllUsed(); !st.ok()) return internal::UsageError(st);
  if ((days > 0) == (months > 0) || days < 0 || months < 0 || days > 3650 || months > 120) {
    return internal::UsageError(absl::InvalidArgumentError("give either --days N or --months N (positive)"));
  }
  const workflow::LegalCalendar calendar(alsace ? workflow::CalendarVariant::kAlsaceMoselle
                                                : workflow::CalendarVariant::kNational);
  const workflow::Deadline d = days > 0 ? calendar.AddDays(from, static_cast<int>(days))
                               : franc  ? calendar.AddMonthsFranc(from, static_cast<int>(months))
                                        : calendar.AddMonths(from, static_cast<int>(months));
  v1::ComputedDeadline out;
  *out.mutable_from_date() = ToDate(d.act_date);
  out.set_rule(d.rule);
  *out.mutable_last_day() = ToDate(d.last_day);
  out.mutable_expires_at()->set_seconds(absl::ToUnixSeconds(d.expires_at));
  out.set_explanation(d.explanation);
  return Done(client, grpc::Status::OK, out, [&] {
    std::printf("last day %s (expires %s)\n%s\n", FormatIsoDate(d.last_day).c_str(),
                ParisTime(d.expires_at).c_str(),
                d.explanation.c_str());
  });
}

// A service on the real clock does not serve ent.testing.v1.ClockService, so
// gRPC answers a clock call with the status for an unserved method; entctl
// says what that means instead. Any other status passes through.
grpc::Status ExplainRealClock(grpc::Status st) {
  const bool clock_not_served = st.error_code() == grpc::StatusCode::UNIMPLEMENTED;
  if (!clock_not_served) return st;
  return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                      "convention-service runs on the real clock, which no command moves: the "
                      "clock commands work on a simulated clock (./deploy/run.sh --demo, or the "
                      "service's --clock=simulated:<instant>); `date` gives the real time");
}

int ClockGet(Client& client, Args& args) {
  if (auto st = args.CheckAllUsed(); !st.ok()) return internal::UsageError(st);
  ent::testing::v1::GetTimeResponse resp;
  grpc::Status st = ExplainRealClock(
      client.clock().GetTime(client.Context().get(), ent::testing::v1::GetTimeRequest(), &resp));
  return Done(client, st, resp, [&] {
    std::printf("%s\n", ParisTime(absl::FromUnixSeconds(resp.now().seconds()), /*seconds=*/true).c_str());
  });
}

// "30d", "12h", "1h30m", "2w".
absl::StatusOr<absl::Duration> ParseHumanDuration(const std::string& text) {
  absl::Duration d;
  if (!text.empty() && (text.back() == 'd' || text.back() == 'w')) {
    int64_t n = 0;
    if (!absl::SimpleAtoi(text.substr(0, text.size() - 1), &n) || n <= 0) {
      return absl::InvalidArgumentError("DURATION: e.g. 30d, 2w, 12h, 1h30m");
    }
    return absl::Hours(24 * n * (text.back() == 'w' ? 7 : 1));
  }
  if (!absl::ParseDuration(text, &d) || d <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("DURATION: e.g. 30d, 2w, 12h, 1h30m");
  }
  return d;
}

// Moves billing-service's simulated clock (if it has one) to the same instant,
// so titres issued in a demo carry the demo's dates.
void FollowOnBilling(Client& client, const ent::testing::v1::GetTimeResponse& now) {
  ent::testing::v1::GetTimeResponse billing_now;
  if (!client.billing_clock()
           .GetTime(client.Context().get(), ent::testing::v1::GetTimeRequest(), &billing_now)
           .ok() ||
      billing_now.now().seconds() >= now.now().seconds()) {
    return;
  }
  ent::testing::v1::SetTimeRequest req;
  *req.mutable_time() = now.now();
  ent::testing::v1::GetTimeResponse ignored;
  client.billing_clock().SetTime(client.Context().get(), req, &ignored);
}

int ClockAdvance(Client& client, Args& args) {
  ENTCTL_TRY(text, args.Next("DURATION (e.g. 30d, 12h)"));
  ENTCTL_TRY(d, ParseHumanDuration(text));
  if (auto st = args.CheckAllUsed(); !st.ok()) return internal::UsageError(st);
  ent::testing::v1::AdvanceClockRequest req;
  req.mutable_duration()->set_seconds(absl::ToInt64Seconds(d));
  ent::testing::v1::GetTimeResponse resp;
  auto ctx = client.Context();
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(10));
  grpc::Status st = ExplainRealClock(client.clock().AdvanceClock(ctx.get(), req, &resp));
  if (st.ok()) FollowOnBilling(client, resp);
  return Done(client, st, resp, [&] {
    std::printf("now %s; %d timer(s) fired\n",
                ParisTime(absl::FromUnixSeconds(resp.now().seconds()), /*seconds=*/true).c_str(),
                resp.timers_fired());
  });
}

int ClockSet(Client& client, Args& args) {
  ENTCTL_TRY(text, args.Next("INSTANT (2022-05-03, 2022-05-03T10:00 or RFC 3339)"));
  absl::Time t;
  std::string err;
  absl::CivilSecond civil;
  if (absl::ParseTime(absl::RFC3339_full, text, &t, &err)) {
    // an instant with its offset
  } else if (absl::ParseLenientCivilTime(text, &civil)) {
    // a date (its 00:00) or a date and time, in Paris
    t = absl::FromCivil(civil, ParisTimeZone());
  } else {
    return internal::UsageError(absl::InvalidArgumentError(absl::StrCat(
        "INSTANT: '", text, "' is not a date (2022-05-03, midnight in Paris), a Paris date and time "
        "(2022-05-03T10:00) or an RFC 3339 instant (2022-05-03T10:00:00+02:00)")));
  }
  if (auto st = args.CheckAllUsed(); !st.ok()) return internal::UsageError(st);
  ent::testing::v1::SetTimeRequest req;
  req.mutable_time()->set_seconds(absl::ToUnixSeconds(t));
  ent::testing::v1::GetTimeResponse resp;
  auto ctx = client.Context();
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(10));
  grpc::Status st = ExplainRealClock(client.clock().SetTime(ctx.get(), req, &resp));
  if (st.ok()) FollowOnBilling(client, resp);
  return Done(client, st, resp, [&] {
    std::printf("now %s; %d timer(s) fired\n",
                ParisTime(absl::FromUnixSeconds(resp.now().seconds()), /*seconds=*/true).c_str(),
                resp.timers_fired());
  });
}

int Outbox(Client& client, Args& args) {
  v1::ListOutboxMessagesRequest req;
  const std::string state = args.Get("state", "pending");
  const int s = ParseEnum(v1::OutboxMessage::State_descriptor(), "STATE_", state);
  if (s < 0) return internal::UsageError(absl::InvalidArgumentError("--state: pending, delivered or dead"));
  req.set_state(static_cast<v1::OutboxMessage::State>(s));
  req.set_page_size(1000);
  if (auto st = args.CheckAllUsed(); !st.ok()) return internal::UsageError(st);
  v1::ListOutboxMessagesResponse resp;
  grpc::Status st = client.conventions().ListOutboxMessages(client.Context().get(), req, &resp);
  return Done(client, st, resp, [&] {
    Table t({"ID", "TOPIC", "CONVENTION", "ATTEMPTS", "NEXT ATTEMPT", "LAST ERROR"},
            "no outbox messages in that state");
    bool blocked = false;
    for (const auto& m : resp.messages()) {
      std::string next = m.has_next_attempt_time() ? Time(m.next_attempt_time()) : "";
      if (m.blocked_by() != 0) {
        next = absl::StrCat("held back by dead ", m.blocked_by());
        blocked = true;
      }
      t.Add({absl::StrCat(m.id()), m.topic(), m.key(), absl::StrCat(m.attempts()), next,
             m.last_error()});
    }
    std::printf("%s", t.Render().c_str());
    if (blocked || (req.state() == v1::OutboxMessage::STATE_DEAD && resp.messages_size() > 0)) {
      std::printf("deliver a dead notice again once the cause is fixed: entctl outbox retry ID\n");
    }
  });
}

void PrintTimers(const google::protobuf::RepeatedPtrField<v1::Timer>& timers) {
  Table t({"TIMER", "KIND", "SUBJECT", "DUE", "ATTEMPTS", "LAST ERROR"}, "no timers");
  for (const auto& timer : timers) {
    t.Add({timer.name(), timer.kind(), timer.subject(), Time(timer.due_time()),
           absl::StrCat(timer.attempts()), timer.last_error()});
  }
  std::printf("%s", t.Render().c_str());
}

// Timers parked after their last failed attempt (operators).
int Timers(Client& client, Args& args) {
  // --failed is the only listing (pending timers: `entctl deadlines`).
  args.Get("failed");
  if (auto st = args.CheckAllUsed(); !st.ok()) return internal::UsageError(st);
  v1::ListTimersRequest req;
  req.set_state(v1::Timer::STATE_FAILED);
  req.set_page_size(1000);
  v1::ListTimersResponse all;
  do {
    v1::ListTimersResponse page;
    grpc::Status st = client.conventions().ListTimers(client.Context().get(), req, &page);
    if (!st.ok()) return Done(client, st, page, [] {});
    all.mutable_timers()->MergeFrom(page.timers());
    req.set_page_token(page.next_page_token());
  } while (!req.page_token().empty());
  return Done(client, grpc::Status::OK, all, [&] {
    if (all.timers_size() == 0) {
      std::printf("no failed timer: every timer fired or waits for its time\n");
      return;
    }
    PrintTimers(all.timers());
    std::printf("retry one after the cause is fixed: entctl timer retry TIMER\n");
  });
}

int OutboxRetry(Client& client, Args& args) {
  v1::RetryOutboxMessageRequest req;
  ENTCTL_TRY(id, args.Next("ID"));
  int64_t n = 0;
  if (!absl::SimpleAtoi(id, &n) || n < 1) {
    return internal::UsageError(absl::InvalidArgumentError("ID: expected a message id, e.g. 12"));
  }
  req.set_id(n);
  if (auto st = internal::Mutating(args, req); !st.ok()) return internal::UsageError(st);
  v1::OutboxMessage m;
  grpc::Status st = client.conventions().RetryOutboxMessage(client.Context().get(), req, &m);
  return Done(client, st, m, [&] {
    std::printf("outbox message %lld (%s, %s) is pending again\n", static_cast<long long>(m.id()),
                m.topic().c_str(), m.key().c_str());
  });
}

int TimerRetry(Client& client, Args& args) {
  v1::RetryTimerRequest req;
  ENTCTL_TRY(given, args.Next("TIMER"));
  const std::string name = internal::TimerName(given);
  req.set_name(absl::StartsWith(name, "timers/") ? name : "timers/" + name);
  if (auto st = internal::Mutating(args, req); !st.ok()) return internal::UsageError(st);
  v1::Timer timer;
  grpc::Status st = client.conventions().RetryTimer(client.Context().get(), req, &timer);
  return Done(client, st, timer, [&] {
    std::printf("%s (%s, %s) is pending again: tried at %s\n", timer.name().c_str(),
                timer.kind().c_str(), timer.subject().c_str(),
                Time(timer.next_attempt_time()).c_str());
  });
}

}  // namespace

void AddConventionCommands(Commands& c) {
  c["conventions list"] = {List, "conventions list [--commune INSEE] [--state S] [--school-year Y] [--with-warnings]",
      R"(Lists conventions.
  --commune INSEE    a commune's (INSEE code, or its name)
  --state S          draft, signing, active, terminating, terminated, expired, cancelled
  --school-year Y    2021-2022
  --with-warnings    only those with a warning
Example: entctl conventions list --state active --with-warnings)"};
  c["convention show"] = {Show, "convention show NAME          timeline, schools, warnings",
      R"(Shows a convention: state, dates, schools, warnings, disputes, timeline.
  NAME   conventions/30227-2021 or 30227-2021
Example: entctl convention show 30227-2021)"};
  c["convention create"] = {Create, "convention create --file CONVENTION.json [--id ID]",
      R"(Creates a draft convention from a JSON file (ent.convention.v1.Convention, protobuf's JSON mapping).
  --file FILE   the convention: académie, commune, school_year, end_date, schools
  --id ID       its id, 1-63 characters of a-z, 0-9 and - (default: generated, {insee}-{year}-{n})
Example: entctl convention create --file convention.json)"};
  c["convention sign"] = {Sign, "convention sign NAME --party academie|commune --date D --signatory S --capacity C --place P",
      R"(Records a party's signature; the second one puts the convention in force.
  NAME              conventions/30227-2021 or 30227-2021
  --party P         academie or commune
  --date D          the day it was signed, YYYY-MM-DD, not after today
  --signatory S     who signed
  --capacity C      in which capacity (maire, rectrice…)
  --place P         where
Example: entctl convention sign 30227-2021 --party commune --date 2021-11-03 --signatory "Jean-Pierre De Faria" --capacity Maire --place Saint-Ambroix)"};
  c["convention deliberation"] = {Deliberation, "convention deliberation NAME --file DELIBERATION.json",
      R"(Records (or replaces) the municipal council's deliberation authorising the signature, from a JSON file (ent.convention.v1.Deliberation).
  NAME          conventions/30227-2021 or 30227-2021
  --file FILE   the deliberation: number, session, transmission and posting dates, votes
Example: entctl convention deliberation 30227-2021 --file deliberation.json)"};
  c["convention add-school"] = {AddSchool, "convention add-school NAME --uai U --name N --type T [--date D]",
      R"(Adds a school: to a draft's annex, or by amendment to a convention in force.
  NAME        conventions/30227-2021 or 30227-2021
  --uai U     the school's UAI, 0300673U
  --name N    its name
  --type T    maternelle, elementaire or primaire
  --date D    an amendment's date (default today), YYYY-MM-DD
Example: entctl convention add-school 30227-2021 --uai 0300674V --name "École du Moulin" --type primaire)"};
  c["convention remove-school"] = {RemoveSchool, "convention remove-school NAME --uai U [--date D]",
      R"(Withdraws a school: from a draft's annex, or by amendment (sums already due are not refunded).
  NAME       conventions/30227-2021 or 30227-2021
  --uai U    the school's UAI
  --date D   an amendment's date (default today), YYYY-MM-DD
Example: entctl convention remove-school 30227-2021 --uai 0300674V --date 2022-01-10)"};
  c["convention renew"] = {Renew, "convention renew NAME [--end-date D] [--id ID]",
      R"(Creates the draft renewing a convention for the next school year.
  NAME           conventions/30227-2021 or 30227-2021
  --end-date D   its end date (default: the source's, one year later)
  --id ID        its id (default: generated from the commune and the year)
Example: entctl convention renew 30227-2021)"};
  c["convention update"] = {Update, "convention update NAME [--end-date D] [--school-year Y] [--file PARTIES.json] (drafts)",
      R"(Changes a draft's terms.
  NAME              conventions/30227-2022 or 30227-2022
  --end-date D      YYYY-MM-DD
  --school-year Y   2022-2023
  --file FILE       a JSON Convention whose académie and commune replace the draft's
Example: entctl convention update 30227-2022 --end-date 2023-08-31)"};
  c["convention cancel"] = {Cancel, "convention cancel NAME [--reason R]",
      R"(Cancels a draft.
  NAME         conventions/30227-2022 or 30227-2022
  --reason R   why
Example: entctl convention cancel 30227-2022 --reason "doublon")"};
  c["events watch"] = {Watch, "events watch [--convention NAME] [--after SEQUENCE]   follow the history live",
      R"(Follows the history live (Ctrl-C to stop); resumes after a sequence number.
  --convention NAME   one convention's events only
  --after SEQUENCE    start after this event (default: from the first)
Example: entctl events watch --convention 30227-2021)"};
  c["convention events"] = {Events, "convention events NAME       the history",
      R"(The convention's history, oldest first: what changed, when, by whom.
  NAME   conventions/30227-2021 or 30227-2021
Example: entctl convention events 30227-2021)"};
  c["deadlines"] = {Deadlines, "deadlines [--ics [--commune INSEE] [-o FILE]]   every pending deadline, soonest first; --ics: as an iCalendar file",
      R"(Every pending deadline, soonest first, with how its date was computed.
  --ics             as an iCalendar file (RFC 5545), to import into a calendar
  --commune INSEE   (with --ics) a commune's only: INSEE code or name
  -o FILE           (with --ics) where to write it; - for stdout
Example: entctl deadlines --ics --commune Saint-Ambroix -o /tmp/echeances.ics)"};
  c["convention pdf"] = {ConventionPdf, "convention pdf NAME [-o FILE]  the convention with its annex, signatures and amendments (PDF)",
      R"(Writes the convention as a PDF: its terms, annex of schools, signatures and amendments.
  NAME      conventions/30227-2021 or 30227-2021
  -o FILE   where to write it (default: its own file name; - for stdout)
Example: entctl convention pdf 30227-2021 -o /tmp/convention.pdf)"};
  c["deadline"] = {Deadline, "deadline --from D (--days N | --months N [--franc]) [--alsace-moselle]",
      R"(Computes a legal deadline (articles 640-642 of the code de procédure civile), without recording anything.
  --from D            the day of the act, YYYY-MM-DD (it does not count)
  --days N            a delay in days, or
  --months N          a delay in months
  --franc             a délai franc (the last day does not count either)
  --alsace-moselle    with the holidays of Alsace-Moselle
Example: entctl deadline --from 2022-03-31 --months 1     # lundi 2 mai 2022, and why)"};
  c["clock get"] = {ClockGet, "clock get                     (simulated clock only)",
      R"(The service's simulated date (a service on the real clock has none).
Example: entctl clock get)"};
  c["clock advance"] = {ClockAdvance, "clock advance DURATION        e.g. 30d, 12h (fires due timers)",
      R"(Moves the simulated clock forward; the timers due fire (rectorat).
  DURATION   30d, 2w, 12h, 1h30m
Example: entctl clock advance 33d --token-file data-demo/credentials/rectorat-dev.token)"};
  c["clock set"] = {ClockSet, "clock set INSTANT             RFC 3339, forward only",
      R"(Sets the simulated clock to an instant, forward only; the timers due fire (rectorat).
  INSTANT   RFC 3339 (2022-03-31T10:00:00+02:00), a Paris date and time (2022-03-31T10:00)
            or a date (its midnight in Paris)
Example: entctl clock set 2022-05-11T10:00:00+02:00)"};
  c["outbox list"] = {Outbox, "outbox list [--state pending|delivered|dead]",
      R"(Notices to billing-service and their delivery.
  --state S   pending (default), delivered or dead (abandoned after their last attempt)
Example: entctl outbox list --state dead)"};
  c["outbox retry"] = {OutboxRetry, "outbox retry ID               deliver a dead notice again",
      R"(Delivers a dead notice again, with a fresh count of attempts (support staff).
  ID   the notice's id, as outbox list shows it
Example: entctl outbox retry 12)"};
  c["timers list"] = {Timers, "timers list --failed         timers parked after their last attempt, with the error",
      R"(Timers parked after their last attempt, with their error (support staff).
  --failed   (required) the parked ones; pending deadlines are `entctl deadlines`
Example: entctl timers list --failed)"};
  c["timer retry"] = {TimerRetry, "timer retry TIMER             try a parked timer again (timers/N or N)",
      R"(Tries a parked timer again, now, with a fresh count of attempts (support staff).
  TIMER   timers/12 or 12
Example: entctl timer retry 12)"};
}

}  // namespace ent::entctl
