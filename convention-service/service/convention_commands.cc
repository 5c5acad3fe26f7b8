#include "convention-service/service/convention_commands.h"

#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/field_violations.h"
#include "common/status_macros.h"
#include "convention-service/domain/lifecycle.h"
#include "convention-service/domain/validation.h"
#include "convention-service/service/access_policy.h"
#include "convention-service/service/convention_loader.h"

namespace ent::convention {
namespace {

absl::StatusOr<std::string> NewId(ConventionWriter& w, const Convention& c,
                                  const std::string& requested, const std::string& field) {
  if (!requested.empty()) {
    ENT_RETURN_IF_ERROR(ValidateConventionId(requested, field));
    ENT_ASSIGN_OR_RETURN(auto existing, w.Get(requested));
    if (existing) {
      return absl::AlreadyExistsError(absl::StrCat("conventions/", requested, " already exists"));
    }
    return requested;
  }
  const std::string base =
      absl::StrCat(absl::AsciiStrToLower(c.commune.insee_code), "-", c.school_year.first_year());
  for (int n = 1; n < 10000; ++n) {
    std::string id = n == 1 ? base : absl::StrCat(base, "-", n);
    ENT_ASSIGN_OR_RETURN(auto existing, w.Get(id));
    if (!existing) return id;
  }
  return absl::ResourceExhaustedError(absl::StrCat("too many conventions named ", base, "-*"));
}

// The predecessor a convention names in `renews` must exist, be another
// convention, and belong to the same commune.
absl::Status CheckRenews(ConventionReader& r, const Convention& c) {
  if (c.renews.empty()) return absl::OkStatus();
  if (c.renews == c.id) return InvalidField("convention.renews", "must not name itself");
  ENT_ASSIGN_OR_RETURN(std::optional<Convention> predecessor, r.Get(c.renews));
  if (!predecessor) {
    return FailedPreconditionOn("convention.renews",
                                absl::StrCat("conventions/", c.renews, " does not exist"));
  }
  if (predecessor->commune.insee_code != c.commune.insee_code) {
    return FailedPreconditionOn("convention.renews", "must name a convention of the same commune");
  }
  return absl::OkStatus();
}

}  // namespace

namespace {

// The caller may `action` the convention `id` (it exists, and commune portals
// act for its commune).
CommandRunner::Authorize AccessTo(Principal caller, Action action, std::string id) {
  return [caller = std::move(caller), action, id = std::move(id)](ConventionReader& r) {
    return LoadConventionFor(r, caller, action, id).status();
  };
}

}  // namespace

void ConventionCommands::Mutate(RequestContext ctx, CommandRunner::Authorize authorize,
                                CommandRunner::Fn fn, ConventionCallback done) {
  runner_.Run(std::move(ctx), std::move(authorize), std::move(fn), [done = std::move(done)](absl::StatusOr<Response> r) {
    if (!r.ok()) {
      done(r.status());
    } else {
      done(std::get<Convention>(std::move(*r)));
    }
  });
}

void ConventionCommands::Change(RequestContext ctx, std::string id, std::string etag,
                                Action action, ChangeFn change, ConventionCallback done) {
  const Principal caller = ctx.caller;
  CommandRunner::Authorize authorize = AccessTo(caller, action, id);
  Mutate(
      std::move(ctx), std::move(authorize),
      [caller, action, id = std::move(id), etag = std::move(etag), change = std::move(change)](
          ConventionWriter& w, absl::Time now) -> absl::StatusOr<Mutation> {
        ENT_ASSIGN_OR_RETURN(Convention c, LoadConventionFor(w, caller, action, id));
        ENT_RETURN_IF_ERROR(CheckEtag(c, etag));
        Mutation m;
        ENT_ASSIGN_OR_RETURN(std::vector<Event> events, change(c, m, now));
        m.Add(std::move(events));
        m.conventions.insert(m.conventions.begin(), std::move(c));
        return m;
      },
      std::move(done));
}

void ConventionCommands::Create(RequestContext ctx, Convention draft, std::string id,
                                ConventionCallback done) {
  FillAcademieParty(draft, reference_);
  FieldViolations v;
  ValidateTerms(draft, "convention", v);
  // The registries are asked about identifiers that are well-formed.
  if (v.empty()) ValidateAgainstRegistries(draft, reference_, "convention", v);
  if (!v.empty()) {
    done(v.ToStatus());
    return;
  }
  if (reference_.communes != nullptr) draft.registry_version = reference_.communes->version();
  if (auto st = AuthorizeOnCommune(ctx.caller, Action::kManageDraft, draft.commune.insee_code);
      !st.ok()) {
    done(st);
    return;
  }
  Mutate(
      std::move(ctx), nullptr,  // authorised on the draft's commune above
      [draft = std::move(draft), id = std::move(id)](ConventionWriter& w,
                                                     absl::Time) -> absl::StatusOr<Mutation> {
        Convention c = draft;
        ENT_RETURN_IF_ERROR(w.LockCommune(c.commune.insee_code));
        ENT_ASSIGN_OR_RETURN(c.id, NewId(w, c, id, "convention_id"));
        c.state = State::kDraft;
        c.version = 0;
        ENT_RETURN_IF_ERROR(CheckRenews(w, c));
        Event created{c.id, c.commune.insee_code, EventType::kCreated,
                      absl::StrCat("draft created for commune ", c.commune.insee_code,
                                   ", school year ", c.school_year.ToString()),
                      {},
                      State::kDraft};
        return Mutation::Of(std::move(c), {std::move(created)});
      },
      std::move(done));
}

absl::StatusOr<Convention> ConventionCommands::Get(const Principal& caller, const std::string& id) {
  return runner_.store().ReadValue<Convention>(
      [&](ConventionReader& r) { return LoadConventionFor(r, caller, Action::kRead, id); });
}

absl::StatusOr<std::vector<Convention>> ConventionCommands::List(const Principal& caller,
                                                                 ListFilter filter,
                                                                 const std::string& after_id,
                                                                 int limit) {
  if (caller.role == Role::kCommunePortal) {
    // Only what the portal may see: its own communes.
    if (!filter.commune_insee.empty()) {
      ENT_RETURN_IF_ERROR(AuthorizeOnCommune(caller, Action::kRead, filter.commune_insee));
    } else {
      filter.communes_in.assign(caller.communes.begin(), caller.communes.end());
    }
  }
  return runner_.store().ReadValue<std::vector<Convention>>(
      [&](ConventionReader& r) { return r.List(filter, after_id, limit); });
}

void ConventionCommands::Update(RequestContext ctx, Convention patch,
                                std::vector<std::string> paths, std::string etag,
                                ConventionCallback done) {
  if (paths.empty()) {
    done(InvalidField("update_mask", "must list at least one path"));
    return;
  }
  const Principal caller = ctx.caller;
  CommandRunner::Authorize authorize = AccessTo(caller, Action::kManageDraft, patch.id);
  Mutate(
      std::move(ctx), std::move(authorize),
      [caller, patch = std::move(patch), paths = std::move(paths), etag = std::move(etag),
       reference = reference_](ConventionWriter& w, absl::Time) -> absl::StatusOr<Mutation> {
        ENT_ASSIGN_OR_RETURN(Convention c, LoadConventionFor(w, caller, Action::kManageDraft, patch.id));
        ENT_RETURN_IF_ERROR(CheckEtag(c, etag));
        ENT_ASSIGN_OR_RETURN(std::vector<Event> events, UpdateDraft(c, patch, paths));
        FieldViolations v;
        ValidateTerms(c, "convention", v);
        if (v.empty()) ValidateAgainstRegistries(c, reference, "convention", v);
        ENT_RETURN_IF_ERROR(v.ToStatus());
        if (reference.communes != nullptr) c.registry_version = reference.communes->version();
        ENT_RETURN_IF_ERROR(CheckRenews(w, c));
        return Mutation::Of(std::move(c), std::move(events));
      },
      std::move(done));
}

void ConventionCommands::Cancel(RequestContext ctx, std::string id, std::string etag,
                                std::string reason, ConventionCallback done) {
  if (reason.size() > 1000) {
    done(InvalidField("reason", "must be at most 1000 bytes"));
    return;
  }
  Change(std::move(ctx), std::move(id), std::move(etag), Action::kManageDraft,
         [reason](Convention& c, Mutation&, absl::Time) { return CancelDraft(c, reason); }, std::move(done));
}

void ConventionCommands::Sign(RequestContext ctx, std::string id, Signature signature,
                              std::string etag, ConventionCallback done) {
  FieldViolations v;
  PreconditionViolations p;
  ValidateSignature(signature, TodayInParis(runner_.clock()), "signature", v, p);
  if (!v.empty() || !p.empty()) {
    done(!v.empty() ? v.ToStatus() : p.ToStatus());
    return;
  }
  const Principal caller = ctx.caller;
  const Action action = signature.party == PartyRole::kAcademie ? Action::kSignForAcademie
                                                                : Action::kSignForCommune;
  CommandRunner::Authorize authorize = AccessTo(caller, action, id);
  Mutate(
      std::move(ctx), std::move(authorize),
      [caller, action, id = std::move(id), etag = std::move(etag),
       signature = std::move(signature)](ConventionWriter& w,
                                         absl::Time now) -> absl::StatusOr<Mutation> {
        ENT_ASSIGN_OR_RETURN(Convention c, LoadConventionFor(w, caller, action, id));
        ENT_RETURN_IF_ERROR(CheckEtag(c, etag));
        ENT_ASSIGN_OR_RETURN(std::vector<Event> events, convention::Sign(c, signature));
        Mutation m = Mutation::Of(c, std::move(events));
        if (c.state != State::kActive) return m;
        m.schedule = LifecycleTimers(c, now);
        m.notices.push_back(ActivatedNotice(c));
        ENT_RETURN_IF_ERROR(w.LockCommune(c.commune.insee_code));
        ENT_ASSIGN_OR_RETURN(std::vector<Convention> others,
                             w.InForceDuring(c.commune.insee_code, *c.effective_date,
                                             c.LastDayInForce(), c.id));
        ENT_ASSIGN_OR_RETURN(const Convention* predecessor, ActivationConflict(c, others));
        if (predecessor != nullptr) {
          Convention p = *predecessor;
          ENT_ASSIGN_OR_RETURN(std::vector<Event> ended, Supersede(p, c));
          m.cancel.emplace_back(p.Name(), "");
          m.notices.push_back(EndedNotice(p, kTopicExpired));
          m.conventions.push_back(std::move(p));
          m.Add(std::move(ended));
        }
        return m;
      },
      std::move(done));
}

void ConventionCommands::RecordDeliberation(RequestContext ctx, std::string id,
                                            Deliberation deliberation, std::string etag,
                                            ConventionCallback done) {
  FieldViolations v;
  PreconditionViolations p;
  ValidateDeliberation(deliberation, TodayInParis(runner_.clock()), "deliberation", v, p);
  if (!v.empty() || !p.empty()) {
    done(!v.empty() ? v.ToStatus() : p.ToStatus());
    return;
  }
  Change(std::move(ctx), std::move(id), std::move(etag), Action::kRecordDeliberation,
         [deliberation = std::move(deliberation)](Convention& c, Mutation&, absl::Time) {
           return convention::RecordDeliberation(c, deliberation);
         },
         std::move(done));
}

void ConventionCommands::AddSchool(RequestContext ctx, std::string id, School school,
                                   std::optional<CivilDate> amendment_date, std::string etag,
                                   ConventionCallback done) {
  FieldViolations v;
  ValidateSchool(school, "school", v);
  if (v.empty()) ValidateSchoolAgainstRegistries(school, reference_, "school.uai", v);
  if (!v.empty()) {
    done(v.ToStatus());
    return;
  }
  Change(std::move(ctx), std::move(id), std::move(etag), Action::kManageDraft,
         [school = std::move(school), amendment_date](Convention& c, Mutation& m, absl::Time now)
             -> absl::StatusOr<std::vector<Event>> {
           const CivilDate today = ParisDate(now);
           ENT_ASSIGN_OR_RETURN(auto events, convention::AddSchool(c, school, amendment_date, today));
           if (c.state == State::kActive) {
             m.notices.push_back(
                 SchoolsAmendedNotice(c, school.uai, true, *c.FindSchool(school.uai)->enrolled_date));
           }
           return events;
         },
         std::move(done));
}

void ConventionCommands::RemoveSchool(RequestContext ctx, std::string id, std::string uai,
                                      std::optional<CivilDate> amendment_date, std::string etag,
                                      ConventionCallback done) {
  auto normalized = NormalizeUai(uai);
  if (!normalized.ok()) {
    done(InvalidField("uai", std::string(normalized.status().message())));
    return;
  }
  Change(std::move(ctx), std::move(id), std::move(etag), Action::kManageDraft,
         [uai = *normalized, amendment_date](Convention& c, Mutation& m, absl::Time now)
             -> absl::StatusOr<std::vector<Event>> {
           const CivilDate today = ParisDate(now);
           ENT_ASSIGN_OR_RETURN(auto events, convention::RemoveSchool(c, uai, amendment_date, today));
           if (c.state == State::kActive) {
             m.notices.push_back(
                 SchoolsAmendedNotice(c, uai, false, amendment_date.value_or(today)));
           }
           return events;
         },
         std::move(done));
}

void ConventionCommands::Renew(RequestContext ctx, std::string id,
                               std::optional<CivilDate> end_date, std::string new_id,
                               ConventionCallback done) {
  const Principal caller = ctx.caller;
  CommandRunner::Authorize authorize = AccessTo(caller, Action::kManageDraft, id);
  Mutate(
      std::move(ctx), std::move(authorize),
      [caller, id = std::move(id), end_date, new_id = std::move(new_id), reference = reference_](
          ConventionWriter& w, absl::Time) -> absl::StatusOr<Mutation> {
        ENT_ASSIGN_OR_RETURN(Convention source,
                             LoadConventionFor(w, caller, Action::kManageDraft, id));
        ENT_RETURN_IF_ERROR(w.LockCommune(source.commune.insee_code));
        ENT_ASSIGN_OR_RETURN(std::optional<Convention> renewal, w.RenewalOf(source.id));
        if (renewal) {
          return absl::AlreadyExistsError(absl::StrCat(
              "conventions/", renewal->id, " already renews conventions/", source.id));
        }
        ENT_ASSIGN_OR_RETURN(Convention next, MakeRenewal(source, end_date, ""));
        ENT_ASSIGN_OR_RETURN(next.id, NewId(w, next, new_id, "convention_id"));
        // Every violation: the end date is the request's; the other terms are
        // copied from the convention renewed (the request's `name`).
        FieldViolations terms;
        ValidateTerms(next, "renewal", terms);
        if (terms.empty()) ValidateAgainstRegistries(next, reference, "renewal", terms);
        if (reference.communes != nullptr) next.registry_version = reference.communes->version();
        FieldViolations v;
        for (const auto& [field, description] : terms.violations()) {
          if (field == "renewal.end_date") {
            v.Add("end_date", description);
          } else {
            v.Add("name", absl::StrCat("the renewal's ", field.substr(strlen("renewal.")), " ",
                                       description));
          }
        }
        ENT_RETURN_IF_ERROR(v.ToStatus());
        Event created{next.id, next.commune.insee_code, EventType::kCreated,
                      absl::StrCat("renewal draft of conventions/", source.id, " for school year ",
                                   next.school_year.ToString()),
                      {},
                      State::kDraft};
        Event renewed{source.id, source.commune.insee_code, EventType::kRenewed,
                      absl::StrCat("renewed by draft conventions/", next.id, " for school year ",
                                   next.school_year.ToString()),
                      {},
                      source.state};
        return Mutation::Of(std::move(next), {std::move(created), std::move(renewed)});
      },
      std::move(done));
}

absl::StatusOr<std::vector<EventRecord>> ConventionCommands::ListEvents(const Principal& caller,
                                                                        const std::string& id,
                                                                        int64_t after_sequence,
                                                                        int limit) {
  return runner_.store().ReadValue<std::vector<EventRecord>>(
      [&](ConventionReader& r) -> absl::StatusOr<std::vector<EventRecord>> {
        ENT_RETURN_IF_ERROR(LoadConventionFor(r, caller, Action::kRead, id).status());
        EventFilter filter;
        filter.convention_id = id;
        return r.ListEvents(filter, after_sequence, limit);
      });
}

absl::StatusOr<EventFilter> ConventionCommands::WatchFilter(const Principal& caller,
                                                            const std::string& id) {
  EventFilter filter;
  filter.convention_id = id;
  if (!id.empty()) {
    ENT_RETURN_IF_ERROR(Get(caller, id).status());
  } else if (caller.role == Role::kCommunePortal) {
    filter.communes_in.assign(caller.communes.begin(), caller.communes.end());
  }
  return filter;
}

namespace {

// Tests only: ENT_TEST_EVENT_READ_DELAY_MS holds each history read that long
// after its snapshot, so that writes commit while a stream catches up.
absl::Duration TestEventReadDelay() {
  static const absl::Duration delay = [] {
    int ms = 0;
    const char* text = std::getenv("ENT_TEST_EVENT_READ_DELAY_MS");
    if (text == nullptr || !absl::SimpleAtoi(text, &ms)) return absl::ZeroDuration();
    return absl::Milliseconds(ms);
  }();
  return delay;
}

}  // namespace

void ConventionCommands::ReadEventsAfter(EventFilter filter, int64_t after_sequence, int limit,
                                         EventsCallback done) {
  runner_.store().ReadAsync([filter = std::move(filter), after_sequence, limit,
                    done = std::move(done)](ConventionReader& r) {
    auto events = r.ListEvents(filter, after_sequence, limit);
    if (TestEventReadDelay() > absl::ZeroDuration()) absl::SleepFor(TestEventReadDelay());
    done(std::move(events));
  });
}

}  // namespace ent::convention
