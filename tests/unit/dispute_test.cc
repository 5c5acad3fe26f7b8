// The Article 8 procedure as plain domain code (convention-service/domain/
// dispute): every transition, and each branch of CorrectDisputeDate with the
// deadlines it recomputes and the timers it moves. The golden scenario's
// dates (DESIGN §6) are the expected values.
#include "convention-service/domain/dispute.h"

#include <gtest/gtest.h>

#include "common/clock.h"
#include "convention-service/domain/lifecycle.h"
#include "workflow/calendar/legal_calendar.h"

namespace ent::convention {
namespace {

const workflow::LegalCalendar kCalendar;

Convention SaintAmbroix() {
  Convention c;
  c.id = "30227-2021";
  c.academie = {"Académie de Montpellier", "", "Sophie Béjean", "Rectrice"};
  c.commune = {"30227", "213002272", {"Commune de Saint-Ambroix", "", "Maire", "Maire"}};
  c.school_year = SchoolYear(2021);
  c.end_date = CivilDate(2022, 9, 1);
  c.schools = {{"0300673U", "Maternelle", SchoolType::kMaternelle, {}}};
  c.version = 1;
  EXPECT_TRUE(Sign(c, {PartyRole::kAcademie, CivilDate(2021, 10, 11), "S", "Rectrice", "M"}).ok());
  EXPECT_TRUE(Sign(c, {PartyRole::kCommune, CivilDate(2021, 11, 3), "S", "Maire", "M"}).ok());
  return c;
}

Dispute Notice(CivilDate sent = CivilDate(2022, 3, 31)) {
  Dispute d;
  d.party = PartyRole::kCommune;
  d.grievances = "comptes non activés";
  d.notice_reference = "LRAR 1";
  d.notice_sent_date = sent;
  return d;
}

struct Opened {
  Convention convention;
  Dispute dispute;
};

Opened Open(CivilDate today = CivilDate(2022, 4, 1), DisputeEffects* effects = nullptr) {
  Opened o{SaintAmbroix(), {}};
  auto opened = OpenDispute(o.convention, Notice(), 1, today, kCalendar);
  EXPECT_TRUE(opened.ok()) << opened.status();
  o.dispute = opened->first;
  if (effects != nullptr) *effects = opened->second;
  return o;
}

Termination Letter(CivilDate sent = CivilDate(2022, 5, 11)) {
  return Termination{PartyRole::kCommune, "engagements non respectés", "LRAR 2", sent, {}, {}};
}

TEST(DisputeTest, OpeningComputesTheConciliationDeadlineAndSchedulesIt) {
  DisputeEffects fx;
  Opened o = Open(CivilDate(2022, 4, 1), &fx);
  EXPECT_EQ(o.dispute.state, DisputeState::kAwaitingConciliation);
  // 31 April does not exist → Saturday 30 April → Sunday 1 May, a holiday → Monday 2 May.
  EXPECT_EQ(o.dispute.conciliation_deadline.last_day, CivilDate(2022, 5, 2));
  EXPECT_EQ(o.dispute.Name(), "conventions/30227-2021/disputes/1");
  ASSERT_EQ(fx.schedule.size(), 1u);
  EXPECT_EQ(fx.schedule[0].kind, kTimerConciliation);
  EXPECT_EQ(fx.schedule[0].from_day, CivilDate(2022, 3, 31));
  EXPECT_EQ(fx.schedule[0].due, absl::FromCivil(absl::CivilSecond(2022, 5, 3, 0, 0, 0),
                                                ParisTimeZone()));
}

TEST(DisputeTest, ANoticeBeforeTheConventionTookEffectIsRefused) {
  Convention c = SaintAmbroix();
  auto opened = OpenDispute(c, Notice(CivilDate(2021, 11, 2)), 1, CivilDate(2022, 4, 1), kCalendar);
  EXPECT_FALSE(opened.ok());
}

TEST(DisputeTest, AResolvedConciliationClosesTheDispute) {
  Opened o = Open();
  auto done = RecordConciliation(
      o.dispute, {CivilDate(2022, 4, 20), ConciliationOutcome::kResolved, "accord", {}},
      CivilDate(2022, 4, 21));
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(o.dispute.state, DisputeState::kResolved);
  EXPECT_FALSE(o.dispute.IsOpen());
}

TEST(DisputeTest, ALapsedConciliationAllowsTheTerminationLetter) {
  Opened o = Open();
  ASSERT_TRUE(LapseConciliation(o.dispute, o.convention).ok());
  EXPECT_EQ(o.dispute.state, DisputeState::kConciliationLapsed);
  auto sent = SendTerminationNotice(o.dispute, o.convention, Letter(), CivilDate(2022, 5, 11),
                                    kCalendar);
  ASSERT_TRUE(sent.ok()) << sent.status();
  EXPECT_EQ(o.convention.state, State::kTerminating);
  EXPECT_EQ(o.dispute.termination->effective_deadline.last_day, CivilDate(2022, 5, 27));
  ASSERT_TRUE(TakeTerminationEffect(o.dispute, o.convention).ok());
  EXPECT_EQ(o.convention.state, State::kTerminated);
  EXPECT_EQ(o.dispute.state, DisputeState::kTerminated);
}

TEST(DisputeTest, TheTerminationLetterComesFromThePartyThatSentTheNotice) {
  Opened o = Open();
  ASSERT_TRUE(LapseConciliation(o.dispute, o.convention).ok());
  Termination t = Letter();
  t.party = PartyRole::kAcademie;
  auto sent = SendTerminationNotice(o.dispute, o.convention, t, CivilDate(2022, 5, 11), kCalendar);
  EXPECT_EQ(sent.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(o.convention.state, State::kActive);
}

TEST(DisputeTest, NoTerminationLetterBeforeTheConciliationFailedOrLapsed) {
  Opened o = Open();
  auto sent = SendTerminationNotice(o.dispute, o.convention, Letter(CivilDate(2022, 4, 5)),
                                    CivilDate(2022, 4, 5), kCalendar);
  EXPECT_EQ(sent.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(DisputeTest, WithdrawingATerminatingDisputePutsTheConventionBackInForce) {
  Opened o = Open();
  ASSERT_TRUE(LapseConciliation(o.dispute, o.convention).ok());
  ASSERT_TRUE(SendTerminationNotice(o.dispute, o.convention, Letter(), CivilDate(2022, 5, 11),
                                    kCalendar).ok());
  auto withdrawn = WithdrawDispute(o.dispute, o.convention, "accord trouvé");
  ASSERT_TRUE(withdrawn.ok()) << withdrawn.status();
  EXPECT_EQ(o.dispute.state, DisputeState::kWithdrawn);
  EXPECT_EQ(o.convention.state, State::kActive);
  ASSERT_EQ(withdrawn->cancel.size(), 1u);  // its timers
  // Nothing is left to withdraw once terminated.
  Opened t = Open();
  ASSERT_TRUE(LapseConciliation(t.dispute, t.convention).ok());
  ASSERT_TRUE(SendTerminationNotice(t.dispute, t.convention, Letter(), CivilDate(2022, 5, 11),
                                    kCalendar).ok());
  ASSERT_TRUE(TakeTerminationEffect(t.dispute, t.convention).ok());
  EXPECT_EQ(WithdrawDispute(t.dispute, t.convention, "").status().code(),
            absl::StatusCode::kFailedPrecondition);
}

// CorrectDisputeDate, branch 1: the notice date moves the conciliation
// deadline and its timer.
TEST(CorrectDisputeDateTest, NoticeSentRecomputesTheConciliationDeadline) {
  Opened o = Open();
  auto fx = CorrectDisputeDate(o.dispute, DisputeDateField::kNoticeSent, CivilDate(2022, 3, 30),
                               "coquille", CivilDate(2022, 4, 2), kCalendar);
  ASSERT_TRUE(fx.ok()) << fx.status();
  EXPECT_EQ(o.dispute.notice_sent_date, CivilDate(2022, 3, 30));
  EXPECT_EQ(o.dispute.conciliation_deadline.last_day, CivilDate(2022, 5, 2));  // 30 April: Saturday
  ASSERT_EQ(fx->cancel.size(), 1u);
  EXPECT_EQ(fx->cancel[0].second, kTimerConciliation);
  ASSERT_EQ(fx->schedule.size(), 1u);
  EXPECT_EQ(fx->schedule[0].kind, kTimerConciliation);
  ASSERT_EQ(fx->events.size(), 1u);
  ASSERT_EQ(fx->events[0].changes.size(), 2u);  // the date and the deadline, old and new
  EXPECT_EQ(fx->events[0].changes[0].old_value, "2022-03-31");
  EXPECT_EQ(fx->events[0].changes[0].new_value, "2022-03-30");
}

// Branch 2: the acknowledgement date changes no deadline; not before the notice.
TEST(CorrectDisputeDateTest, NoticeAcknowledgedMovesNoDeadline) {
  Opened o = Open();
  EXPECT_EQ(CorrectDisputeDate(o.dispute, DisputeDateField::kNoticeAcknowledged,
                               CivilDate(2022, 3, 30), "", CivilDate(2022, 4, 2), kCalendar)
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);  // before the stored notice date
  auto fx = CorrectDisputeDate(o.dispute, DisputeDateField::kNoticeAcknowledged,
                               CivilDate(2022, 4, 2), "", CivilDate(2022, 4, 2), kCalendar);
  ASSERT_TRUE(fx.ok()) << fx.status();
  EXPECT_EQ(o.dispute.notice_acknowledged_date, CivilDate(2022, 4, 2));
  EXPECT_TRUE(fx->schedule.empty());
  EXPECT_TRUE(fx->cancel.empty());
}

// Branch 3: the meeting date, only once recorded, within the delay.
TEST(CorrectDisputeDateTest, ConciliationMeetingOnlyOnceRecordedAndWithinTheDelay) {
  Opened o = Open();
  EXPECT_EQ(CorrectDisputeDate(o.dispute, DisputeDateField::kConciliationMeeting,
                               CivilDate(2022, 4, 20), "", CivilDate(2022, 4, 21), kCalendar)
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(RecordConciliation(o.dispute,
                                 {CivilDate(2022, 4, 20), ConciliationOutcome::kFailed, "", {}},
                                 CivilDate(2022, 4, 21))
                  .ok());
  EXPECT_EQ(CorrectDisputeDate(o.dispute, DisputeDateField::kConciliationMeeting,
                               CivilDate(2022, 5, 3), "", CivilDate(2022, 5, 4), kCalendar)
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);  // after the stored deadline
  auto fx = CorrectDisputeDate(o.dispute, DisputeDateField::kConciliationMeeting,
                               CivilDate(2022, 4, 19), "", CivilDate(2022, 4, 21), kCalendar);
  ASSERT_TRUE(fx.ok()) << fx.status();
  EXPECT_EQ(o.dispute.conciliation->meeting_date, CivilDate(2022, 4, 19));
  EXPECT_TRUE(fx->schedule.empty());
}

// Branch 4: the termination letter's date moves the 15-day delay and the
// termination timer (Ascension 2022 still pushes it to the Friday).
TEST(CorrectDisputeDateTest, TerminationSentRecomputesTheEffectiveDate) {
  Opened o = Open();
  ASSERT_TRUE(LapseConciliation(o.dispute, o.convention).ok());
  ASSERT_TRUE(SendTerminationNotice(o.dispute, o.convention, Letter(), CivilDate(2022, 5, 11),
                                    kCalendar).ok());
  auto fx = CorrectDisputeDate(o.dispute, DisputeDateField::kTerminationSent,
                               CivilDate(2022, 5, 9), "", CivilDate(2022, 5, 13), kCalendar);
  ASSERT_TRUE(fx.ok()) << fx.status();
  EXPECT_EQ(o.dispute.termination->sent_date, CivilDate(2022, 5, 9));
  // 9 May + 15 days = Tuesday 24 May, a working day (was Friday 27 May).
  EXPECT_EQ(o.dispute.termination->effective_deadline.last_day, CivilDate(2022, 5, 24));
  ASSERT_EQ(fx->events.size(), 1u);
  ASSERT_EQ(fx->events[0].changes.size(), 2u);
  EXPECT_EQ(fx->events[0].changes[1].old_value, "2022-05-27");
  EXPECT_EQ(fx->events[0].changes[1].new_value, "2022-05-24");
  ASSERT_EQ(fx->cancel.size(), 1u);
  EXPECT_EQ(fx->cancel[0].second, kTimerTermination);
  ASSERT_EQ(fx->schedule.size(), 1u);
  EXPECT_EQ(fx->schedule[0].kind, kTimerTermination);
  EXPECT_EQ(fx->schedule[0].from_day, CivilDate(2022, 5, 9));
  EXPECT_EQ(fx->schedule[0].last_day, CivilDate(2022, 5, 24));
  // Not before the letter was sent in a terminating state; not in the future.
  EXPECT_FALSE(CorrectDisputeDate(o.dispute, DisputeDateField::kTerminationSent,
                                  CivilDate(2022, 5, 20), "", CivilDate(2022, 5, 13), kCalendar)
                   .ok());
}

TEST(CorrectDisputeDateTest, TerminationDateOnlyWhileTerminating) {
  Opened o = Open();
  EXPECT_EQ(CorrectDisputeDate(o.dispute, DisputeDateField::kTerminationSent,
                               CivilDate(2022, 4, 2), "", CivilDate(2022, 4, 3), kCalendar)
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace ent::convention
