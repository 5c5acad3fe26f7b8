// The command runner (convention-service/service/command_runner.h) on a real
// store in a temporary directory, without a server: everything a command
// changes commits together or not at all, versions and times are set once,
// authorisation runs before any replay, and a retry gets the first answer.
#include "convention-service/service/command_runner.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/synchronization/notification.h"
#include "convention-service/store/sqlite/sqlite_convention_store.h"
#include "tests/support/service_process.h"

namespace ent::convention {
namespace {

class CommandRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = SqliteConventionStore::Open(dir_.path() + "/convention.db");
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    runner_ = std::make_unique<CommandRunner>(*store_, clock_);
    runner_->SetTimersChanged([this] { ++timers_changed_; });
    runner_->SetNoticesQueued([this] { ++notices_queued_; });
  }

  absl::StatusOr<Response> Run(const std::string& id, CommandRunner::Fn fn,
                               CommandRunner::Authorize authorize = nullptr,
                               const Principal& who = Principal{"rectorat", Role::kRectoratService, {}}) {
    absl::Notification done;
    absl::StatusOr<Response> out = absl::UnknownError("not answered");
    runner_->Run(RequestContext{id, "fingerprint-" + id, who}, std::move(authorize), std::move(fn),
                 [&](absl::StatusOr<Response> r) {
                   out = std::move(r);
                   done.Notify();
                 });
    done.WaitForNotification();
    return out;
  }

  // A command that creates `id` with one event, a timer and a notice.
  static CommandRunner::Fn Create(const std::string& id, bool fail_at_the_end = false) {
    return [id, fail_at_the_end](ConventionWriter&, absl::Time now) -> absl::StatusOr<Mutation> {
      Convention c;
      c.id = id;
      c.commune.insee_code = "30227";
      c.school_year = SchoolYear(2021);
      c.end_date = CivilDate(2022, 8, 31);
      Mutation m = Mutation::Of(c, {Event{id, "30227", EventType::kCreated, "created", {}, State::kDraft}});
      m.schedule.push_back({"convention.expiry", "conventions/" + id, "30227", now + absl::Hours(24),
                            CivilDate(2021, 11, 4), "1 day", "for the test", std::nullopt});
      m.notices.push_back({"convention.activated", "conventions/" + id, id + "/activated", "test.Notice", ""});
      if (fail_at_the_end) return absl::FailedPreconditionError("refused after building");
      return m;
    };
  }

  template <typename T>
  T Read(const std::function<absl::StatusOr<T>(ConventionReader&)>& work) {
    return store_->ReadValue<T>(work).value();
  }
  size_t Events() {
    return Read<std::vector<EventRecord>>([](ConventionReader& r) { return r.ListEvents({}, 0, 100); }).size();
  }
  size_t Timers() {
    return Read<std::vector<workflow::TimerRecord>>([](ConventionReader& r) {
             return r.timers().Due(absl::InfiniteFuture(), 100);
           }).size();
  }

  testing::TempDir dir_;
  ManualClock clock_{absl::FromUnixSeconds(1635958800)};
  std::unique_ptr<SqliteConventionStore> store_;
  std::unique_ptr<CommandRunner> runner_;
  int timers_changed_ = 0;
  int notices_queued_ = 0;
};

TEST_F(CommandRunnerTest, EverythingACommandChangesCommitsTogether) {
  absl::StatusOr<Response> r = Run("req-1", Create("30227-2021"));
  ASSERT_TRUE(r.ok()) << r.status();
  const Convention& c = std::get<Convention>(*r);
  EXPECT_EQ(c.version, 1);
  EXPECT_EQ(c.create_time, clock_.Now());
  EXPECT_EQ(c.update_time, clock_.Now());
  EXPECT_EQ(Events(), 1u);
  EXPECT_EQ(Timers(), 1u);
  EXPECT_EQ(timers_changed_, 1);
  EXPECT_EQ(notices_queued_, 1);
}

TEST_F(CommandRunnerTest, ARefusedCommandKeepsNothingAndWakesNobody) {
  EXPECT_EQ(Run("req-1", Create("30227-2021", /*fail_at_the_end=*/true)).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(Read<std::optional<Convention>>([](ConventionReader& r) { return r.Get("30227-2021"); }));
  EXPECT_EQ(Events(), 0u);
  EXPECT_EQ(Timers(), 0u);
  EXPECT_EQ(timers_changed_, 0);
  // Nothing was stored for the request id either: a corrected retry runs.
  EXPECT_TRUE(Run("req-1", Create("30227-2021")).ok());
}

TEST_F(CommandRunnerTest, ARetryGetsTheFirstAnswerWithoutRunningAgain) {
  ASSERT_TRUE(Run("req-1", Create("30227-2021")).ok());
  int runs = 0;
  absl::StatusOr<Response> again = Run("req-1", [&runs](ConventionWriter& w, absl::Time now) {
    ++runs;
    return Create("30227-2021")(w, now);
  });
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(runs, 0);
  EXPECT_EQ(std::get<Convention>(*again).version, 1);
  EXPECT_EQ(Events(), 1u);
}

TEST_F(CommandRunnerTest, AuthorisationRunsBeforeTheReplay) {
  ASSERT_TRUE(Run("req-1", Create("30227-2021")).ok());
  absl::StatusOr<Response> replay = Run("req-1", Create("30227-2021"), [](ConventionReader&) {
    return absl::PermissionDeniedError("not any more");
  });
  EXPECT_EQ(replay.status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(CommandRunnerTest, AStaleVersionIsAbortedAndKeepsNothing) {
  ASSERT_TRUE(Run("req-1", Create("30227-2021")).ok());
  // A command that read version 0 (as if another writer had created it since).
  absl::StatusOr<Response> stale = Run("req-2", Create("30227-2021"));
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(Events(), 1u);
  EXPECT_EQ(Timers(), 1u);
}

TEST_F(CommandRunnerTest, AnInvalidRequestIdIsRefusedBeforeAnyWork) {
  int runs = 0;
  absl::StatusOr<Response> r = Run("bad id with spaces", [&runs](ConventionWriter& w, absl::Time now) {
    ++runs;
    return Create("30227-2021")(w, now);
  });
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(runs, 0);
}

}  // namespace
}  // namespace ent::convention
