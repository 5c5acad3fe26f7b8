#include "console/console_server.h"

#include <httplib.h>

#include <deque>
#include <thread>

#include <google/protobuf/util/json_util.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "common/clock.h"
#include "console/french.h"
#include "console/view.h"

namespace ent::console {

namespace cv1 = ::ent::convention::v1;
namespace bv1 = ::ent::billing::v1;
namespace tv1 = ::ent::testing::v1;

namespace {

constexpr int kRoleRectorat = 1;
constexpr int kRoleSupport = 2;
constexpr int kRoleCommune = 3;
constexpr int kRoleFinance = 4;

bool IsLoopback(const std::string& host) {
  return host == "127.0.0.1" || host == "localhost" || host == "::1" || host == "[::1]";
}

CivilDate Civil(const google::type::Date& d) { return CivilDate(d.year(), d.month(), d.day()); }

// The id part of "conventions/{id}".
std::string IdOf(const std::string& name) {
  const size_t slash = name.find('/');
  return slash == std::string::npos ? name : name.substr(slash + 1);
}

// "conventions/a/disputes/3" → 3.
int64_t DisputeNumberOf(const std::string& name) {
  int64_t n = 0;
  (void)absl::SimpleAtoi(name.substr(name.rfind('/') + 1), &n);
  return n;
}

std::string Param(const httplib::Request& req, const std::string& name) {
  return req.has_param(name.c_str()) ? req.get_param_value(name.c_str()) : "";
}

// A fresh idempotency key for one act of a person (request ids: 1-64 characters).
std::string NewRequestId() { return absl::StrCat("console-", RandomToken().substr(0, 32)); }

// A path of the console to return to, or "/" (never another site: no "//host").
std::string SafeReturnPath(const std::string& path) {
  if (path.empty() || path[0] != '/' || absl::StartsWith(path, "//")) return "/";
  return path;
}

// Sets `key` only when `value` is not empty: templates test optional values
// with {{#key}}, and an empty string is true for mustache.
void Put(Data& d, const std::string& key, const std::string& value) {
  if (!value.empty()) d.set(key, value);
}

// A field of a form, as the templates draw it (DSFR input groups).
struct Field {
  std::string name;   // form field
  std::string api;    // the request's field path, for the service's violations
  std::string label;
  std::string hint;
  std::string type;   // text, textarea, date, radio, select, number
  std::vector<std::pair<std::string, std::string>> options;  // value, label
  bool required = true;
};

}  // namespace

// The request handlers, with what each request needs.
class ConsoleServer::Handlers {
 public:
  Handlers(ConsoleServer& server) : s_(server) {}

  struct Ctx {
    const httplib::Request& req;
    httplib::Response& res;
    Session session;
  };

  // ---- plumbing ---------------------------------------------------------

  std::string CookieName() const { return secure_ ? "__Host-ent_console" : "ent_console"; }

  std::string CookieOf(const httplib::Request& req) const {
    const std::string header = req.get_header_value("Cookie");
    for (absl::string_view part : absl::StrSplit(header, ';')) {
      part = absl::StripAsciiWhitespace(part);
      const size_t eq = part.find('=');
      if (eq != absl::string_view::npos && part.substr(0, eq) == CookieName()) {
        return std::string(part.substr(eq + 1));
      }
    }
    return "";
  }

  void SetCookie(httplib::Response& res, const std::string& id) const {
    res.set_header("Set-Cookie", absl::StrCat(CookieName(), "=", id, "; Path=/; HttpOnly; SameSite=Lax",
                                              secure_ ? "; Secure" : ""));
  }

  void ClearCookie(httplib::Response& res) const {
    res.set_header("Set-Cookie", absl::StrCat(CookieName(), "=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0",
                                              secure_ ? "; Secure" : ""));
  }

  // The request's session, created (anonymous) when it has none.
  Session SessionOf(const httplib::Request& req, httplib::Response& res) {
    if (auto s = s_.sessions_->Find(CookieOf(req))) return *s;
    Session s = s_.sessions_->Create();
    SetCookie(res, s.id);
    return s;
  }

  void Redirect(httplib::Response& res, const std::string& to) {
    res.status = 303;
    res.set_header("Location", to);
  }

  // Refreshes the access token when it is about to expire; false when the
  // person must sign in again (the session is then ended).
  bool FreshToken(Ctx& c) {
    if (absl::Now() + absl::Seconds(30) < c.session.access_expires) return true;
    // One refresh at a time: a page and its event stream may ask together,
    // and the provider rotates refresh tokens (the second would be refused).
    absl::MutexLock lock(&refresh_mu_);
    if (auto latest = s_.sessions_->Find(c.session.id)) c.session = *latest;
    if (absl::Now() + absl::Seconds(30) < c.session.access_expires) return true;
    auto tokens = s_.oidc_->Refresh(c.session.refresh_token);
    if (!tokens.ok()) {
      s_.sessions_->Remove(c.session.id);
      return false;
    }
    c.session.access_token = tokens->access_token;
    if (!tokens->refresh_token.empty()) c.session.refresh_token = tokens->refresh_token;
    if (!tokens->id_token.empty()) c.session.id_token = tokens->id_token;
    c.session.access_expires = tokens->access_expires;
    s_.sessions_->Save(c.session);
    return true;
  }

  // Runs `page` for a signed-in person; otherwise sends them to sign in (a
  // GET) or refuses (anything else). POSTs must carry the session's CSRF
  // token.
  template <typename Page>
  httplib::Server::Handler Signed(Page page) {
    return [this, page](const httplib::Request& req, httplib::Response& res) {
      Ctx c{req, res, SessionOf(req, res)};
      if (req.method == "POST" && !SameSecret(Param(req, "csrf"), c.session.csrf)) {
        return Refuse(c, 403, "Formulaire refusé",
                      "Ce formulaire n'est pas valable pour votre session (jeton anti-falsification "
                      "absent ou différent) : rechargez la page et recommencez.");
      }
      if (!c.session.signed_in || !FreshToken(c)) {
        if (req.method != "GET") {
          return Refuse(c, 401, "Session expirée", "Votre session a expiré : reconnectez-vous.");
        }
        return Redirect(res, absl::StrCat("/connexion?retour=", httplib::detail::encode_query_param(req.path)));
      }
      page(c);
    };
  }

  // A message's template data: its text, and `en` when it is English.
  static Data MessageData(const Message& m) {
    Data d("text", m.text);
    d.set("en", m.english);
    return d;
  }

  // A refusal page: `message` says it in French; `detail`, when not empty,
  // is the service's own text.
  void Refuse(Ctx& c, int status, const std::string& title, const std::string& message,
              const Message& detail = Message("")) {
    Data body;
    body.set("title", title);
    body.set("message", message);
    if (!detail.text.empty()) body.set("detail", MessageData(detail));
    c.res.status = status;
    Send(c, title, Render("refused", body));
  }

  void NotFound(Ctx& c, const std::string& what) {
    Refuse(c, 404, "Introuvable", what);
  }

  // The service's refusal as a page (for reads).
  void ServiceRefused(Ctx& c, const grpc::Status& st) {
    const ServiceError e = ErrorOf(st);
    const int status = e.code == grpc::StatusCode::NOT_FOUND           ? 404
                       : e.code == grpc::StatusCode::PERMISSION_DENIED ? 403
                       : e.code == grpc::StatusCode::UNAUTHENTICATED   ? 401
                                                                       : 502;
    Refuse(c, status, e.code == grpc::StatusCode::NOT_FOUND ? "Introuvable" : "Refusé", e.Summary(),
           e.message);
  }

  // The simulated clock's instant, when the service runs on one.
  std::optional<absl::Time> SimulatedNow(const Ctx& c) {
    tv1::GetTimeResponse now;
    if (!s_.backend_->clock().GetTime(s_.backend_->Context(c.session.access_token).get(),
                                      tv1::GetTimeRequest(), &now).ok()) {
      return std::nullopt;
    }
    return absl::FromUnixSeconds(now.now().seconds());
  }

  // Sends `body` inside the layout.
  void Send(Ctx& c, const std::string& title, const std::string& body, const std::string& nav = "",
            const std::string& live = "") {
    Data d;
    d.set("title", title);
    d.set("body", body);
    d.set("path", c.req.path);
    d.set("nav_" + (nav.empty() ? std::string("none") : nav), true);
    d.set("signed_in", c.session.signed_in);
    if (c.session.signed_in) {
      d.set("person", c.session.person.display_name);
      d.set("role", RoleFr(c.session.person.role));
      d.set("csrf", c.session.csrf);
      d.set("can_titres", CanFinance(c) || c.session.person.role == kRoleSupport);
      if (auto now = SimulatedNow(c)) {
        Data clock;
        clock.set("now", InstantFr(*now));
        clock.set("can_move", c.session.person.role == kRoleSupport);
        clock.set("value", absl::FormatTime("%Y-%m-%dT%H:%M", *now, ParisTimeZone()));
        d.set("clock", clock);
      }
      if (!c.session.notices.empty()) {
        Data notices = List();
        for (const Flash& n : c.session.notices) {
          Data r("text", n.text);
          r.set("error", n.error);
          if (!n.detail.empty()) r.set("detail", MessageData(Message(n.detail, n.detail_english)));
          notices.push_back(r);
        }
        d.set("notices", notices);
        c.session.notices.clear();
        s_.sessions_->Save(c.session);
      }
    }
    if (!live.empty()) d.set("live", live);
    c.res.set_content(Render("layout", d), "text/html; charset=utf-8");
  }

  // A success for the next page.
  void Notice(Ctx& c, const std::string& text) {
    Flash f;
    f.text = text;
    c.session.notices.push_back(std::move(f));
    s_.sessions_->Save(c.session);
  }

  // A refusal for the next page: `text` in French, then the service's own
  // words (when `st` is not OK).
  void NoticeError(Ctx& c, const std::string& text, const grpc::Status& st = grpc::Status::OK) {
    Flash f;
    f.text = text;
    f.error = true;
    if (!st.ok()) {
      const ServiceError e = ErrorOf(st);
      f.text = absl::StrCat(text, " ", e.Summary());
      f.detail = e.message.text;
      f.detail_english = e.message.english;
    }
    c.session.notices.push_back(std::move(f));
    s_.sessions_->Save(c.session);
  }

  const std::string& Token(const Ctx& c) const { return c.session.access_token; }

  bool CanDispute(const Ctx& c) const {
    const int r = c.session.person.role;
    return r == kRoleSupport || r == kRoleRectorat || r == kRoleCommune;
  }
  bool CanOperate(const Ctx& c) const { return c.session.person.role == kRoleSupport; }
  bool CanFinance(const Ctx& c) const { return c.session.person.role == kRoleFinance; }

  CivilDate Today(const Ctx& c) {
    return ParisDate(SimulatedNow(c).value_or(absl::Now()));
  }

  // ---- sign-in ------------------------------------------------------------

  void Home(const httplib::Request& req, httplib::Response& res) {
    Ctx c{req, res, SessionOf(req, res)};
    if (c.session.signed_in && FreshToken(c)) return Dashboard(c);
    Data d;
    Send(c, "Connexion", Render("home", d));
  }

  void SignIn(const httplib::Request& req, httplib::Response& res) {
    Ctx c{req, res, SessionOf(req, res)};
    const std::string back = SafeReturnPath(Param(req, "retour"));
    PendingSignIn p{RandomToken(), RandomToken(), RandomToken(), back, absl::Now()};
    auto url = s_.oidc_->AuthorizationUrl(s_.public_url_ + "/connexion/retour", p.state, p.nonce,
                                          p.verifier);
    if (!url.ok()) {
      return Refuse(c, 503, "Connexion impossible",
                    absl::StrCat("Le fournisseur d'identité ne répond pas : ", url.status().message()));
    }
    c.session.pending = p;
    s_.sessions_->Save(c.session);
    Redirect(res, *url);
  }

  void SignInReturn(const httplib::Request& req, httplib::Response& res) {
    Ctx c{req, res, SessionOf(req, res)};
    const std::string state = Param(req, "state");
    if (!c.session.pending || !SameSecret(state, c.session.pending->state) ||
        absl::Now() - c.session.pending->started > absl::Minutes(10)) {
      return Refuse(c, 400, "Connexion interrompue",
                    "Cette réponse du fournisseur d'identité ne correspond à aucune connexion en cours "
                    "dans ce navigateur : recommencez la connexion.");
    }
    if (req.has_param("error")) {
      return Refuse(c, 403, "Connexion refusée",
                    absl::StrCat("Le fournisseur d'identité a refusé la connexion : ",
                                 Param(req, "error"), " ", Param(req, "error_description")));
    }
    const PendingSignIn pending = *c.session.pending;
    auto tokens = s_.oidc_->ExchangeCode(Param(req, "code"), s_.public_url_ + "/connexion/retour",
                                         pending.verifier, pending.nonce);
    if (!tokens.ok()) {
      return Refuse(c, 403, "Connexion refusée", std::string(tokens.status().message()));
    }
    admin::v1::Caller caller;
    grpc::Status st = s_.backend_->admin().GetCaller(s_.backend_->Context(tokens->access_token).get(),
                                                     admin::v1::GetCallerRequest(), &caller);
    if (!st.ok()) {
      const ServiceError e = ErrorOf(st);
      return Refuse(c, 403, "Accès refusé",
                    "Vous êtes bien connecté, mais les services ne vous reconnaissent aucun rôle.",
                    e.message);
    }
    Session fresh = c.session;
    fresh.pending.reset();
    fresh.signed_in = true;
    fresh.signed_in_at = absl::Now();
    fresh.access_token = tokens->access_token;
    fresh.refresh_token = tokens->refresh_token;
    fresh.id_token = tokens->id_token;
    fresh.access_expires = tokens->access_expires;
    fresh.person.display_name = caller.display_name().empty() ? caller.actor() : caller.display_name();
    fresh.person.email = caller.email();
    fresh.person.actor = caller.actor();
    fresh.person.role = caller.role();
    fresh.person.communes.assign(caller.insee_codes().begin(), caller.insee_codes().end());
    fresh = s_.sessions_->Rotate(std::move(fresh));  // a new id: the one before sign-in is forgotten
    SetCookie(res, fresh.id);
    Redirect(res, pending.return_to);
  }

  void SignOut(Ctx& c) {
    s_.sessions_->Remove(c.session.id);
    s_.oidc_->Revoke(c.session.refresh_token);
    ClearCookie(c.res);
    auto url = s_.oidc_->EndSessionUrl(c.session.id_token, s_.public_url_ + "/");
    Redirect(c.res, url.ok() && !url->empty() ? *url : "/");
  }

  // ---- dashboard ------------------------------------------------------------

  // A deadline's computation: `explanation` in French, or the service's
  // English one with `explanation_en` (the page marks it lang="en").
  static void PutExplanation(Data& d, const cv1::ComputedDeadline& deadline) {
    const bool french = !deadline.explanation_fr().empty();
    Put(d, "explanation", french ? deadline.explanation_fr() : deadline.explanation());
    d.set("explanation_en", !french && !deadline.explanation().empty());
  }

  // A convention's warnings in French (the English ones from a service that
  // predates the French texts).
  static std::vector<Message> WarningsFr(const cv1::Convention& conv) {
    const bool french = conv.warnings_fr_size() == conv.warnings_size();
    std::vector<Message> out;
    for (const std::string& w : french ? conv.warnings_fr() : conv.warnings()) {
      out.emplace_back(w, !french);
    }
    return out;
  }

  // The convention a deadline's subject belongs to: "conventions/{id}" for
  // "conventions/{id}" and "conventions/{id}/disputes/{n}".
  static std::string ConventionOfSubject(const std::string& subject) {
    return subject.substr(0, subject.find("/disputes/"));
  }

  // One pending deadline: what, when, days left, what happens then, and how
  // the date was computed (in French).
  static Data PendingDeadlineData(const CivilDate& today, const cv1::PendingDeadline& dl) {
    Data r;
    r.set("kind", DeadlineKindFr(dl.kind()));
    r.set("date", DateFr(dl.deadline().last_day()));
    r.set("days_left", DaysLeftFr(today, Civil(dl.deadline().last_day())));
    r.set("consequence", DeadlineConsequenceFr(dl.kind()));
    PutExplanation(r, dl.deadline());
    r.set("insee", dl.commune_insee_code());
    const std::string convention_id = IdOf(ConventionOfSubject(dl.subject()));
    r.set("href", absl::StrCat("/conventions/", convention_id));
    r.set("subject", convention_id);
    return r;
  }

  void Dashboard(Ctx& c) {
    const CivilDate today = Today(c);
    Data d;
    cv1::ListDeadlinesRequest dreq;
    dreq.set_page_size(100);
    cv1::ListDeadlinesResponse deadlines;
    grpc::Status st = s_.backend_->conventions().ListDeadlines(s_.backend_->Context(Token(c)).get(),
                                                               dreq, &deadlines);
    if (!st.ok()) return ServiceRefused(c, st);
    Data rows = List();
    for (const auto& dl : deadlines.deadlines()) rows.push_back(PendingDeadlineData(today, dl));
    d.set("deadlines", rows);
    d.set("no_deadlines", deadlines.deadlines_size() == 0);
    if (CanOperate(c)) {
      d.set("operator", true);
      d.set("csrf", c.session.csrf);
      cv1::ListTimersResponse timers;
      if (s_.backend_->conventions().ListTimers(s_.backend_->Context(Token(c)).get(),
                                                cv1::ListTimersRequest(), &timers).ok()) {
        Data list = List();
        for (const auto& t : timers.timers()) {
          Data r;
          r.set("id", IdOf(t.name()));
          r.set("kind", t.kind());
          r.set("subject", t.subject());
          r.set("due", InstantFr(t.due_time()));
          r.set("attempts", std::to_string(t.attempts()));
          r.set("error", t.last_error());
          list.push_back(r);
        }
        d.set("timers", list);
        d.set("no_timers", timers.timers_size() == 0);
      }
      cv1::ListOutboxMessagesRequest oreq;
      oreq.set_state(cv1::OutboxMessage::STATE_DEAD);
      cv1::ListOutboxMessagesResponse dead;
      if (s_.backend_->conventions().ListOutboxMessages(s_.backend_->Context(Token(c)).get(), oreq,
                                                        &dead).ok()) {
        Data list = List();
        for (const auto& m : dead.messages()) {
          Data r;
          r.set("id", std::to_string(m.id()));
          r.set("topic", m.topic());
          r.set("key", m.key());
          r.set("attempts", std::to_string(m.attempts()));
          r.set("error", m.last_error());
          list.push_back(r);
        }
        d.set("dead", list);
        d.set("no_dead", dead.messages_size() == 0);
      }
    }
    cv1::ListConventionsRequest wreq;
    wreq.set_with_warnings(true);
    wreq.set_page_size(50);
    cv1::ListConventionsResponse warned;
    if (s_.backend_->conventions().ListConventions(s_.backend_->Context(Token(c)).get(), wreq,
                                                   &warned).ok()) {
      Data list = List();
      for (const auto& conv : warned.conventions()) {
        const std::vector<Message> texts = WarningsFr(conv);
        if (texts.empty()) continue;
        Data r = ConventionRow(conv);
        r.set("warning", MessageData(texts.front()));
        list.push_back(r);
      }
      d.set("warned", list);
      d.set("no_warned", warned.conventions_size() == 0);
    }
    Send(c, "Tableau de bord", Render("dashboard", d), "dashboard", "/evenements");
  }

  void RetryTimer(Ctx& c) {
    cv1::RetryTimerRequest req;
    req.set_name(absl::StrCat("timers/", c.req.matches[1].str()));
    req.set_request_id(NewRequestId());
    cv1::Timer out;
    grpc::Status st = s_.backend_->conventions().RetryTimer(s_.backend_->Context(Token(c)).get(), req, &out);
    if (st.ok()) {
      Notice(c, absl::StrCat("Minuteur ", c.req.matches[1].str(), " relancé."));
    } else {
      NoticeError(c, absl::StrCat("Le minuteur ", c.req.matches[1].str(), " n'a pas été relancé."), st);
    }
    Redirect(c.res, "/");
  }

  void RetryNotice(Ctx& c) {
    cv1::RetryOutboxMessageRequest req;
    int64_t id = 0;
    (void)absl::SimpleAtoi(c.req.matches[1].str(), &id);
    req.set_id(id);
    req.set_request_id(NewRequestId());
    cv1::OutboxMessage out;
    grpc::Status st =
        s_.backend_->conventions().RetryOutboxMessage(s_.backend_->Context(Token(c)).get(), req, &out);
    if (st.ok()) {
      Notice(c, absl::StrCat("Avis ", id, " relancé."));
    } else {
      NoticeError(c, absl::StrCat("L'avis ", id, " n'a pas été relancé."), st);
    }
    Redirect(c.res, "/");
  }

  void MoveClock(Ctx& c) {
    const std::string value = Param(c.req, "instant");
    absl::Time target;
    std::string err;
    if (!absl::ParseTime("%Y-%m-%dT%H:%M", value, ParisTimeZone(), &target, &err)) {
      NoticeError(c, "Date simulée : indiquez une date et une heure (AAAA-MM-JJ HH:MM).");
      return Redirect(c.res, SafeReturnPath(Param(c.req, "retour")));
    }
    tv1::SetTimeRequest req;
    req.mutable_time()->set_seconds(absl::ToUnixSeconds(target));
    tv1::GetTimeResponse out;
    grpc::Status st = s_.backend_->clock().SetTime(s_.backend_->Context(Token(c)).get(), req, &out);
    if (st.ok()) {
      // billing-service follows, so that titres and payments carry the same date.
      tv1::GetTimeResponse ignored;
      (void)s_.backend_->billing_clock().SetTime(s_.backend_->Context(Token(c)).get(), req, &ignored);
      Notice(c, absl::StrCat("Date simulée : ", InstantFr(target), "."));
    } else {
      NoticeError(c, "La date simulée n'a pas été changée.", st);
    }
    Redirect(c.res, SafeReturnPath(Param(c.req, "retour")));
  }

  // ---- conventions ----------------------------------------------------------

  static Data ConventionRow(const cv1::Convention& conv) {
    Data r;
    r.set("id", IdOf(conv.name()));
    r.set("commune", conv.commune().party().name());
    r.set("insee", conv.commune().insee_code());
    r.set("school_year", conv.school_year());
    r.set("state", ConventionStateFr(conv.state()));
    r.set("badge", ConventionStateBadge(conv.state()));
    r.set("end_date", DateFr(conv.end_date()));
    r.set("warnings", std::to_string(conv.warnings_size()));
    r.set("has_warnings", conv.warnings_size() > 0);
    return r;
  }

  void Conventions(Ctx& c) {
    constexpr int kPerPage = 50;
    const std::string q = Param(c.req, "q");
    const std::string state = Param(c.req, "etat");
    const std::string year = Param(c.req, "annee");
    const bool warnings = Param(c.req, "alertes") == "1";
    int page = 1;
    if (!absl::SimpleAtoi(Param(c.req, "page"), &page) || page < 1) page = 1;

    cv1::ListConventionsRequest req;
    req.set_page_size(1000);
    req.set_school_year(year);
    req.set_with_warnings(warnings);
    cv1::Convention::State st_filter = cv1::Convention::STATE_UNSPECIFIED;
    if (!state.empty() && cv1::Convention::State_Parse(state, &st_filter)) req.set_state(st_filter);
    const std::string folded = FoldForSearch(q);
    const bool insee_query = folded.size() == 5 && (absl::ascii_isdigit(folded[0]) || folded[0] == '2');
    if (insee_query && absl::ascii_isdigit(folded[4])) {
      std::string code = absl::AsciiStrToUpper(folded);
      req.set_commune_insee_code(code);
    }
    std::vector<cv1::Convention> all;
    for (int pages = 0; pages < 50; ++pages) {
      cv1::ListConventionsResponse resp;
      grpc::Status st = s_.backend_->conventions().ListConventions(s_.backend_->Context(Token(c)).get(),
                                                                   req, &resp);
      if (!st.ok()) return ServiceRefused(c, st);
      for (auto& conv : *resp.mutable_conventions()) {
        if (!folded.empty() && req.commune_insee_code().empty()) {
          const std::string name = FoldForSearch(conv.commune().party().name());
          const bool match = absl::StrContains(absl::StrCat(" ", name, " "), absl::StrCat(" ", folded)) ||
                             absl::StartsWith(FoldForSearch(conv.commune().insee_code()), folded) ||
                             absl::StrContains(name, folded);
          if (!match) continue;
        }
        all.push_back(std::move(conv));
      }
      if (resp.next_page_token().empty()) break;
      req.set_page_token(resp.next_page_token());
    }
    const int pages = std::max<int>(1, (static_cast<int>(all.size()) + kPerPage - 1) / kPerPage);
    page = std::min(page, pages);
    Data d;
    Data rows = List();
    for (size_t i = (page - 1) * kPerPage; i < all.size() && i < static_cast<size_t>(page * kPerPage); ++i) {
      rows.push_back(ConventionRow(all[i]));
    }
    d.set("rows", rows);
    d.set("count", std::to_string(all.size()));
    d.set("none", all.empty());
    d.set("q", q);
    d.set("annee", year);
    d.set("alertes", warnings);
    Data states = List();
    states.push_back(Option("", "Tous les états", state.empty()));
    for (auto s : {cv1::Convention::STATE_DRAFT, cv1::Convention::STATE_SIGNING,
                   cv1::Convention::STATE_ACTIVE, cv1::Convention::STATE_TERMINATING,
                   cv1::Convention::STATE_TERMINATED, cv1::Convention::STATE_EXPIRED,
                   cv1::Convention::STATE_CANCELLED}) {
      const std::string value = cv1::Convention::State_Name(s);
      states.push_back(Option(value, ConventionStateFr(s), value == state));
    }
    d.set("states", states);
    if (pages > 1) {
      Data pager = List();
      const std::string base = absl::StrCat("/conventions?", httplib::detail::params_to_query_str(
                                                                 {{"q", q}, {"etat", state}, {"annee", year},
                                                                  {"alertes", warnings ? "1" : ""}}));
      for (int p = 1; p <= pages; ++p) {
        Data item;
        item.set("n", std::to_string(p));
        item.set("href", absl::StrCat(base, "&page=", p));
        item.set("current", p == page);
        pager.push_back(item);
      }
      d.set("pager", pager);
      d.set("has_pager", true);
    }
    Send(c, "Conventions", Render("conventions", d), "conventions");
  }

  static Data Option(const std::string& value, const std::string& label, bool selected) {
    Data o;
    o.set("value", value);
    o.set("label", label);
    o.set("selected", selected);
    return o;
  }

  bool GetConvention(Ctx& c, const std::string& id, cv1::Convention* out) {
    cv1::GetConventionRequest req;
    req.set_name(absl::StrCat("conventions/", id));
    grpc::Status st = s_.backend_->conventions().GetConvention(s_.backend_->Context(Token(c)).get(), req, out);
    if (!st.ok()) ServiceRefused(c, st);
    return st.ok();
  }

  Data DeadlineData(const cv1::ComputedDeadline& d) {
    Data out;
    out.set("date", DateFr(d.last_day()));
    out.set("expires", InstantFr(d.expires_at()));
    PutExplanation(out, d);
    return out;
  }

  void Convention(Ctx& c) {
    const std::string id = c.req.matches[1].str();
    cv1::Convention conv;
    if (!GetConvention(c, id, &conv)) return;
    Data d = ConventionRow(conv);
    d.set("name", conv.name());
    d.set("csrf", c.session.csrf);
    Put(d, "effective_date", DateFr(conv.effective_date()));
    Put(d, "last_day_in_force", DateFr(conv.last_day_in_force()));
    d.set("referents", conv.referent_accounts_active());
    Put(d, "registry_version", conv.registry_version());
    Data warnings = List();
    for (const Message& w : WarningsFr(conv)) warnings.push_back(MessageData(w));
    d.set("warning_list", warnings);
    Data schools = List();
    for (const auto& school : conv.schools()) {
      Data r;
      r.set("uai", school.uai());
      r.set("name", school.name());
      r.set("enrolled", DateFr(school.enrolled_date()));
      schools.push_back(r);
    }
    d.set("schools", schools);
    if (conv.has_deliberation()) {
      Data del;
      del.set("number", conv.deliberation().number());
      del.set("session", DateFr(conv.deliberation().session_date()));
      del.set("enforceable", DateFr(conv.deliberation().enforceable_date()));
      del.set("appeal", DeadlineData(conv.deliberation().appeal_deadline()));
      d.set("deliberation", del);
    }
    Data sigs = List();
    for (const auto& sig : conv.signatures()) {
      Data r;
      r.set("party", PartyFr(sig.party()));
      r.set("date", DateFr(sig.date()));
      r.set("signatory", sig.signatory());
      r.set("capacity", sig.capacity());
      r.set("place", sig.place());
      sigs.push_back(r);
    }
    d.set("signatures", sigs);

    // Disputes, each with what may be done next.
    cv1::ListDisputesRequest dreq;
    dreq.set_parent(conv.name());
    dreq.set_page_size(100);
    cv1::ListDisputesResponse disputes;
    grpc::Status st = s_.backend_->conventions().ListDisputes(s_.backend_->Context(Token(c)).get(), dreq,
                                                              &disputes);
    if (!st.ok()) return ServiceRefused(c, st);
    bool open = false;
    Data list = List();
    for (const auto& dispute : disputes.disputes()) {
      list.push_back(DisputeData(c, conv, dispute, &open));
    }
    d.set("disputes", list);
    d.set("can_open", CanDispute(c) && !open && conv.state() == cv1::Convention::STATE_ACTIVE);

    // The timeline: the history, oldest first.
    cv1::ListConventionEventsRequest ereq;
    ereq.set_parent(conv.name());
    ereq.set_page_size(1000);
    cv1::ListConventionEventsResponse events;
    st = s_.backend_->conventions().ListConventionEvents(s_.backend_->Context(Token(c)).get(), ereq, &events);
    if (!st.ok()) return ServiceRefused(c, st);
    Data timeline = List();
    for (const auto& e : events.events()) {
      Data r;
      r.set("type", EventTypeFr(e.type()));
      r.set("time", InstantFr(e.time()));
      Data changes = List();
      for (const std::string& line : EventChangesFr(e)) changes.push_back(Data("text", line));
      r.set("changes", changes);
      r.set("actor", e.actor());
      r.set("state", ConventionStateFr(e.state()));
      timeline.push_back(r);
    }
    d.set("timeline", timeline);

    // What is still to come for this convention (expiry, renewal reminder,
    // conciliation, termination), soonest first: its commune's pending
    // deadlines, this convention's only.
    cv1::ListDeadlinesRequest lreq;
    lreq.set_commune_insee_code(conv.commune().insee_code());
    lreq.set_page_size(1000);
    cv1::ListDeadlinesResponse pending;
    st = s_.backend_->conventions().ListDeadlines(s_.backend_->Context(Token(c)).get(), lreq, &pending);
    if (!st.ok()) return ServiceRefused(c, st);
    const CivilDate today = Today(c);
    Data upcoming = List();
    bool any = false;
    for (const auto& dl : pending.deadlines()) {
      if (ConventionOfSubject(dl.subject()) == conv.name()) {
        upcoming.push_back(PendingDeadlineData(today, dl));
        any = true;
      }
    }
    d.set("upcoming", upcoming);
    d.set("no_upcoming", !any);
    Send(c, absl::StrCat("Convention ", conv.commune().party().name(), " ", conv.school_year()),
         Render("convention", d), "conventions", absl::StrCat("/evenements?convention=", id));
  }

  Data DisputeData(Ctx& c, const cv1::Convention& conv, const cv1::Dispute& dispute, bool* open) {
    using S = cv1::Dispute;
    Data r;
    const int64_t n = DisputeNumberOf(dispute.name());
    const std::string base = absl::StrCat("/conventions/", IdOf(conv.name()), "/litiges/", n);
    r.set("number", std::to_string(n));
    r.set("base", base);
    r.set("state", DisputeStateFr(dispute.state()));
    r.set("badge", DisputeStateBadge(dispute.state()));
    r.set("party", PartyFr(dispute.party()));
    r.set("grievances", dispute.grievances());
    r.set("notice_reference", dispute.notice_reference());
    r.set("notice_sent", DateFr(dispute.notice_sent_date()));
    Put(r, "notice_acknowledged", DateFr(dispute.notice_acknowledged_date()));
    Put(r, "opened_by", dispute.opened_by().actor());
    r.set("conciliation_deadline", DeadlineData(dispute.conciliation_deadline()));
    if (dispute.has_conciliation()) {
      Data con;
      con.set("date", DateFr(dispute.conciliation().meeting_date()));
      con.set("outcome", dispute.conciliation().outcome() == cv1::CONCILIATION_OUTCOME_RESOLVED
                             ? "accord trouvé" : "échec");
      con.set("notes", dispute.conciliation().notes());
      Put(con, "by", dispute.conciliation().recorded_by().actor());
      r.set("conciliation", con);
    }
    if (dispute.has_termination()) {
      Data t;
      t.set("party", PartyFr(dispute.termination().party()));
      t.set("date", DateFr(dispute.termination().sent_date()));
      t.set("reference", dispute.termination().letter_reference());
      t.set("reasons", dispute.termination().reasons());
      t.set("deadline", DeadlineData(dispute.termination().effective_deadline()));
      Put(t, "by", dispute.termination().sent_by().actor());
      r.set("termination", t);
    }
    const S::State s = dispute.state();
    const bool still_open = s == S::STATE_AWAITING_CONCILIATION || s == S::STATE_CONCILIATION_FAILED ||
                            s == S::STATE_CONCILIATION_LAPSED || s == S::STATE_TERMINATING;
    if (still_open) *open = true;
    const bool act = CanDispute(c);
    r.set("can_conciliate", act && s == S::STATE_AWAITING_CONCILIATION);
    r.set("can_terminate", act && (s == S::STATE_CONCILIATION_FAILED || s == S::STATE_CONCILIATION_LAPSED));
    r.set("can_withdraw", act && still_open);
    r.set("can_correct", act && still_open);
    r.set("has_actions", act && still_open);
    r.set("has_conciliation_record", dispute.has_conciliation());
    r.set("has_termination_letter", dispute.has_termination());
    return r;
  }

  void Pdf(Ctx& c, const grpc::Status& st, const document::v1::Document& doc) {
    if (!st.ok()) return ServiceRefused(c, st);
    const bool inline_view = Param(c.req, "voir") == "1";
    c.res.set_header("Content-Disposition",
                     absl::StrCat(inline_view ? "inline" : "attachment", "; filename=\"", doc.filename(), "\""));
    c.res.set_content(doc.content(), doc.media_type().empty() ? "application/pdf" : doc.media_type());
  }

  void ConventionPdf(Ctx& c) {
    cv1::GetConventionDocumentRequest req;
    req.set_name(absl::StrCat("conventions/", c.req.matches[1].str()));
    document::v1::Document doc;
    grpc::Status st = s_.backend_->conventions().GetConventionDocument(s_.backend_->Context(Token(c)).get(),
                                                                       req, &doc);
    Pdf(c, st, doc);
  }

  void DisputeLetter(Ctx& c) {
    cv1::GetDisputeLetterRequest req;
    req.set_name(absl::StrCat("conventions/", c.req.matches[1].str(), "/disputes/", c.req.matches[2].str()));
    const std::string kind = c.req.matches[3].str();
    req.set_kind(kind == "mise-en-demeure"  ? cv1::DISPUTE_LETTER_KIND_NOTICE
                 : kind == "resiliation"    ? cv1::DISPUTE_LETTER_KIND_TERMINATION
                                            : cv1::DISPUTE_LETTER_KIND_CONCILIATION_RECORD);
    document::v1::Document doc;
    grpc::Status st = s_.backend_->conventions().GetDisputeLetter(s_.backend_->Context(Token(c)).get(), req, &doc);
    Pdf(c, st, doc);
  }

  // ---- Article 8: the dispute forms -----------------------------------------

  // One act's form: its fields, how to call the service, and the consequence
  // to show from the service's validate_only answer.
  struct Act {
    std::string title;
    std::string intro;
    std::string confirm_label;
    std::vector<Field> fields;
    // Calls the service; validate_only for the preview.
    std::function<grpc::Status(Ctx&, bool validate_only, const std::string& request_id, cv1::Dispute*)> call;
    std::function<std::string(const cv1::Dispute&)> consequence;
    std::function<std::string(const cv1::Dispute&)> done;
  };

  static std::vector<std::pair<std::string, std::string>> Parties() {
    return {{"PARTY_ROLE_COMMUNE", "La commune"}, {"PARTY_ROLE_ACADEMIE", "L'académie"}};
  }

  static cv1::PartyRole PartyParam(const httplib::Request& req, const std::string& name) {
    cv1::PartyRole p = cv1::PARTY_ROLE_UNSPECIFIED;
    cv1::PartyRole_Parse(Param(req, name), &p);
    return p;
  }

  // The date of a form field: set when well-formed; a malformed date is
  // reported as the field's own error before calling the service.
  static void DateParam(const httplib::Request& req, const std::string& name, google::type::Date* out,
                        FieldErrors& errors, const std::string& api) {
    const std::string v = Param(req, name);
    if (v.empty()) return;
    if (auto d = ParseDateField(v)) {
      *out = *d;
    } else {
      errors[api].push_back("date invalide : attendue au format JJ/MM/AAAA, par exemple 31/03/2022");
    }
  }

  Act OpenAct(const std::string& convention_id) {
    Act a;
    a.title = "Ouvrir un litige : mise en demeure";
    a.intro = "Article 8 : la partie qui s'estime lésée met l'autre en demeure par lettre "
              "recommandée avec accusé de réception ; une conciliation doit se tenir dans le mois.";
    a.confirm_label = "Enregistrer la mise en demeure";
    a.fields = {
        {"party", "dispute.party", "Partie qui met en demeure", "", "radio", Parties(), true},
        {"grievances", "dispute.grievances", "Griefs", "Les manquements reprochés, tels qu'écrits dans la lettre.", "textarea", {}, true},
        {"notice_reference", "dispute.notice_reference", "Référence de la lettre recommandée", "Par exemple : LRAR 1A 234 567 8901 2", "text", {}, true},
        {"notice_sent_date", "dispute.notice_sent_date", "Date d'envoi de la mise en demeure", "Format : JJ/MM/AAAA", "date", {}, true},
        {"notice_acknowledged_date", "dispute.notice_acknowledged_date", "Date de l'accusé de réception (facultatif)", "Format : JJ/MM/AAAA", "date", {}, false},
    };
    a.call = [this, convention_id](Ctx& c, bool validate_only, const std::string& request_id, cv1::Dispute* out) {
      cv1::OpenDisputeRequest req;
      req.set_parent(absl::StrCat("conventions/", convention_id));
      req.set_validate_only(validate_only);
      req.set_request_id(request_id);
      auto* d = req.mutable_dispute();
      d->set_party(PartyParam(c.req, "party"));
      d->set_grievances(Param(c.req, "grievances"));
      d->set_notice_reference(Param(c.req, "notice_reference"));
      FieldErrors ignored;
      DateParam(c.req, "notice_sent_date", d->mutable_notice_sent_date(), ignored, "");
      if (!Param(c.req, "notice_acknowledged_date").empty()) {
        DateParam(c.req, "notice_acknowledged_date", d->mutable_notice_acknowledged_date(), ignored, "");
      }
      if (d->notice_sent_date().year() == 0) d->clear_notice_sent_date();
      return s_.backend_->conventions().OpenDispute(s_.backend_->Context(Token(c)).get(), req, out);
    };
    a.consequence = [](const cv1::Dispute& d) {
      return absl::StrCat("La mise en demeure ouvre le litige n° ", DisputeNumberOf(d.name()),
                          ". La conciliation doit se tenir au plus tard le ",
                          DateFr(d.conciliation_deadline().last_day()),
                          " ; sans conciliation enregistrée d'ici là, elle sera réputée échouée et la "
                          "partie lésée pourra envoyer la lettre de résiliation.");
    };
    a.done = [](const cv1::Dispute& d) {
      return absl::StrCat("Mise en demeure enregistrée : conciliation au plus tard le ",
                          DateFr(d.conciliation_deadline().last_day()), ".");
    };
    return a;
  }

  Act ConciliationAct(const std::string& dispute) {
    Act a;
    a.title = "Enregistrer l'issue de la conciliation";
    a.intro = "La réunion de conciliation s'est tenue : indiquez sa date et son issue.";
    a.confirm_label = "Enregistrer la conciliation";
    a.fields = {
        {"meeting_date", "conciliation.meeting_date", "Date de la réunion", "Format : JJ/MM/AAAA", "date", {}, true},
        {"outcome", "conciliation.outcome", "Issue", "", "radio",
         {{"CONCILIATION_OUTCOME_RESOLVED", "Accord trouvé : le litige est clos"},
          {"CONCILIATION_OUTCOME_FAILED", "Échec : pas d'accord"}}, true},
        {"notes", "conciliation.notes", "Compte rendu (facultatif)", "", "textarea", {}, false},
    };
    a.call = [this, dispute](Ctx& c, bool validate_only, const std::string& request_id, cv1::Dispute* out) {
      cv1::RecordConciliationRequest req;
      req.set_name(dispute);
      req.set_validate_only(validate_only);
      req.set_request_id(request_id);
      auto* con = req.mutable_conciliation();
      FieldErrors ignored;
      DateParam(c.req, "meeting_date", con->mutable_meeting_date(), ignored, "");
      if (con->meeting_date().year() == 0) con->clear_meeting_date();
      cv1::ConciliationOutcome o = cv1::CONCILIATION_OUTCOME_UNSPECIFIED;
      cv1::ConciliationOutcome_Parse(Param(c.req, "outcome"), &o);
      con->set_outcome(o);
      con->set_notes(Param(c.req, "notes"));
      return s_.backend_->conventions().RecordConciliation(s_.backend_->Context(Token(c)).get(), req, out);
    };
    a.consequence = [](const cv1::Dispute& d) {
      if (d.state() == cv1::Dispute::STATE_RESOLVED) {
        return std::string("Le litige sera clos par cet accord : la convention reste en vigueur et "
                           "l'échéance de conciliation est levée.");
      }
      return std::string("La conciliation sera enregistrée comme échouée : la partie lésée pourra "
                         "envoyer la lettre recommandée de résiliation, qui prendra effet quinze "
                         "jours après son envoi.");
    };
    a.done = [](const cv1::Dispute& d) {
      return absl::StrCat("Conciliation enregistrée : ", DisputeStateFr(d.state()), ".");
    };
    return a;
  }

  Act TerminationAct(const std::string& dispute) {
    Act a;
    a.title = "Envoyer la lettre de résiliation";
    a.intro = "La conciliation a échoué ou n'a pas eu lieu dans le délai : la partie lésée peut "
              "résilier la convention par lettre recommandée ; la résiliation prend effet quinze "
              "jours après l'envoi.";
    a.confirm_label = "Enregistrer l'envoi de la lettre de résiliation";
    a.fields = {
        {"party", "termination.party", "Partie qui résilie", "", "radio", Parties(), true},
        {"reasons", "termination.reasons", "Motifs", "", "textarea", {}, true},
        {"letter_reference", "termination.letter_reference", "Référence de la lettre recommandée", "Par exemple : LRAR 1A 234 567 8902 9", "text", {}, true},
        {"sent_date", "termination.sent_date", "Date d'envoi", "Format : JJ/MM/AAAA", "date", {}, true},
    };
    a.call = [this, dispute](Ctx& c, bool validate_only, const std::string& request_id, cv1::Dispute* out) {
      cv1::SendTerminationNoticeRequest req;
      req.set_name(dispute);
      req.set_validate_only(validate_only);
      req.set_request_id(request_id);
      auto* t = req.mutable_termination();
      t->set_party(PartyParam(c.req, "party"));
      t->set_reasons(Param(c.req, "reasons"));
      t->set_letter_reference(Param(c.req, "letter_reference"));
      FieldErrors ignored;
      DateParam(c.req, "sent_date", t->mutable_sent_date(), ignored, "");
      if (t->sent_date().year() == 0) t->clear_sent_date();
      return s_.backend_->conventions().SendTerminationNotice(s_.backend_->Context(Token(c)).get(), req, out);
    };
    a.consequence = [](const cv1::Dispute& d) {
      const auto& dl = d.termination().effective_deadline();
      return absl::StrCat("La résiliation prendra effet à l'expiration du délai de quinze jours, le ",
                          DateFr(dl.last_day()), " à 24 heures : la convention cessera d'être en "
                          "vigueur et les comptes référents de la commune seront désactivés.");
    };
    a.done = [](const cv1::Dispute& d) {
      return absl::StrCat("Lettre de résiliation enregistrée : résiliation effective le ",
                          DateFr(d.termination().effective_deadline().last_day()), " à 24 heures.");
    };
    return a;
  }

  Act WithdrawAct(const std::string& dispute) {
    Act a;
    a.title = "Retirer le litige";
    a.intro = "La partie qui a mis en demeure renonce : le litige est clos sans résiliation.";
    a.confirm_label = "Retirer le litige";
    a.fields = {{"reason", "reason", "Motif du retrait", "", "textarea", {}, true}};
    a.call = [this, dispute](Ctx& c, bool validate_only, const std::string& request_id, cv1::Dispute* out) {
      cv1::WithdrawDisputeRequest req;
      req.set_name(dispute);
      req.set_validate_only(validate_only);
      req.set_request_id(request_id);
      req.set_reason(Param(c.req, "reason"));
      return s_.backend_->conventions().WithdrawDispute(s_.backend_->Context(Token(c)).get(), req, out);
    };
    a.consequence = [](const cv1::Dispute&) {
      return std::string("Le litige sera retiré : ses échéances sont levées et la convention reste "
                         "en vigueur jusqu'à son terme.");
    };
    a.done = [](const cv1::Dispute&) { return std::string("Litige retiré."); };
    return a;
  }

  Act CorrectionAct(const std::string& dispute) {
    Act a;
    a.title = "Corriger une date du litige";
    a.intro = "Une date a été mal saisie : corrigez-la ; les échéances qui en dépendent sont recalculées "
              "et l'historique garde les deux valeurs.";
    a.confirm_label = "Corriger la date";
    a.fields = {
        {"field", "field", "Date à corriger", "", "select",
         {{"DISPUTE_DATE_FIELD_NOTICE_SENT", "Envoi de la mise en demeure"},
          {"DISPUTE_DATE_FIELD_NOTICE_ACKNOWLEDGED", "Accusé de réception de la mise en demeure"},
          {"DISPUTE_DATE_FIELD_CONCILIATION_MEETING", "Réunion de conciliation"},
          {"DISPUTE_DATE_FIELD_TERMINATION_SENT", "Envoi de la lettre de résiliation"}}, true},
        {"date", "date", "Date exacte", "Format : JJ/MM/AAAA", "date", {}, true},
        {"reason", "reason", "Motif de la correction", "", "textarea", {}, true},
    };
    a.call = [this, dispute](Ctx& c, bool validate_only, const std::string& request_id, cv1::Dispute* out) {
      cv1::CorrectDisputeDateRequest req;
      req.set_name(dispute);
      req.set_validate_only(validate_only);
      req.set_request_id(request_id);
      cv1::DisputeDateField f = cv1::DISPUTE_DATE_FIELD_UNSPECIFIED;
      cv1::DisputeDateField_Parse(Param(c.req, "field"), &f);
      req.set_field(f);
      FieldErrors ignored;
      DateParam(c.req, "date", req.mutable_date(), ignored, "");
      if (req.date().year() == 0) req.clear_date();
      req.set_reason(Param(c.req, "reason"));
      return s_.backend_->conventions().CorrectDisputeDate(s_.backend_->Context(Token(c)).get(), req, out);
    };
    a.consequence = [](const cv1::Dispute& d) {
      std::string out = absl::StrCat("Après correction, la conciliation devra se tenir au plus tard le ",
                                     DateFr(d.conciliation_deadline().last_day()));
      if (d.has_termination()) {
        absl::StrAppend(&out, " ; la résiliation prendra effet le ",
                        DateFr(d.termination().effective_deadline().last_day()), " à 24 heures");
      }
      return out + ".";
    };
    a.done = [](const cv1::Dispute&) { return std::string("Date corrigée ; échéances recalculées."); };
    return a;
  }

  // GET: the empty form; POST "verifier": the service's preview (or the
  // errors beside their fields); POST "confirmer": the act itself.
  void DisputeForm(Ctx& c, const std::string& convention_id, Act act) {
    cv1::Convention conv;
    if (!GetConvention(c, convention_id, &conv)) return;
    if (!CanDispute(c)) {
      return Refuse(c, 403, "Refusé", "Votre rôle ne permet pas d'agir dans les litiges.");
    }
    const std::string step = Param(c.req, "etape");
    FieldErrors errors;
    std::string alert;
    std::vector<Message> unplaced;  // the service's words about no field of the form
    if (c.req.method == "POST" && (step == "verifier" || step == "confirmer")) {
      for (const Field& f : act.fields) {
        if (f.type == "date") {
          google::type::Date ignored;
          DateParam(c.req, f.name, &ignored, errors, f.api);
        }
      }
      if (errors.empty()) {
        const bool confirm = step == "confirmer";
        std::string request_id = Param(c.req, "request_id");
        if (request_id.empty() || request_id.size() > 64) {
          request_id = NewRequestId();
        }
        cv1::Dispute result;
        grpc::Status st = act.call(c, !confirm, request_id, &result);
        if (st.ok() && confirm) {
          Notice(c, act.done(result));
          return Redirect(c.res, absl::StrCat("/conventions/", convention_id, "#litige-",
                                              DisputeNumberOf(result.name())));
        }
        if (st.ok()) {
          Data d = FormData(c, conv, act, errors);
          d.set("preview", true);
          d.set("request_id", request_id);
          d.set("consequence", act.consequence(result));
          const cv1::ComputedDeadline& dl = result.has_termination()
                                                ? result.termination().effective_deadline()
                                                : result.conciliation_deadline();
          if (!dl.explanation_fr().empty()) Put(d, "explanation", dl.explanation_fr());
          return Send(c, act.title, Render("dispute_form", d), "conventions");
        }
        const ServiceError e = ErrorOf(st);
        alert = e.Summary();
        for (const auto& [field, messages] : e.fields) {
          bool known = false;
          for (const Field& f : act.fields) known = known || field == f.api;
          for (const Message& m : messages) {
            if (known) {
              errors[field].push_back(m);
            } else {
              unplaced.push_back(m);
            }
          }
        }
        if (e.fields.empty()) unplaced.push_back(e.message);
        c.res.status = e.code == grpc::StatusCode::PERMISSION_DENIED ? 403 : 422;
      } else {
        alert = "La demande est incomplète ou incorrecte : corrigez les champs signalés.";
        c.res.status = 422;
      }
    }
    Data d = FormData(c, conv, act, errors);
    if (!alert.empty()) d.set("alert", alert);
    Data details = List();
    for (const Message& m : unplaced) details.push_back(MessageData(m));
    d.set("alert_details", details);
    Send(c, act.title, Render("dispute_form", d), "conventions");
  }

  Data FormData(Ctx& c, const cv1::Convention& conv, const Act& act,
                const FieldErrors& errors) {
    Data d;
    d.set("title", act.title);
    d.set("intro", act.intro);
    d.set("confirm_label", act.confirm_label);
    d.set("csrf", c.session.csrf);
    d.set("action", c.req.path);
    d.set("commune", conv.commune().party().name());
    d.set("school_year", conv.school_year());
    d.set("convention_href", absl::StrCat("/conventions/", IdOf(conv.name())));
    Data fields = List();
    Data summary = List();
    for (const Field& f : act.fields) {
      Data fd;
      const std::string value = Param(c.req, f.name);
      fd.set("name", f.name);
      fd.set("id", "champ-" + f.name);
      fd.set("label", f.label);
      fd.set("hint", f.hint);
      fd.set("has_hint", !f.hint.empty());
      fd.set("value", value);
      std::string display = value.empty() ? "—" : value;
      for (const auto& [v, l] : f.options) {
        if (v == value) display = l;
      }
      if (f.type == "date") {
        if (auto date = ParseDateField(value)) display = DateFr(*date);
      }
      fd.set("display", display);
      fd.set("required", f.required);
      fd.set("is_" + f.type, true);
      Data options = List();
      int i = 0;
      for (const auto& [v, l] : f.options) {
        Data o = Option(v, l, v == value);
        o.set("id", absl::StrCat("champ-", f.name, "-", i++));
        options.push_back(o);
      }
      fd.set("options", options);
      auto it = errors.find(f.api);
      if (it != errors.end()) {
        Data list = List();
        for (const Message& m : it->second) {
          list.push_back(MessageData(m));
          Data s = MessageData(m);
          s.set("href", "#champ-" + f.name);
          s.set("label", f.label);
          summary.push_back(s);
        }
        fd.set("errors", list);
        fd.set("has_errors", true);
      }
      fields.push_back(fd);
    }
    d.set("fields", fields);
    d.set("error_summary", summary);
    d.set("has_error_summary", !errors.empty());
    return d;
  }

  void OpenDispute(Ctx& c) {
    const std::string id = c.req.matches[1].str();
    DisputeForm(c, id, OpenAct(id));
  }

  void DisputeAct(Ctx& c) {
    const std::string id = c.req.matches[1].str();
    const std::string dispute = absl::StrCat("conventions/", id, "/disputes/", c.req.matches[2].str());
    const std::string act = c.req.matches[3].str();
    if (act == "conciliation") return DisputeForm(c, id, ConciliationAct(dispute));
    if (act == "resiliation") return DisputeForm(c, id, TerminationAct(dispute));
    if (act == "retrait") return DisputeForm(c, id, WithdrawAct(dispute));
    return DisputeForm(c, id, CorrectionAct(dispute));
  }

  // ---- titres ----------------------------------------------------------------

  Data TitreRow(const bv1::Titre& t) {
    Data r;
    r.set("number", t.number());
    r.set("debtor", t.debtor().name());
    r.set("insee", t.debtor().insee_code());
    r.set("school_year", t.school_year());
    r.set("issue_date", DateFr(t.issue_date()));
    r.set("total", EurosFr(t.total_cents()));
    r.set("paid", EurosFr(t.paid_cents()));
    r.set("corrected", EurosFr(t.corrected_cents()));
    r.set("balance", EurosFr(t.balance_cents()));
    r.set("state", TitreStateFr(t.state()));
    r.set("kind", t.kind() == bv1::Titre::KIND_SUPPLEMENTARY ? "complémentaire" : "initial");
    return r;
  }

  void Titres(Ctx& c) {
    bv1::ListTitresRequest req;
    req.set_page_size(1000);
    req.set_school_year(Param(c.req, "annee"));
    req.set_commune_insee_code(absl::AsciiStrToUpper(Param(c.req, "commune")));
    Data d;
    d.set("annee", req.school_year());
    d.set("commune", req.commune_insee_code());
    Data rows = List();
    int count = 0;
    for (int pages = 0; pages < 50; ++pages) {
      bv1::ListTitresResponse resp;
      grpc::Status st = s_.backend_->billing().ListTitres(s_.backend_->Context(Token(c)).get(), req, &resp);
      if (!st.ok()) {
        const ServiceError e = ErrorOf(st);
        if (e.code == grpc::StatusCode::INVALID_ARGUMENT) {
          d.set("alert", e.Summary());
          d.set("alert_detail", MessageData(e.message));
          break;
        }
        return ServiceRefused(c, st);
      }
      for (const auto& t : resp.titres()) {
        rows.push_back(TitreRow(t));
        ++count;
      }
      if (resp.next_page_token().empty()) break;
      req.set_page_token(resp.next_page_token());
    }
    d.set("rows", rows);
    d.set("count", std::to_string(count));
    d.set("none", count == 0);
    Send(c, "Titres de perception", Render("titres", d), "titres");
  }

  // `alert` (French) and `detail` (the service's words) when a form was refused.
  void Titre(Ctx& c, FieldErrors errors = {}, const std::string& alert = "",
             const std::string& form = "", const Message& detail = Message("")) {
    const std::string number = c.req.matches[1].str();
    bv1::GetTitreRequest req;
    req.set_name(absl::StrCat("titres/", number));
    bv1::Titre t;
    grpc::Status st = s_.backend_->billing().GetTitre(s_.backend_->Context(Token(c)).get(), req, &t);
    if (!st.ok()) return ServiceRefused(c, st);
    Data d = TitreRow(t);
    d.set("csrf", c.session.csrf);
    Put(d, "convention", IdOf(t.convention()));
    d.set("has_convention", !t.convention().empty());
    Put(d, "issued_by", t.issued_by().actor());
    d.set("officer", t.issuing_officer());
    Data lines = List();
    for (const auto& l : t.lines()) {
      Data r;
      r.set("uai", l.uai());
      r.set("name", l.name());
      r.set("unit", EurosFr(l.unit_price_cents()));
      r.set("amount", EurosFr(l.amount_cents()));
      lines.push_back(r);
    }
    d.set("lines", lines);
    // Payments and corrections: the commune's statement holds them.
    bv1::GetStatementRequest sreq;
    sreq.set_commune_insee_code(t.debtor().insee_code());
    bv1::Statement statement;
    if (s_.backend_->billing().GetStatement(s_.backend_->Context(Token(c)).get(), sreq, &statement).ok()) {
      for (const auto& entry : statement.entries()) {
        if (entry.titre().number() != t.number()) continue;
        Data payments = List();
        for (const auto& p : entry.payments()) {
          Data r;
          r.set("date", DateFr(p.received_date()));
          r.set("amount", EurosFr(p.amount_cents()));
          r.set("reference", p.reference());
          Put(r, "by", p.recorded_by().actor());
          payments.push_back(r);
        }
        d.set("payments", payments);
        d.set("no_payments", entry.payments_size() == 0);
        Data corrections = List();
        for (const auto& k : entry.corrections()) {
          Data r;
          r.set("date", DateFr(k.date()));
          r.set("kind", k.kind() == bv1::Correction::KIND_ANNULATION ? "annulation" : "réduction");
          r.set("amount", EurosFr(k.amount_cents()));
          r.set("reason", k.reason());
          Put(r, "by", k.recorded_by().actor());
          corrections.push_back(r);
        }
        d.set("corrections", corrections);
        d.set("no_corrections", entry.corrections_size() == 0);
      }
    }
    const bool can_act = CanFinance(c) && t.balance_cents() > 0;
    d.set("can_pay", can_act);
    d.set("can_correct", can_act);
    // The two forms, with their values and errors when they were refused.
    auto field = [&](const std::string& form_name, const std::string& name, const std::string& api) {
      Data f;
      f.set("value", form == form_name ? Param(c.req, name) : "");
      auto it = errors.find(api);
      if (form == form_name && it != errors.end()) {
        Data list = List();
        for (const Message& m : it->second) list.push_back(MessageData(m));
        f.set("errors", list);
        f.set("has_errors", true);
      }
      return f;
    };
    d.set("pay_amount", field("paiement", "amount", "payment.amount_cents"));
    d.set("pay_date", field("paiement", "date", "payment.received_date"));
    d.set("pay_reference", field("paiement", "reference", "payment.reference"));
    d.set("cor_amount", field("reduction", "amount", "correction.amount_cents"));
    d.set("cor_date", field("reduction", "date", "correction.date"));
    d.set("cor_reason", field("reduction", "reason", "correction.reason"));
    d.set("cor_justification", field("reduction", "justification", "correction.justification"));
    d.set("annulation_checked", form == "reduction" && Param(c.req, "kind") == "annulation");
    if (!alert.empty()) d.set("alert", alert);
    if (!detail.text.empty()) d.set("alert_detail", MessageData(detail));
    Send(c, absl::StrCat("Titre n° ", t.number()), Render("titre", d), "titres");
  }

  void RecordPayment(Ctx& c) {
    FieldErrors errors;
    bv1::RecordPaymentRequest req;
    req.set_titre(absl::StrCat("titres/", c.req.matches[1].str()));
    req.set_request_id(Param(c.req, "request_id").empty() ? NewRequestId()
                                                          : Param(c.req, "request_id"));
    auto* p = req.mutable_payment();
    if (auto cents = ParseEuros(Param(c.req, "amount"))) {
      p->set_amount_cents(*cents);
    } else {
      errors["payment.amount_cents"].push_back("montant invalide : en euros, par exemple 40 ou 40,00");
    }
    DateParam(c.req, "date", p->mutable_received_date(), errors, "payment.received_date");
    if (p->received_date().year() == 0) p->clear_received_date();
    p->set_reference(Param(c.req, "reference"));
    return Submit(c, errors, "paiement", [&](bv1::Titre*) {
      bv1::Payment out;
      return s_.backend_->billing().RecordPayment(s_.backend_->Context(Token(c)).get(), req, &out);
    }, "Paiement enregistré.");
  }

  void CreateCorrection(Ctx& c) {
    FieldErrors errors;
    bv1::CreateCorrectionRequest req;
    req.set_titre(absl::StrCat("titres/", c.req.matches[1].str()));
    req.set_request_id(NewRequestId());
    auto* k = req.mutable_correction();
    // An annulation cancels what remains due: the service computes its amount.
    const bool annulation = Param(c.req, "kind") == "annulation";
    k->set_kind(annulation ? bv1::Correction::KIND_ANNULATION : bv1::Correction::KIND_REDUCTION);
    if (!annulation) {
      if (auto cents = ParseEuros(Param(c.req, "amount"))) {
        k->set_amount_cents(*cents);
      } else {
        errors["correction.amount_cents"].push_back("montant invalide : en euros, par exemple 50 ou 50,00");
      }
    }
    DateParam(c.req, "date", k->mutable_date(), errors, "correction.date");
    if (k->date().year() == 0) k->clear_date();
    k->set_reason(Param(c.req, "reason"));
    k->set_justification(Param(c.req, "justification"));
    return Submit(c, errors, "reduction", [&](bv1::Titre*) {
      bv1::Correction out;
      return s_.backend_->billing().CreateCorrection(s_.backend_->Context(Token(c)).get(), req, &out);
    }, annulation ? "Annulation enregistrée : le titre est annulé." : "Réduction enregistrée.");
  }

  template <typename Call>
  void Submit(Ctx& c, FieldErrors errors, const std::string& form,
              Call call, const std::string& done) {
    if (!CanFinance(c)) return Refuse(c, 403, "Refusé", "Seuls les agents des finances enregistrent paiements et réductions.");
    std::string alert;
    Message detail("");
    if (errors.empty()) {
      grpc::Status st = call(nullptr);
      if (st.ok()) {
        Notice(c, done);
        return Redirect(c.res, absl::StrCat("/titres/", c.req.matches[1].str()));
      }
      const ServiceError e = ErrorOf(st);
      alert = e.Summary();
      if (e.fields.empty()) detail = e.message;
      for (const auto& [f, m] : e.fields) for (const Message& x : m) errors[f].push_back(x);
      c.res.status = e.code == grpc::StatusCode::PERMISSION_DENIED ? 403 : 422;
    } else {
      alert = "La demande est incomplète ou incorrecte : corrigez les champs signalés.";
      c.res.status = 422;
    }
    Titre(c, errors, alert, form, detail);
  }

  void TitrePdf(Ctx& c) {
    bv1::GetTitreDocumentRequest req;
    req.set_name(absl::StrCat("titres/", c.req.matches[1].str()));
    document::v1::Document doc;
    grpc::Status st = s_.backend_->billing().GetTitreDocument(s_.backend_->Context(Token(c)).get(), req, &doc);
    Pdf(c, st, doc);
  }

  void Statement(Ctx& c) {
    bv1::GetStatementRequest req;
    req.set_commune_insee_code(c.req.matches[1].str());
    bv1::Statement s;
    grpc::Status st = s_.backend_->billing().GetStatement(s_.backend_->Context(Token(c)).get(), req, &s);
    if (!st.ok()) return ServiceRefused(c, st);
    Data d;
    d.set("insee", s.commune_insee_code());
    d.set("total", EurosFr(s.total_cents()));
    d.set("corrected", EurosFr(s.corrected_cents()));
    d.set("paid", EurosFr(s.paid_cents()));
    d.set("balance", EurosFr(s.balance_cents()));
    Data rows = List();
    for (const auto& e : s.entries()) rows.push_back(TitreRow(e.titre()));
    d.set("rows", rows);
    Send(c, absl::StrCat("Relevé de la commune ", s.commune_insee_code()), Render("statement", d), "titres");
  }

  // ---- live updates ------------------------------------------------------------

  // Server-sent events: one "change" event per committed history event the
  // person may see (of one convention, or all), and a comment every 15 s so
  // that a closed page is noticed. Ends when the service ends the stream
  // (e.g. the access token expired): the browser reconnects with the
  // session's fresh token.
  void Events(Ctx& c) {
    struct Stream {
      absl::Mutex mu;
      std::deque<std::string> queue ABSL_GUARDED_BY(mu);
      bool ended ABSL_GUARDED_BY(mu) = false;
      grpc::ClientContext* ctx = nullptr;
      std::unique_ptr<grpc::ClientContext> owned;
      std::thread reader;
    };
    auto stream = std::make_shared<Stream>();
    stream->owned = s_.backend_->StreamContext(Token(c));
    stream->ctx = stream->owned.get();
    cv1::WatchConventionEventsRequest req;
    req.set_only_new(true);
    const std::string convention = Param(c.req, "convention");
    if (!convention.empty()) req.set_convention(absl::StrCat("conventions/", convention));
    Backend* backend = s_.backend_.get();
    stream->reader = std::thread([stream, req, backend] {
      auto reader = backend->conventions().WatchConventionEvents(stream->ctx, req);
      cv1::ConventionEvent e;
      while (reader->Read(&e)) {
        std::string data = absl::StrCat("{\"convention\":\"", IdOf(e.convention()), "\",\"sequence\":",
                                        e.sequence(), "}");
        absl::MutexLock lock(&stream->mu);
        stream->queue.push_back(std::move(data));
      }
      (void)reader->Finish();
      absl::MutexLock lock(&stream->mu);
      stream->ended = true;
    });
    Register(stream->ctx);
    c.res.set_header("Cache-Control", "no-store");
    c.res.set_header("X-Accel-Buffering", "no");  // reverse proxies: do not buffer
    c.res.set_chunked_content_provider(
        "text/event-stream",
        [this, stream](size_t, httplib::DataSink& sink) {
          const std::string hello = "retry: 3000\n: connecté\n\n";
          if (!sink.write(hello.data(), hello.size())) return false;
          while (true) {
            std::deque<std::string> batch;
            bool ended = false;
            {
              absl::MutexLock lock(&stream->mu);
              auto ready = [&stream]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(stream->mu) {
                return !stream->queue.empty() || stream->ended;
              };
              stream->mu.AwaitWithTimeout(absl::Condition(&ready), absl::Seconds(15));
              batch.swap(stream->queue);
              ended = stream->ended;
            }
            std::string out;
            for (const auto& b : batch) absl::StrAppend(&out, "event: change\ndata: ", b, "\n\n");
            if (out.empty()) out = ": en attente\n\n";
            if (!sink.is_writable() || !sink.write(out.data(), out.size()) || ended || Stopping()) break;
          }
          sink.done();
          return true;
        },
        [this, stream](bool) {
          stream->ctx->TryCancel();
          if (stream->reader.joinable()) stream->reader.join();
          Unregister(stream->ctx);
        });
  }

  void Register(grpc::ClientContext* ctx) {
    absl::MutexLock lock(&streams_mu_);
    streams_.insert(ctx);
  }
  void Unregister(grpc::ClientContext* ctx) {
    absl::MutexLock lock(&streams_mu_);
    streams_.erase(ctx);
  }
  bool Stopping() {
    absl::MutexLock lock(&streams_mu_);
    return stopping_;
  }
  // Ends every live stream (at shutdown).
  void CancelStreams() {
    absl::MutexLock lock(&streams_mu_);
    stopping_ = true;
    for (grpc::ClientContext* ctx : streams_) ctx->TryCancel();
  }

  void Install(httplib::Server& http) {
    secure_ = absl::StartsWith(s_.public_url_, "https://");
    using R = const httplib::Request&;
    using W = httplib::Response&;
    http.Get("/", [this](R req, W res) { Home(req, res); });
    http.Get("/connexion", [this](R req, W res) { SignIn(req, res); });
    http.Get("/connexion/retour", [this](R req, W res) { SignInReturn(req, res); });
    http.Post("/deconnexion", Signed([this](Ctx& c) { SignOut(c); }));
    http.Get("/conventions", Signed([this](Ctx& c) { Conventions(c); }));
    http.Get(R"(/conventions/([a-z0-9][a-z0-9-]{0,62}))", Signed([this](Ctx& c) { Convention(c); }));
    http.Get(R"(/conventions/([a-z0-9][a-z0-9-]{0,62})/convention\.pdf)",
             Signed([this](Ctx& c) { ConventionPdf(c); }));
    http.Get(R"(/conventions/([a-z0-9][a-z0-9-]{0,62})/litiges/([0-9]{1,9})/(mise-en-demeure|resiliation|proces-verbal)\.pdf)",
             Signed([this](Ctx& c) { DisputeLetter(c); }));
    auto open = Signed([this](Ctx& c) { OpenDispute(c); });
    http.Get(R"(/conventions/([a-z0-9][a-z0-9-]{0,62})/litiges/nouveau)", open);
    http.Post(R"(/conventions/([a-z0-9][a-z0-9-]{0,62})/litiges/nouveau)", open);
    auto act = Signed([this](Ctx& c) { DisputeAct(c); });
    const std::string act_path =
        R"(/conventions/([a-z0-9][a-z0-9-]{0,62})/litiges/([0-9]{1,9})/(conciliation|resiliation|retrait|correction))";
    http.Get(act_path, act);
    http.Post(act_path, act);
    http.Get("/titres", Signed([this](Ctx& c) { Titres(c); }));
    http.Get(R"(/titres/([0-9]{4}-[0-9]{6}))", Signed([this](Ctx& c) { Titre(c); }));
    http.Get(R"(/titres/([0-9]{4}-[0-9]{6})/titre\.pdf)", Signed([this](Ctx& c) { TitrePdf(c); }));
    http.Post(R"(/titres/([0-9]{4}-[0-9]{6})/paiements)", Signed([this](Ctx& c) { RecordPayment(c); }));
    http.Post(R"(/titres/([0-9]{4}-[0-9]{6})/reductions)", Signed([this](Ctx& c) { CreateCorrection(c); }));
    http.Get(R"(/communes/([0-9][0-9AB][0-9]{3})/releve)", Signed([this](Ctx& c) { Statement(c); }));
    http.Post(R"(/exploitation/minuteurs/([0-9]{1,18})/relancer)", Signed([this](Ctx& c) { RetryTimer(c); }));
    http.Post(R"(/exploitation/avis/([0-9]{1,18})/relancer)", Signed([this](Ctx& c) { RetryNotice(c); }));
    http.Post("/horloge", Signed([this](Ctx& c) { MoveClock(c); }));
    http.Get("/evenements", Signed([this](Ctx& c) { Events(c); }));
    http.Get(R"(/static/([a-z0-9_-]+\.(css|js|svg)))", [](R req, W res) {
      const std::string name = req.matches[1].str();
      const std::string* file = StaticFile(name);
      if (file == nullptr) {
        res.status = 404;
        return;
      }
      const std::string ext = req.matches[2].str();
      res.set_header("Cache-Control", "public, max-age=3600");
      res.set_content(*file, ext == "css" ? "text/css; charset=utf-8"
                             : ext == "js" ? "text/javascript; charset=utf-8"
                                           : "image/svg+xml");
    });
    http.set_error_handler([this](R req, W res) {
      if (res.status != 404 || !res.body.empty()) return;
      Ctx c{req, res, SessionOf(req, res)};
      Refuse(c, 404, "Page introuvable", "Cette adresse ne correspond à aucune page de la console.");
    });
  }

 private:
  ConsoleServer& s_;
  bool secure_ = false;
  absl::Mutex refresh_mu_;  // serialises token refreshes (rare: every few minutes per person)
  absl::Mutex streams_mu_;
  std::set<grpc::ClientContext*> streams_ ABSL_GUARDED_BY(streams_mu_);
  bool stopping_ ABSL_GUARDED_BY(streams_mu_) = false;
};

ConsoleServer::ConsoleServer(ConsoleOptions options, std::unique_ptr<OidcClient> oidc,
                             std::unique_ptr<Backend> backend)
    : options_(std::move(options)), oidc_(std::move(oidc)), backend_(std::move(backend)) {
  sessions_ = std::make_unique<SessionStore>(options_.sessions, [] { return absl::Now(); });
}

ConsoleServer::~ConsoleServer() {
  Stop();
  Wait();
}

absl::Status ConsoleServer::Start() {
  if (auto st = CheckTemplates(); !st.ok()) return st;
  http_ = std::make_unique<httplib::Server>();
  const int threads = options_.threads;
  http_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  http_->set_payload_max_length(1 << 20);
  http_->set_keep_alive_max_count(100);
  if (options_.port == 0) {
    port_ = http_->bind_to_any_port(options_.host);
    if (port_ < 0) return absl::UnavailableError(absl::StrCat("--listen: cannot bind ", options_.host));
  } else {
    if (!http_->bind_to_port(options_.host, options_.port)) {
      return absl::UnavailableError(
          absl::StrCat("--listen: cannot bind ", options_.host, ":", options_.port));
    }
    port_ = options_.port;
  }
  public_url_ = options_.public_url.empty()
                    ? absl::StrCat("http://", options_.host, ":", port_)
                    : options_.public_url;
  while (absl::EndsWith(public_url_, "/")) public_url_.pop_back();
  if (!absl::StartsWith(public_url_, "https://") && !IsLoopback(options_.host)) {
    return absl::InvalidArgumentError(
        "--public-url: must be an https URL when the console listens beyond loopback (it runs "
        "behind a TLS reverse proxy; session cookies are then Secure)");
  }
  // Security headers on every response.
  std::string form_action = "'self'";
  const std::string& issuer = oidc_->config().issuer;
  const size_t scheme = issuer.find("://");
  const size_t path = issuer.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  form_action += " " + issuer.substr(0, path);
  http_->set_default_headers({
      {"Content-Security-Policy",
       absl::StrCat("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                    "font-src 'self'; connect-src 'self'; frame-src 'self'; form-action ", form_action,
                    "; frame-ancestors 'self'; base-uri 'none'")},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "same-origin"},
      {"X-Frame-Options", "SAMEORIGIN"},
      {"Cache-Control", "no-store"},
  });
  if (!options_.dsfr_dir.empty() && !http_->set_mount_point("/dsfr", options_.dsfr_dir)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--dsfr-dir: ", options_.dsfr_dir, " is not a directory (npm ci --prefix console)"));
  }
  handlers_ = std::make_unique<Handlers>(*this);
  handlers_->Install(*http_);
  thread_ = std::thread([this] { http_->listen_after_bind(); });
  return absl::OkStatus();
}

void ConsoleServer::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopped_) return;
    stopped_ = true;
  }
  if (handlers_) handlers_->CancelStreams();
  if (http_) http_->stop();
}

void ConsoleServer::Wait() {
  if (thread_.joinable()) thread_.join();
}

}  // namespace ent::console
