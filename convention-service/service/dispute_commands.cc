#include "convention-service/service/dispute_commands.h"

#include "absl/strings/str_cat.h"
#include "common/resource_names.h"
#include "common/field_violations.h"
#include "common/status_macros.h"
#include "convention-service/domain/lifecycle.h"
#include "convention-service/domain/validation.h"
#include "convention-service/service/convention_loader.h"

namespace ent::convention {
namespace {

// Commune portals act in disputes as the commune party only.
absl::Status CheckPortalParty(const Principal& caller, PartyRole party, const char* field) {
  if (caller.role == Role::kCommunePortal && party != PartyRole::kCommune) {
    return absl::PermissionDeniedError(absl::StrCat("principal '", caller.name,
                                                    "' (commune portal) acts only as the commune: ",
                                                    field, " must be PARTY_ROLE_COMMUNE"));
  }
  return absl::OkStatus();
}

absl::Status CheckDisputeEtag(const Dispute& d, const std::string& etag) {
  if (!etag.empty() && etag != d.Etag()) {
    return WithFrench(
        absl::AbortedError(absl::StrCat("etag ", QuoteInput(etag), " is stale: ", d.Name(),
                                        " has changed (current etag \"", d.Etag(), "\")")),
        absl::StrCat("Le litige n° ", d.number,
                     " a changé depuis que la page a été affichée : relisez-le avant d'agir."));
  }
  return absl::OkStatus();
}

}  // namespace

void DisputeCommands::Run(RequestContext ctx, CommandRunner::Authorize authorize,
                          CommandRunner::Fn fn, DisputeCallback done) {
  runner_.Run(std::move(ctx), std::move(authorize), std::move(fn), [done = std::move(done)](absl::StatusOr<Response> r) {
    if (!r.ok()) {
      done(r.status());
    } else {
      done(std::get<Dispute>(std::move(*r)));
    }
  });
}

void DisputeCommands::Open(RequestContext ctx, std::string convention_id, Dispute draft,
                           DisputeCallback done) {
  if (auto st = CheckPortalParty(ctx.caller, draft.party, "dispute.party"); !st.ok()) {
    return done(st);
  }
  draft.opened_by = ctx.caller.AsAuthor();
  const Principal caller = ctx.caller;
  CommandRunner::Authorize authorize = [caller, convention_id](ConventionReader& r) {
    return LoadConventionFor(r, caller, Action::kDispute, convention_id).status();
  };
  Run(std::move(ctx), std::move(authorize),
      [this, caller, convention_id = std::move(convention_id), draft = std::move(draft)](
          ConventionWriter& w, absl::Time now) -> absl::StatusOr<Mutation> {
        ENT_ASSIGN_OR_RETURN(Convention c,
                             LoadConventionFor(w, caller, Action::kDispute, convention_id));
        ENT_ASSIGN_OR_RETURN(std::optional<Dispute> open, w.OpenDisputeOf(c.id));
        if (open) {
          return FailedPreconditionFr(
              absl::StrCat(open->Name(), " is still open (", DisputeStateName(open->state),
                           "): close or withdraw it before opening another dispute"),
              absl::StrCat("Le litige n° ", open->number,
                           " est toujours ouvert : retirez-le ou menez-le à son terme avant "
                           "d'en ouvrir un autre."));
        }
        ENT_ASSIGN_OR_RETURN(const int64_t last, w.LastDisputeNumber(c.id));
        const int64_t number = last + 1;
        ENT_ASSIGN_OR_RETURN(auto opened, OpenDispute(c, draft, number, ParisDate(now), calendar_));
        Mutation m;
        m.disputes.push_back(std::move(opened.first));
        m.Add(std::move(opened.second));
        m.answers_dispute = true;
        return m;
      },
      std::move(done));
}

absl::StatusOr<Dispute> DisputeCommands::Get(const Principal& caller,
                                             const std::string& convention_id, int64_t number) {
  return runner_.store().ReadValue<Dispute>([&](ConventionReader& r) {
    return LoadDisputeFor(r, caller, Action::kRead, convention_id, number);
  });
}

absl::StatusOr<std::vector<Dispute>> DisputeCommands::List(
    const Principal& caller, DisputeFilter filter, const std::pair<std::string, int64_t>& after,
    int limit) {
  return runner_.store().ReadValue<std::vector<Dispute>>(
      [&](ConventionReader& r) -> absl::StatusOr<std::vector<Dispute>> {
        if (!filter.convention_id.empty()) {
          ENT_RETURN_IF_ERROR(
              LoadConventionFor(r, caller, Action::kRead, filter.convention_id).status());
        } else if (caller.role == Role::kCommunePortal) {
          filter.communes_in.assign(caller.communes.begin(), caller.communes.end());
        }
        return r.ListDisputes(filter, after, limit);
      });
}

void DisputeCommands::Change(RequestContext ctx, std::string convention_id, int64_t number,
                             std::string etag, DisputeChange change, DisputeCallback done,
                             ActOf act_of) {
  const Principal caller = ctx.caller;
  CommandRunner::Authorize authorize = [caller, convention_id, number,
                                        act_of = std::move(act_of)](ConventionReader& r) {
    ENT_ASSIGN_OR_RETURN(Dispute d,
                         LoadDisputeFor(r, caller, Action::kDispute, convention_id, number));
    return AuthorizeInDispute(caller, d.Name(), d.party,
                              act_of ? act_of(d) : std::optional<PartyRole>());
  };
  Run(std::move(ctx), std::move(authorize),
      [caller, convention_id = std::move(convention_id), number, etag = std::move(etag),
       change = std::move(change)](ConventionWriter& w, absl::Time now) -> absl::StatusOr<Mutation> {
        ENT_ASSIGN_OR_RETURN(Dispute d,
                             LoadDisputeFor(w, caller, Action::kDispute, convention_id, number));
        ENT_RETURN_IF_ERROR(CheckDisputeEtag(d, etag));
        ENT_ASSIGN_OR_RETURN(std::optional<Convention> c, w.Get(convention_id));
        if (!c) return absl::InternalError(absl::StrCat(d.Name(), " has no convention"));
        const State before = c->state;
        ENT_ASSIGN_OR_RETURN(DisputeEffects effects, change(d, *c, now));
        Mutation m;
        m.disputes.push_back(std::move(d));
        if (c->state == State::kExpired && before != State::kExpired) {
          m.notices.push_back(EndedNotice(*c, kTopicExpired));
        }
        if (c->state != before) m.conventions.push_back(std::move(*c));
        m.Add(std::move(effects));
        m.answers_dispute = true;
        return m;
      },
      std::move(done));
}

void DisputeCommands::RecordConciliation(RequestContext ctx, std::string convention_id,
                                         int64_t number, Conciliation conciliation,
                                         std::string etag, DisputeCallback done) {
  conciliation.recorded_by = ctx.caller.AsAuthor();
  Change(std::move(ctx), std::move(convention_id), number, std::move(etag),
         [conciliation = std::move(conciliation)](Dispute& d, Convention&, absl::Time now) {
           return convention::RecordConciliation(d, conciliation, ParisDate(now));
         },
         std::move(done));
}

void DisputeCommands::SendTerminationNotice(RequestContext ctx, std::string convention_id,
                                            int64_t number, Termination termination,
                                            std::string etag, DisputeCallback done) {
  if (auto st = CheckPortalParty(ctx.caller, termination.party, "termination.party"); !st.ok()) {
    return done(st);
  }
  termination.sent_by = ctx.caller.AsAuthor();
  Change(std::move(ctx), std::move(convention_id), number, std::move(etag),
         [this, termination = std::move(termination)](Dispute& d, Convention& c, absl::Time now) {
           return convention::SendTerminationNotice(d, c, termination, ParisDate(now), calendar_);
         },
         std::move(done));
}

void DisputeCommands::Withdraw(RequestContext ctx, std::string convention_id, int64_t number,
                               std::string reason, std::string etag, DisputeCallback done) {
  if (reason.size() > kMaxTextLength) {
    return done(InvalidField("reason", absl::StrCat("must be at most ", kMaxTextLength, " bytes")));
  }
  Change(std::move(ctx), std::move(convention_id), number, std::move(etag),
         [reason = std::move(reason)](Dispute& d, Convention& c,
                                      absl::Time now) -> absl::StatusOr<DisputeEffects> {
           ENT_ASSIGN_OR_RETURN(DisputeEffects effects, WithdrawDispute(d, c, reason));
           // Back in force after its end date (its expiry timer fired while it
           // was TERMINATING): it expires now.
           ENT_ASSIGN_OR_RETURN(std::vector<Event> expired, Expire(c, now));
           for (Event& e : expired) effects.events.push_back(std::move(e));
           return effects;
         },
         std::move(done));
}

void DisputeCommands::CorrectDate(RequestContext ctx, std::string convention_id, int64_t number,
                                  DisputeDateField field, CivilDate date, std::string reason,
                                  std::string etag, DisputeCallback done) {
  if (reason.size() > kMaxTextLength) {
    return done(InvalidField("reason", absl::StrCat("must be at most ", kMaxTextLength, " bytes")));
  }
  Change(std::move(ctx), std::move(convention_id), number, std::move(etag),
         [this, field, date, reason = std::move(reason)](Dispute& d, Convention&, absl::Time now) {
           return CorrectDisputeDate(d, field, date, reason, ParisDate(now), calendar_);
         },
         std::move(done), [field](const Dispute& d) -> std::optional<PartyRole> {
           const PartyRole other =
               d.party == PartyRole::kCommune ? PartyRole::kAcademie : PartyRole::kCommune;
           switch (field) {
             case DisputeDateField::kNoticeSent: return d.party;
             // The acknowledgement of receipt is the recipient's act.
             case DisputeDateField::kNoticeAcknowledged: return other;
             // The meeting is held by both parties.
             case DisputeDateField::kConciliationMeeting: return std::nullopt;
             // Only the party that sent the notice may send the termination letter.
             case DisputeDateField::kTerminationSent: return d.party;
           }
           return other;
         });
}

absl::StatusOr<std::vector<workflow::TimerRecord>> DisputeCommands::ListDeadlines(
    const Principal& caller, std::pair<absl::Time, int64_t> after, int limit,
    const std::string& insee) {
  if (auto st = insee.empty() ? AuthorizeAction(caller, Action::kRead)
                              : AuthorizeOnCommune(caller, Action::kRead, insee);
      !st.ok()) {
    return st;
  }
  return runner_.store().ReadValue<std::vector<workflow::TimerRecord>>(
      [&](ConventionReader& r) -> absl::StatusOr<std::vector<workflow::TimerRecord>> {
        // Filtered in the query, so that pages stay full.
        std::optional<std::vector<std::string>> communes;
        if (!insee.empty()) {
          communes.emplace(1, insee);
        } else if (caller.role == Role::kCommunePortal) {
          communes.emplace(caller.communes.begin(), caller.communes.end());
        }
        return r.timers().Pending(after, limit, communes);
      });
}

absl::StatusOr<std::vector<workflow::TimerRecord>> DisputeCommands::AllDeadlines(
    const Principal& caller, const std::string& insee) {
  std::vector<workflow::TimerRecord> all;
  std::pair<absl::Time, int64_t> after{absl::InfinitePast(), 0};
  constexpr int kPage = 1000;
  for (;;) {
    ENT_ASSIGN_OR_RETURN(std::vector<workflow::TimerRecord> page,
                         ListDeadlines(caller, after, kPage, insee));
    if (!page.empty()) after = {page.back().spec.due, page.back().id};
    for (workflow::TimerRecord& t : page) all.push_back(std::move(t));
    if (static_cast<int>(page.size()) < kPage) return all;
  }
}

}  // namespace ent::convention
