#include "convention-service/domain/lifecycle.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/resource_names.h"
#include "absl/strings/str_join.h"
#include "common/clock.h"
#include "common/documents/french_text.h"
#include "common/field_violations.h"
#include "common/status_macros.h"

namespace ent::convention {
namespace {

absl::Status Forbidden(const Convention& c, absl::string_view action, absl::string_view allowed) {
  return absl::FailedPreconditionError(absl::StrCat("cannot ", action, " conventions/", c.id,
                                                    ": it is ", StateName(c.state), "; ",
                                                    allowed));
}

Event MakeEvent(const Convention& c, EventType type, std::string description,
                std::vector<FieldChange> changes = {}) {
  return Event{c.id, c.commune.insee_code, type, std::move(description), std::move(changes),
               c.state};
}

std::string PartyText(const Party& p) {
  return absl::StrCat(p.name, " (", p.representative, ", ", p.capacity, ")");
}

std::string SchoolText(const School& s) { return absl::StrCat(s.uai, " ", s.name); }

std::string SchoolsText(const std::vector<School>& schools) {
  return absl::StrJoin(schools, ", ", [](std::string* out, const School& s) {
    absl::StrAppend(out, s.uai);
  });
}

bool IsAmendable(State s) { return s == State::kActive; }

// The date of an amendment to `c` (default `today`), which must fall while
// the convention is in force.
absl::StatusOr<CivilDate> AmendmentDate(const Convention& c, std::optional<CivilDate> requested,
                                        CivilDate today) {
  const CivilDate date = requested.value_or(today);
  if (date < *c.effective_date || date > c.LastDayInForce()) {
    return FailedPreconditionOn("amendment_date",
                        absl::StrCat("must fall while the convention is in force (",
                                     FormatIsoDate(*c.effective_date), " to ",
                                     FormatIsoDate(c.LastDayInForce()), ")"));
  }
  return date;
}

}  // namespace

absl::Status CheckEtag(const Convention& c, absl::string_view etag) {
  if (!etag.empty() && etag != c.Etag()) {
    return absl::AbortedError(absl::StrCat("etag ", QuoteInput(etag), " is stale: conventions/", c.id,
                                           " has changed (current etag \"", c.Etag(),
                                           "\"); read it again and retry"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Event>> UpdateDraft(Convention& c, const Convention& patch,
                                               const std::vector<std::string>& paths) {
  if (c.state != State::kDraft) {
    return Forbidden(c, "update the terms of", "terms are editable only in DRAFT; change schools by amendment");
  }
  std::vector<FieldChange> changes;
  Convention next = c;
  for (const auto& path : paths) {
    if (path == "academie") {
      next.academie = patch.academie;
      changes.push_back({path, PartyText(c.academie), PartyText(patch.academie)});
    } else if (path == "commune") {
      next.commune = patch.commune;
      changes.push_back({path, absl::StrCat(c.commune.insee_code, " ", PartyText(c.commune.party)),
                         absl::StrCat(patch.commune.insee_code, " ", PartyText(patch.commune.party))});
    } else if (path == "school_year") {
      next.school_year = patch.school_year;
      changes.push_back({path, c.school_year.ToString(), patch.school_year.ToString()});
    } else if (path == "end_date") {
      next.end_date = patch.end_date;
      changes.push_back({path, FormatIsoDate(c.end_date), FormatIsoDate(patch.end_date)});
    } else if (path == "renews") {
      next.renews = patch.renews;
      changes.push_back({path, c.renews, patch.renews});
    } else {
      return InvalidField("update_mask", absl::StrCat("unknown or read-only path '", path,
                                                      "'; allowed: academie, commune, "
                                                      "school_year, end_date, renews"));
    }
  }
  c = std::move(next);
  return std::vector<Event>{MakeEvent(c, EventType::kUpdated, "draft terms updated", changes)};
}

absl::StatusOr<std::vector<Event>> CancelDraft(Convention& c, const std::string& reason) {
  if (c.state != State::kDraft) return Forbidden(c, "cancel", "only a DRAFT can be cancelled");
  c.state = State::kCancelled;
  return std::vector<Event>{MakeEvent(
      c, EventType::kCancelled,
      reason.empty() ? "draft cancelled" : absl::StrCat("draft cancelled: ", reason),
      {{"state", "DRAFT", "CANCELLED"}})};
}

absl::StatusOr<std::vector<Event>> Sign(Convention& c, const Signature& signature) {
  if (c.state != State::kDraft && c.state != State::kSigning) {
    return Forbidden(c, "sign", "only a DRAFT or SIGNING convention can be signed");
  }
  if (const Signature* prior = c.SignatureOf(signature.party)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the ", PartyRoleName(signature.party), " already signed conventions/", c.id, " on ",
        FormatIsoDate(prior->date)));
  }
  if (c.schools.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "conventions/", c.id, " enrols no school: add the schools of annex 1 before signing"));
  }
  if (signature.date > c.end_date) {
    return FailedPreconditionOn("signature.date",
                                absl::StrCat("must not be after the convention's end date (",
                                             FormatIsoDate(c.end_date), ")"));
  }
  const State before = c.state;
  c.signatures.push_back(signature);
  std::vector<Event> events;
  const std::string who = absl::StrCat(signature.signatory, ", ", signature.capacity);
  if (c.signatures.size() == 1) {
    c.state = State::kSigning;
    events.push_back(MakeEvent(c, EventType::kSigned,
                               absl::StrCat("signed by the ", PartyRoleName(signature.party), " (",
                                            who, ") at ", signature.place, " on ",
                                            FormatIsoDate(signature.date)),
                               {{"state", StateName(before), StateName(c.state)}}));
    return events;
  }
  const CivilDate effective = std::max(c.signatures[0].date, c.signatures[1].date);
  c.state = State::kActive;
  c.effective_date = effective;
  events.push_back(MakeEvent(c, EventType::kSigned,
                             absl::StrCat("signed by the ", PartyRoleName(signature.party), " (",
                                          who, ") at ", signature.place, " on ",
                                          FormatIsoDate(signature.date))));
  events.push_back(MakeEvent(
      c, EventType::kActivated,
      absl::StrCat("signed by both parties: in force from ", FormatIsoDate(effective), " to ",
                   FormatIsoDate(c.end_date), "; référent ville account to be activated"),
      {{"state", StateName(before), StateName(c.state)},
       {"effective_date", "", FormatIsoDate(effective)}}));
  return events;
}

absl::StatusOr<const Convention*> ActivationConflict(const Convention& c,
                                                     const std::vector<Convention>& others) {
  const Convention* predecessor = nullptr;
  for (const auto& other : others) {
    if (other.id == c.id || !other.TookEffect()) continue;
    const bool overlaps = *other.effective_date <= c.LastDayInForce() &&
                          *c.effective_date <= other.LastDayInForce();
    if (!overlaps) continue;
    const bool in_force_state = other.state == State::kActive || other.state == State::kTerminating;
    if (other.id == c.renews && in_force_state && *other.effective_date < *c.effective_date) {
      predecessor = &other;
      continue;
    }
    return absl::FailedPreconditionError(absl::StrCat(
        "conventions/", other.id, " of the same commune is in force from ",
        FormatIsoDate(*other.effective_date), " to ", FormatIsoDate(other.LastDayInForce()),
        ", which overlaps ", FormatIsoDate(*c.effective_date), " to ",
        FormatIsoDate(c.LastDayInForce()),
        ": at most one convention per commune may be in force on a given day"));
  }
  return predecessor;
}

absl::StatusOr<std::vector<Event>> Supersede(Convention& predecessor, const Convention& successor) {
  if (predecessor.state != State::kActive && predecessor.state != State::kTerminating) {
    return Forbidden(predecessor, "supersede", "only a convention in force can be superseded");
  }
  const State before = predecessor.state;
  const CivilDate last_day = *successor.effective_date - 1;
  const std::string old_last = FormatIsoDate(predecessor.LastDayInForce());
  predecessor.last_day_in_force = last_day;
  predecessor.state = State::kExpired;
  return std::vector<Event>{MakeEvent(
      predecessor, EventType::kSuperseded,
      absl::StrCat("ended on ", FormatIsoDate(last_day), ": its renewal conventions/",
                   successor.id, " took effect on ", FormatIsoDate(*successor.effective_date)),
      {{"state", StateName(before), StateName(predecessor.state)},
       {"last_day_in_force", old_last, FormatIsoDate(last_day)}})};
}

workflow::Deadline AppealDeadline(const Deliberation& d) {
  static const workflow::LegalCalendar* const calendar = new workflow::LegalCalendar();
  return calendar->AddMonthsFranc(d.EnforceableDate(), 2);
}

absl::StatusOr<std::vector<Event>> RecordDeliberation(Convention& c, const Deliberation& d) {
  if (c.state == State::kCancelled) {
    return Forbidden(c, "record a deliberation on", "the draft was cancelled");
  }
  if (c.deliberation && c.SignatureOf(PartyRole::kCommune) != nullptr) {
    return Forbidden(c, "replace the deliberation of",
                     "the commune has signed on the authority of the recorded deliberation");
  }
  const std::string old_value =
      c.deliberation ? absl::StrCat("n° ", c.deliberation->number) : std::string();
  c.deliberation = d;
  c.deliberation->appeal_deadline = AppealDeadline(d);
  return std::vector<Event>{MakeEvent(
      c, EventType::kDeliberationRecorded,
      absl::StrCat("deliberation n° ", d.number, " of ", FormatIsoDate(d.session_date),
                   " recorded: ", d.votes_for, " of ", d.votes, " votes in favour, enforceable on ",
                   FormatIsoDate(d.EnforceableDate())),
      {{"deliberation", old_value, absl::StrCat("n° ", d.number)}})};
}

absl::StatusOr<std::vector<Event>> AddSchool(Convention& c, const School& school,
                                             std::optional<CivilDate> amendment_date,
                                             CivilDate today) {
  if (c.state != State::kDraft && !IsAmendable(c.state)) {
    return Forbidden(c, "enrol a school in",
                     "schools change in DRAFT, or by amendment once ACTIVE");
  }
  if (c.FindSchool(school.uai) != nullptr) {
    return absl::AlreadyExistsError(absl::StrCat("school ", school.uai,
                                                 " is already enrolled in conventions/", c.id));
  }
  const std::string before = SchoolsText(c.schools);
  School added = school;
  if (c.state == State::kDraft) {
    if (amendment_date) {
      return FailedPreconditionOn("amendment_date",
                                  "must be empty for a draft: the school joins the annex");
    }
    added.enrolled_date.reset();
    c.schools.push_back(added);
    return std::vector<Event>{MakeEvent(c, EventType::kSchoolAdded,
                                        absl::StrCat("school ", SchoolText(added), " added to annex 1"),
                                        {{"schools", before, SchoolsText(c.schools)}})};
  }
  ENT_ASSIGN_OR_RETURN(const CivilDate date, AmendmentDate(c, amendment_date, today));
  added.enrolled_date = date;
  c.schools.push_back(added);
  return std::vector<Event>{MakeEvent(
      c, EventType::kAmendmentSchoolAdded,
      absl::StrCat("amendment: school ", SchoolText(added), " enrolled from ", FormatIsoDate(date)),
      {{"schools", before, SchoolsText(c.schools)}})};
}

absl::StatusOr<std::vector<Event>> RemoveSchool(Convention& c, const std::string& uai,
                                                std::optional<CivilDate> amendment_date,
                                                CivilDate today) {
  if (c.state != State::kDraft && !IsAmendable(c.state)) {
    return Forbidden(c, "withdraw a school from",
                     "schools change in DRAFT, or by amendment once ACTIVE");
  }
  auto it = std::find_if(c.schools.begin(), c.schools.end(),
                         [&](const School& s) { return s.uai == uai; });
  if (it == c.schools.end()) {
    return absl::NotFoundError(absl::StrCat("school ", uai, " is not enrolled in conventions/", c.id));
  }
  const School removed = *it;
  const std::string before = SchoolsText(c.schools);
  if (c.state == State::kDraft) {
    if (amendment_date) {
      return FailedPreconditionOn("amendment_date",
                                  "must be empty for a draft: the school leaves the annex");
    }
    c.schools.erase(it);
    return std::vector<Event>{MakeEvent(c, EventType::kSchoolRemoved,
                                        absl::StrCat("school ", SchoolText(removed), " removed from annex 1"),
                                        {{"schools", before, SchoolsText(c.schools)}})};
  }
  if (c.schools.size() == 1) {
    return absl::FailedPreconditionError(absl::StrCat(
        "school ", uai, " is the last one enrolled in conventions/", c.id,
        ": a convention in force keeps at least one school"));
  }
  ENT_ASSIGN_OR_RETURN(const CivilDate date, AmendmentDate(c, amendment_date, today));
  c.schools.erase(it);
  return std::vector<Event>{MakeEvent(
      c, EventType::kAmendmentSchoolRemoved,
      absl::StrCat("amendment: school ", SchoolText(removed), " withdrawn on ", FormatIsoDate(date),
                   "; sums already due are not refunded"),
      {{"schools", before, SchoolsText(c.schools)}})};
}

absl::StatusOr<Convention> MakeRenewal(const Convention& source, std::optional<CivilDate> end_date,
                                       const std::string& new_id) {
  if (source.state != State::kActive && source.state != State::kSigning &&
      source.state != State::kExpired) {
    return Forbidden(source, "renew", "only a SIGNING, ACTIVE or EXPIRED convention can be renewed");
  }
  Convention next;
  next.id = new_id;
  next.academie = source.academie;
  next.commune = source.commune;
  next.school_year = source.school_year.Next();
  if (end_date) {
    next.end_date = *end_date;
  } else {
    const CivilDate e = source.end_date;
    // 29 February becomes 28 February.
    next.end_date = MakeDate(e.year() + 1, e.month(), e.day())
                        .value_or(CivilDate(e.year() + 1, e.month(), 28));
  }
  next.state = State::kDraft;
  next.renews = source.id;
  for (School s : source.schools) {
    s.enrolled_date.reset();
    next.schools.push_back(std::move(s));
  }
  return next;
}

std::vector<workflow::TimerSpec> LifecycleTimers(const Convention& c, absl::Time now) {
  const CivilDate end = c.end_date;
  const absl::Time expiry = absl::FromCivil(absl::CivilSecond(end + 1), ParisTimeZone());
  const CivilDate reminder_day = end - 60;
  std::vector<workflow::TimerSpec> out = {
      {kTimerExpiry, c.Name(), c.commune.insee_code, expiry, end, "end date (Article 3)",
       absl::StrCat("in force until its end date ", FormatIsoDate(end),
                    " inclusive; expires at 00:00 Europe/Paris on ", FormatIsoDate(end + 1)),
       end},
  };
  const absl::Time reminder = absl::FromCivil(absl::CivilSecond(reminder_day), ParisTimeZone());
  if (reminder > now) {
    out.push_back({kTimerRenewalReminder, c.Name(), c.commune.insee_code, reminder,
                   reminder_day, "60 days before the end date",
                   absl::StrCat("end date ", FormatIsoDate(end), " − 60 days → ",
                                FormatIsoDate(reminder_day)),
                   end});
  }
  return out;
}

std::optional<std::string> LifecycleExplanationFr(const workflow::TimerSpec& spec) {
  using documents::FrenchDateWithWeekday;
  if (!spec.from_day) return std::nullopt;
  const CivilDate end = *spec.from_day;
  if (spec.kind == kTimerExpiry && spec.last_day == end) {
    return absl::StrCat("En vigueur jusqu'à sa date de fin (article 3), le ",
                        FrenchDateWithWeekday(end), " inclus : elle cesse de l'être le ",
                        FrenchDateWithWeekday(end + 1), " à 0 h (heure de Paris).");
  }
  if (spec.kind == kTimerRenewalReminder && spec.last_day == end - 60) {
    return absl::StrCat("Soixante jours avant la date de fin, le ", FrenchDateWithWeekday(end),
                        " : le ", FrenchDateWithWeekday(spec.last_day), ".");
  }
  return std::nullopt;
}

absl::StatusOr<std::vector<Event>> Expire(Convention& c, absl::Time now) {
  if (c.state != State::kActive || ParisDate(now) <= c.end_date) return std::vector<Event>{};
  c.state = State::kExpired;
  return std::vector<Event>{MakeEvent(
      c, EventType::kExpired,
      absl::StrCat("expired: in force until ", FormatIsoDate(c.end_date),
                   "; référent ville accounts deactivated"),
      {{"state", "ACTIVE", "EXPIRED"}})};
}

absl::StatusOr<std::vector<Event>> RemindRenewal(const Convention& c) {
  if (c.state != State::kActive) return std::vector<Event>{};
  return std::vector<Event>{
      MakeEvent(c, EventType::kRenewalReminder,
                absl::StrCat("ends on ", FormatIsoDate(c.end_date),
                             " in 60 days: prepare the renewal (RenewConvention)"))};
}

}  // namespace ent::convention
