#include "workflow/timers/timer_engine.h"

#include <filesystem>
#include <vector>

#include <gtest/gtest.h>

#include "absl/synchronization/mutex.h"
#include "common/sqlite/database.h"
#include "workflow/sqlite/sqlite_timer_table.h"

namespace ent::workflow {
namespace {

absl::Time At(int y, int m, int d, int h = 0) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, h, 0, 0), absl::UTCTimeZone());
}

// Timers in a real SQLite database; firing records (timer subject, clock time).
class TimerEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("ent-timers-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    sqlite::Database::Options options;
    options.path = (dir_ / "t.db").string();
    options.migrations = {TimerSchemaSql(), TimerFromDayMigrationSql(), TimerAttemptsMigrationSql(),
                          TimerPartialIndexesMigrationSql()};
    auto db = sqlite::Database::Open(options);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }

  void Schedule(const std::string& subject, absl::Time due) {
    ASSERT_TRUE(db_->WriteSync([&](sqlite::Connection& c) {
                     SqliteTimerTable timers(c);
                     return timers.Schedule({"test", subject, "30227", due, CivilDate(), "", "", std::nullopt});
                   })
                    .ok());
  }

  TimerEngine::FireDue Firing(const Clock& clock) {
    return [this, &clock](absl::Time now, int limit) -> absl::StatusOr<TimerEngine::FireResult> {
      TimerEngine::FireResult result;
      absl::Status st = db_->WriteSync([&](sqlite::Connection& c) -> absl::Status {
        SqliteTimerTable timers(c);
        auto due = timers.Due(now, limit);
        if (!due.ok()) return due.status();
        for (const auto& t : *due) {
          {
            absl::MutexLock lock(&mu_);
            fired_.emplace_back(t.spec.subject, clock.Now());
          }
          if (auto s = timers.MarkFired(t.id, now); !s.ok()) return s;
        }
        result.fired = static_cast<int>(due->size());
        auto next = timers.NextDue();
        if (!next.ok()) return next.status();
        result.next_due = *next;
        return absl::OkStatus();
      });
      if (!st.ok()) return st;
      return result;
    };
  }

  std::vector<std::pair<std::string, absl::Time>> Fired() {
    absl::MutexLock lock(&mu_);
    return fired_;
  }

  std::filesystem::path dir_;
  std::unique_ptr<sqlite::Database> db_;
  absl::Mutex mu_;
  std::vector<std::pair<std::string, absl::Time>> fired_ ABSL_GUARDED_BY(mu_);
};

TEST_F(TimerEngineTest, AdvanceFiresEachTimerOnceInOrderAtItsDueTime) {
  ManualClock clock(At(2022, 1, 1));
  Schedule("c", At(2022, 3, 1));
  Schedule("a", At(2022, 1, 15));
  Schedule("b", At(2022, 2, 1));
  Schedule("later", At(2023, 1, 1));
  TimerEngine::Options options;
  options.simulated = true;
  options.batch = 2;
  TimerEngine engine(clock, Firing(clock), options);
  auto fired = engine.AdvanceTo(clock, At(2022, 6, 1));
  ASSERT_TRUE(fired.ok());
  EXPECT_EQ(*fired, 3);
  const auto log = Fired();
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[0], std::make_pair(std::string("a"), At(2022, 1, 15)));
  EXPECT_EQ(log[1], std::make_pair(std::string("b"), At(2022, 2, 1)));
  EXPECT_EQ(log[2], std::make_pair(std::string("c"), At(2022, 3, 1)));
  EXPECT_EQ(clock.Now(), At(2022, 6, 1));
  // Advancing again fires nothing twice.
  EXPECT_EQ(*engine.AdvanceTo(clock, At(2022, 7, 1)), 0);
  EXPECT_EQ(Fired().size(), 3u);
}

TEST_F(TimerEngineTest, ThreadFiresOverdueTimersAtStartInBatches) {
  ManualClock clock(At(2022, 12, 31));
  for (int i = 0; i < 25; ++i) Schedule("t" + std::to_string(i), At(2022, 1, 1) + absl::Hours(i));
  Schedule("future", At(2030, 1, 1));
  TimerEngine::Options options;
  options.batch = 4;
  TimerEngine engine(clock, Firing(clock), options);
  engine.Start();
  for (int i = 0; i < 2000 && engine.fired_total() < 25; ++i) absl::SleepFor(absl::Milliseconds(5));
  engine.Stop();
  const auto log = Fired();
  ASSERT_EQ(log.size(), 25u);
  for (int i = 0; i < 25; ++i) EXPECT_EQ(log[i].first, "t" + std::to_string(i));
}

TEST_F(TimerEngineTest, ThreadWakesForAnEarlierTimer) {
  RealClock clock;
  TimerEngine engine(clock, Firing(clock), TimerEngine::Options());
  Schedule("far", clock.Now() + absl::Hours(1));
  engine.Start();
  // Once its first pass is over the engine sleeps until the far timer.
  while (engine.activity().passes < 1) absl::SleepFor(absl::Milliseconds(5));
  Schedule("soon", clock.Now() + absl::Milliseconds(30));
  engine.Wake();
  for (int i = 0; i < 2000 && engine.fired_total() < 1; ++i) absl::SleepFor(absl::Milliseconds(5));
  engine.Stop();
  const auto log = Fired();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].first, "soon");
}

}  // namespace
}  // namespace ent::workflow

namespace ent::workflow {
namespace {

// A FireDue that fires nothing: every due timer is held by another instance
// (SKIP LOCKED), and records when it was called, in real time.
class HeldElsewhere {
 public:
  TimerEngine::FireDue Firing() {
    return [this](absl::Time now, int) -> absl::StatusOr<TimerEngine::FireResult> {
      absl::MutexLock lock(&mu_);
      calls_.push_back(absl::Now());
      TimerEngine::FireResult r;
      r.next_due = now - absl::Seconds(1);  // due, and not ours to take
      return r;
    };
  }
  std::vector<absl::Time> Calls() {
    absl::MutexLock lock(&mu_);
    return calls_;
  }

 private:
  absl::Mutex mu_;
  std::vector<absl::Time> calls_ ABSL_GUARDED_BY(mu_);
};

// The engine sleeps at least its backoff between passes that find due
// timers all held elsewhere (it does not spin), doubling up to the cap; it
// stays healthy meanwhile (another instance's work is not its own).
TEST(TimerEngine, BacksOffWhileDueTimersAreHeldElsewhere) {
  RealClock clock;
  HeldElsewhere held;
  TimerEngine::Options options;
  options.contended_min = absl::Milliseconds(20);
  options.contended_max = absl::Milliseconds(80);
  TimerEngine engine(clock, held.Firing(), options);
  engine.Start();
  while (held.Calls().size() < 6) absl::SleepFor(absl::Milliseconds(5));
  EXPECT_TRUE(engine.Health(absl::Milliseconds(1)).ok()) << engine.Health(absl::Milliseconds(1));
  engine.Stop();
  const std::vector<absl::Time> calls = held.Calls();
  // Lower bounds only: a sleep is never shorter than asked.
  const absl::Duration expected[] = {absl::Milliseconds(20), absl::Milliseconds(40),
                                     absl::Milliseconds(80), absl::Milliseconds(80),
                                     absl::Milliseconds(80)};
  for (int i = 0; i < 5; ++i) {
    EXPECT_GE(calls[i + 1] - calls[i], expected[i]) << "pass " << i + 1;
  }
  EXPECT_GE(engine.activity().contended_passes, 6);
}

// With a bounded poll the thread looks again by itself: a timer no Wake()
// announced (scheduled by another process) fires.
TEST_F(TimerEngineTest, PollFindsATimerNoWakeAnnounced) {
  RealClock clock;
  TimerEngine::Options options;
  options.poll = absl::Milliseconds(20);
  TimerEngine engine(clock, Firing(clock), options);
  engine.Start();
  while (engine.activity().passes < 1) absl::SleepFor(absl::Milliseconds(5));
  Schedule("unannounced", clock.Now());  // no Wake()
  for (int i = 0; i < 2000 && engine.fired_total() < 1; ++i) absl::SleepFor(absl::Milliseconds(5));
  engine.Stop();
  ASSERT_EQ(Fired().size(), 1u);
  EXPECT_EQ(Fired()[0].first, "unannounced");
}

// Without a poll (one process owns the table), an idle engine sleeps until
// woken: the timer stays pending, and the engine is healthy.
TEST_F(TimerEngineTest, WithoutPollAnUnannouncedTimerWaitsForAWake) {
  RealClock clock;
  TimerEngine engine(clock, Firing(clock), TimerEngine::Options());
  engine.Start();
  while (engine.activity().passes < 1) absl::SleepFor(absl::Milliseconds(5));
  Schedule("unannounced", clock.Now());
  const int64_t passes = engine.activity().passes;
  EXPECT_EQ(engine.activity().next_pass_by, absl::InfiniteFuture());
  EXPECT_TRUE(engine.Health(absl::Milliseconds(1)).ok());
  engine.Wake();
  for (int i = 0; i < 2000 && engine.fired_total() < 1; ++i) absl::SleepFor(absl::Milliseconds(5));
  engine.Stop();
  EXPECT_GT(engine.activity().passes, passes);
  EXPECT_EQ(Fired().size(), 1u);
}

// Health is the engine's own: a pass that does not end, and passes that
// keep failing, make it UNAVAILABLE, saying which; it recovers with them.
TEST(TimerEngine, HealthSaysWhenAPassHangsOrPassesFail) {
  RealClock clock;
  absl::Mutex mu;
  bool hang = false, fail = false;
  int calls = 0;
  TimerEngine::Options options;
  options.poll = absl::Milliseconds(5);
  options.retry_after_error = absl::Milliseconds(5);
  TimerEngine engine(
      clock,
      [&](absl::Time, int) -> absl::StatusOr<TimerEngine::FireResult> {
        absl::MutexLock lock(&mu);
        ++calls;
        mu.Await(absl::Condition(+[](bool* h) { return !*h; }, &hang));
        if (fail) return absl::UnavailableError("the database is unreachable");
        return TimerEngine::FireResult();
      },
      options);
  const absl::Duration limit = absl::Milliseconds(30);
  auto calls_after = [&](int n) {
    while (true) {
      {
        absl::MutexLock lock(&mu);
        if (calls > n) return calls;
      }
      absl::SleepFor(absl::Milliseconds(2));
    }
  };
  EXPECT_FALSE(engine.Health(limit).ok()) << "not started";
  engine.Start();
  int seen = calls_after(0);
  {
    absl::MutexLock lock(&mu);
    hang = true;
  }
  seen = calls_after(seen);  // a pass is now stuck inside FireDue
  while (engine.Health(limit).ok()) absl::SleepFor(absl::Milliseconds(5));
  EXPECT_NE(engine.Health(limit).message().find("under way"), std::string::npos) << engine.Health(limit);
  {
    absl::MutexLock lock(&mu);
    hang = false;
    fail = true;
  }
  seen = calls_after(seen + 1);
  while (engine.Health(limit).ok() ||
         engine.Health(limit).message().find("failed") == std::string::npos) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  EXPECT_NE(engine.Health(limit).message().find("unreachable"), std::string::npos);
  {
    absl::MutexLock lock(&mu);
    fail = false;
  }
  seen = calls_after(seen + 1);
  calls_after(seen + 1);
  EXPECT_TRUE(engine.Health(limit).ok()) << engine.Health(limit);
  engine.Stop();
  EXPECT_FALSE(engine.Health(limit).ok()) << "stopped";
}

}  // namespace
}  // namespace ent::workflow
