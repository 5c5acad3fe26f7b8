#include "convention-service/domain/dispute.h"

#include "absl/strings/str_cat.h"
#include "common/documents/french_text.h"
#include "common/field_violations.h"

namespace ent::convention {

using documents::FrenchDate;
namespace {

// Events about a dispute carry the convention's state as it is after the change.
Event DisputeEvent(const Dispute& d, State convention_state, EventType type,
                   std::string description, std::vector<FieldChange> changes = {}) {
  return Event{d.convention_id, d.commune_insee, type,
               absl::StrCat(d.Name(), ": ", description), std::move(changes), convention_state};
}

workflow::TimerSpec TimerFor(const Dispute& d, const char* kind, const workflow::Deadline& dl) {
  return workflow::TimerSpec{kind,    d.Name(),       d.commune_insee, dl.expires_at,
                             dl.last_day, dl.rule, dl.explanation, dl.act_date};
}

// The state in a French sentence: "le litige n° 1 est retiré".
const char* DisputeStateFrench(DisputeState s) {
  switch (s) {
    case DisputeState::kAwaitingConciliation: return "en attente de conciliation";
    case DisputeState::kResolved: return "résolu par conciliation";
    case DisputeState::kConciliationFailed: return "clos sur un échec de la conciliation";
    case DisputeState::kConciliationLapsed: return "sans conciliation dans le délai";
    case DisputeState::kTerminating: return "en cours de résiliation";
    case DisputeState::kTerminated: return "clos par la résiliation";
    case DisputeState::kWithdrawn: return "retiré";
  }
  return "dans un état inconnu";
}

// `action` and `action_fr` say what was refused ("withdraw", "retirer le litige").
absl::Status Forbidden(const Dispute& d, absl::string_view action, absl::string_view action_fr) {
  return FailedPreconditionFr(
      absl::StrCat("cannot ", action, " ", d.Name(), ": it is ", DisputeStateName(d.state)),
      absl::StrCat("Impossible de ", action_fr, " : le litige n° ", d.number, " est ",
                   DisputeStateFrench(d.state), "."));
}

bool ConciliationFailed(DisputeState s) {
  return s == DisputeState::kConciliationFailed || s == DisputeState::kConciliationLapsed;
}

}  // namespace

const char* DisputeStateName(DisputeState s) {
  switch (s) {
    case DisputeState::kAwaitingConciliation: return "AWAITING_CONCILIATION";
    case DisputeState::kResolved: return "RESOLVED";
    case DisputeState::kConciliationFailed: return "CONCILIATION_FAILED";
    case DisputeState::kConciliationLapsed: return "CONCILIATION_LAPSED";
    case DisputeState::kTerminating: return "TERMINATING";
    case DisputeState::kTerminated: return "TERMINATED";
    case DisputeState::kWithdrawn: return "WITHDRAWN";
  }
  return "UNKNOWN";
}

std::string Dispute::Name() const {
  return absl::StrCat("conventions/", convention_id, "/disputes/", number);
}

std::string Dispute::Etag() const { return absl::StrCat(version); }

bool Dispute::IsOpen() const {
  return state == DisputeState::kAwaitingConciliation ||
         state == DisputeState::kConciliationFailed ||
         state == DisputeState::kConciliationLapsed || state == DisputeState::kTerminating;
}

absl::StatusOr<std::pair<Dispute, DisputeEffects>> OpenDispute(
    const Convention& c, Dispute draft, int64_t number, CivilDate today,
    const workflow::LegalCalendar& calendar) {
  if (c.state != State::kActive) {
    return FailedPreconditionFr(
        absl::StrCat("cannot open a dispute on conventions/", c.id, ": it is ", StateName(c.state),
                     "; only a convention in force (ACTIVE) can be disputed"),
        "Seule une convention en vigueur peut faire l'objet d'un litige.");
  }
  PreconditionViolations p;
  if (draft.notice_sent_date > today) {
    p.Add("dispute.notice_sent_date",
          absl::StrCat("must not be after today (", FormatIsoDate(today), ")"), "TIME",
          absl::StrCat("La mise en demeure ne peut être envoyée après aujourd'hui (",
                       FrenchDate(today), ")."));
  }
  if (draft.notice_sent_date < *c.effective_date) {
    p.Add("dispute.notice_sent_date",
          absl::StrCat("must not be before the convention took effect (",
                       FormatIsoDate(*c.effective_date), ")"),
          "STATE",
          absl::StrCat("La mise en demeure ne peut précéder l'entrée en vigueur de la convention (",
                       FrenchDate(*c.effective_date), ")."));
  }
  // (Before the sending: refused with the request, DisputeDraftFromProto.)
  if (draft.notice_acknowledged_date && *draft.notice_acknowledged_date > today) {
    p.Add("dispute.notice_acknowledged_date",
          absl::StrCat("must not be after today (", FormatIsoDate(today), ")"), "TIME",
          absl::StrCat("L'accusé de réception ne peut être daté d'après aujourd'hui (",
                       FrenchDate(today), ")."));
  }
  if (!p.empty()) return p.ToStatus();
  Dispute d = std::move(draft);
  d.convention_id = c.id;
  d.commune_insee = c.commune.insee_code;
  d.number = number;
  d.state = DisputeState::kAwaitingConciliation;
  d.conciliation_deadline = calendar.AddMonths(d.notice_sent_date, 1);
  d.conciliation.reset();
  d.termination.reset();
  DisputeEffects effects;
  effects.events.push_back(DisputeEvent(
      d, c.state, EventType::kDisputeOpened,
      absl::StrCat("formal notice from the ", PartyRoleName(d.party), " sent on ",
                   FormatIsoDate(d.notice_sent_date), " (", d.notice_reference,
                   "); conciliation due by ", FormatIsoDate(d.conciliation_deadline.last_day),
                   ": ", d.conciliation_deadline.explanation)));
  effects.schedule.push_back(TimerFor(d, kTimerConciliation, d.conciliation_deadline));
  return std::make_pair(std::move(d), std::move(effects));
}

absl::StatusOr<DisputeEffects> RecordConciliation(Dispute& d, const Conciliation& conciliation,
                                                  CivilDate today) {
  if (d.state != DisputeState::kAwaitingConciliation) {
    return Forbidden(d, "record a conciliation for", "enregistrer une conciliation");
  }
  if (conciliation.meeting_date < d.notice_sent_date || conciliation.meeting_date > today) {
    return FailedPreconditionOn(
        "conciliation.meeting_date",
        absl::StrCat("must fall between the formal notice (", FormatIsoDate(d.notice_sent_date),
                     ") and today"),
        "TIME",
        absl::StrCat("La réunion de conciliation se tient entre la mise en demeure (",
                     FrenchDate(d.notice_sent_date), ") et aujourd'hui (", FrenchDate(today), ")."));
  }
  if (conciliation.meeting_date > d.conciliation_deadline.last_day) {
    return FailedPreconditionOn(
        "conciliation.meeting_date",
        absl::StrCat("must not be after the conciliation deadline (",
                     FormatIsoDate(d.conciliation_deadline.last_day), ")"),
        "STATE",
        absl::StrCat("La réunion de conciliation ne peut être postérieure au délai de conciliation (",
                     FrenchDate(d.conciliation_deadline.last_day), ")."));
  }
  const DisputeState before = d.state;
  d.conciliation = conciliation;
  d.state = conciliation.outcome == ConciliationOutcome::kResolved
                ? DisputeState::kResolved
                : DisputeState::kConciliationFailed;
  DisputeEffects effects;
  effects.events.push_back(DisputeEvent(
      d, State::kActive, EventType::kConciliationRecorded,
      absl::StrCat("conciliation held on ", FormatIsoDate(conciliation.meeting_date), ": ",
                   d.state == DisputeState::kResolved
                       ? "resolved, the convention stays in force"
                       : "failed, the aggrieved party may send a termination notice"),
      {{"dispute.state", DisputeStateName(before), DisputeStateName(d.state)}}));
  effects.cancel.emplace_back(d.Name(), kTimerConciliation);
  return effects;
}

absl::StatusOr<DisputeEffects> SendTerminationNotice(Dispute& d, Convention& c, Termination t,
                                                     CivilDate today,
                                                     const workflow::LegalCalendar& calendar) {
  if (!ConciliationFailed(d.state)) {
    return FailedPreconditionFr(
        absl::StrCat("cannot send a termination notice for ", d.Name(), ": it is ",
                     DisputeStateName(d.state),
                     "; termination follows a failed or lapsed conciliation"),
        absl::StrCat("Impossible d'envoyer la lettre de résiliation : le litige n° ", d.number,
                     " est ", DisputeStateFrench(d.state),
                     " ; la résiliation suit une conciliation échouée ou hors délai."));
  }
  if (c.state != State::kActive) {
    return FailedPreconditionFr(
        absl::StrCat("conventions/", c.id, " is ", StateName(c.state), ", not in force"),
        "La convention n'est plus en vigueur.");
  }
  if (t.party != d.party) {
    return FailedPreconditionOn(
        "termination.party",
        absl::StrCat("must be the aggrieved party that sent the formal notice (the ",
                     PartyRoleName(d.party), ")"),
        "STATE",
        absl::StrCat("La lettre de résiliation est envoyée par la partie qui a mis l'autre en "
                     "demeure (",
                     d.party == PartyRole::kCommune ? "la commune" : "l'académie", ")."));
  }
  const CivilDate failed_on = d.conciliation ? d.conciliation->meeting_date
                                             : d.conciliation_deadline.last_day + 1;
  if (t.sent_date < failed_on || t.sent_date > today) {
    return FailedPreconditionOn(
        "termination.sent_date",
        absl::StrCat("must fall between the failure of the conciliation (",
                     FormatIsoDate(failed_on), ") and today"),
        "TIME",
        absl::StrCat("La lettre de résiliation est envoyée entre l'échec de la conciliation (",
                     FrenchDate(failed_on), ") et aujourd'hui (", FrenchDate(today), ")."));
  }
  t.effective_deadline = calendar.AddDays(t.sent_date, 15);
  const DisputeState before = d.state;
  d.termination = t;
  d.state = DisputeState::kTerminating;
  c.state = State::kTerminating;
  DisputeEffects effects;
  effects.events.push_back(DisputeEvent(
      d, c.state, EventType::kTerminationNotified,
      absl::StrCat("termination notice from the ", PartyRoleName(t.party), " sent on ",
                   FormatIsoDate(t.sent_date), " (", t.letter_reference,
                   "); the convention ends at the expiry of ",
                   FormatIsoDate(t.effective_deadline.last_day), ": ",
                   t.effective_deadline.explanation),
      {{"dispute.state", DisputeStateName(before), DisputeStateName(d.state)},
       {"state", "ACTIVE", "TERMINATING"}}));
  effects.schedule.push_back(TimerFor(d, kTimerTermination, t.effective_deadline));
  return effects;
}

absl::StatusOr<DisputeEffects> WithdrawDispute(Dispute& d, Convention& c, const std::string& reason) {
  if (!d.IsOpen()) return Forbidden(d, "withdraw", "retirer le litige");
  const DisputeState before = d.state;
  d.state = DisputeState::kWithdrawn;
  std::vector<FieldChange> changes = {
      {"dispute.state", DisputeStateName(before), DisputeStateName(d.state)}};
  if (c.state == State::kTerminating) {
    c.state = State::kActive;
    changes.push_back({"state", "TERMINATING", "ACTIVE"});
  }
  DisputeEffects effects;
  effects.events.push_back(DisputeEvent(
      d, c.state, EventType::kDisputeWithdrawn,
      absl::StrCat("withdrawn", reason.empty() ? "" : absl::StrCat(": ", reason),
                   "; sums already received are not refunded"),
      changes));
  effects.cancel.emplace_back(d.Name(), "");
  return effects;
}

absl::StatusOr<DisputeEffects> CorrectDisputeDate(Dispute& d, DisputeDateField field,
                                                  CivilDate date, const std::string& reason,
                                                  CivilDate today,
                                                  const workflow::LegalCalendar& calendar) {
  if (date > today) {
    return FailedPreconditionOn(
        "date", absl::StrCat("must not be after today (", FormatIsoDate(today), ")"), "TIME",
        absl::StrCat("La date ne peut être postérieure à aujourd'hui (", FrenchDate(today), ")."));
  }
  Dispute next = d;
  DisputeEffects effects;
  std::string field_name, old_value;
  switch (field) {
    case DisputeDateField::kNoticeSent:
      if (d.state != DisputeState::kAwaitingConciliation) {
        return Forbidden(d, "correct the formal notice date of",
                         "corriger la date de la mise en demeure");
      }
      field_name = "notice_sent_date";
      old_value = FormatIsoDate(d.notice_sent_date);
      next.notice_sent_date = date;
      next.conciliation_deadline = calendar.AddMonths(date, 1);
      effects.cancel.emplace_back(d.Name(), kTimerConciliation);
      effects.schedule.push_back(TimerFor(next, kTimerConciliation, next.conciliation_deadline));
      break;
    case DisputeDateField::kNoticeAcknowledged:
      if (date < d.notice_sent_date) {
        return FailedPreconditionOn(
            "date", "must not be before the formal notice was sent", "STATE",
            absl::StrCat("L'accusé de réception ne peut précéder l'envoi de la mise en demeure (",
                         FrenchDate(d.notice_sent_date), ")."));
      }
      field_name = "notice_acknowledged_date";
      old_value = FormatIsoDate(d.notice_acknowledged_date);
      next.notice_acknowledged_date = date;
      break;
    case DisputeDateField::kConciliationMeeting:
      if (!d.conciliation) {
        return Forbidden(d, "correct the conciliation date of",
                         "corriger la date de conciliation");
      }
      if (date < d.notice_sent_date || date > d.conciliation_deadline.last_day) {
        return FailedPreconditionOn(
            "date", "must fall between the formal notice and the conciliation deadline", "STATE",
            absl::StrCat("La réunion de conciliation se tient entre la mise en demeure (",
                         FrenchDate(d.notice_sent_date), ") et le délai de conciliation (",
                         FrenchDate(d.conciliation_deadline.last_day), ")."));
      }
      field_name = "conciliation.meeting_date";
      old_value = FormatIsoDate(d.conciliation->meeting_date);
      next.conciliation->meeting_date = date;
      break;
    case DisputeDateField::kTerminationSent:
      if (d.state != DisputeState::kTerminating) {
        return Forbidden(d, "correct the termination date of",
                         "corriger la date de la lettre de résiliation");
      }
      field_name = "termination.sent_date";
      old_value = FormatIsoDate(d.termination->sent_date);
      next.termination->sent_date = date;
      next.termination->effective_deadline = calendar.AddDays(date, 15);
      effects.cancel.emplace_back(d.Name(), kTimerTermination);
      effects.schedule.push_back(
          TimerFor(next, kTimerTermination, next.termination->effective_deadline));
      break;
  }
  std::vector<FieldChange> changes = {{field_name, old_value, FormatIsoDate(date)}};
  std::string description = absl::StrCat(field_name, " corrected from ", old_value, " to ",
                                         FormatIsoDate(date));
  if (field == DisputeDateField::kNoticeSent) {
    changes.push_back({"conciliation_deadline", FormatIsoDate(d.conciliation_deadline.last_day),
                       FormatIsoDate(next.conciliation_deadline.last_day)});
    absl::StrAppend(&description, "; conciliation now due by ",
                    FormatIsoDate(next.conciliation_deadline.last_day), ": ",
                    next.conciliation_deadline.explanation);
  } else if (field == DisputeDateField::kTerminationSent) {
    changes.push_back({"termination.effective_deadline",
                       FormatIsoDate(d.termination->effective_deadline.last_day),
                       FormatIsoDate(next.termination->effective_deadline.last_day)});
    absl::StrAppend(&description, "; termination now takes effect at the expiry of ",
                    FormatIsoDate(next.termination->effective_deadline.last_day), ": ",
                    next.termination->effective_deadline.explanation);
  }
  if (!reason.empty()) absl::StrAppend(&description, " (", reason, ")");
  const State convention_state =
      d.state == DisputeState::kTerminating ? State::kTerminating : State::kActive;
  effects.events.push_back(DisputeEvent(next, convention_state, EventType::kDisputeDateCorrected,
                                        std::move(description), std::move(changes)));
  d = std::move(next);
  return effects;
}

absl::StatusOr<DisputeEffects> LapseConciliation(Dispute& d, const Convention& c) {
  if (d.state != DisputeState::kAwaitingConciliation) return DisputeEffects{};
  d.state = DisputeState::kConciliationLapsed;
  DisputeEffects effects;
  effects.events.push_back(DisputeEvent(
      d, c.state, EventType::kConciliationLapsed,
      absl::StrCat("no conciliation outcome recorded by ",
                   FormatIsoDate(d.conciliation_deadline.last_day),
                   ": the conciliation lapsed, which counts as a failure"),
      {{"dispute.state", "AWAITING_CONCILIATION", "CONCILIATION_LAPSED"}}));
  return effects;
}

absl::StatusOr<DisputeEffects> TakeTerminationEffect(Dispute& d, Convention& c) {
  if (d.state != DisputeState::kTerminating || c.state != State::kTerminating) {
    return DisputeEffects{};
  }
  const CivilDate last_day = d.termination->effective_deadline.last_day;
  d.state = DisputeState::kTerminated;
  c.state = State::kTerminated;
  c.last_day_in_force = std::min(last_day, c.LastDayInForce());
  DisputeEffects effects;
  effects.events.push_back(DisputeEvent(
      d, c.state, EventType::kTerminated,
      absl::StrCat("termination took effect: last day in force ", FormatIsoDate(last_day),
                   "; référent ville accounts deactivated; sums received are not refunded"),
      {{"state", "TERMINATING", "TERMINATED"},
       {"dispute.state", "TERMINATING", "TERMINATED"},
       {"last_day_in_force", "", FormatIsoDate(last_day)}}));
  return effects;
}

}  // namespace ent::convention
