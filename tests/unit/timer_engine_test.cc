#include "workflow/timers/timer_engine.h"

#include <filesystem>
#include <vector>

#include <gtest/gtest.h>

#include "absl/synchronization/mutex.h"
#include "common/sqlite/database.h"
#include "workflow/timers/sqlite_timer_table.h"

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
  absl::SleepFor(absl::Milliseconds(20));
  Schedule("soon", clock.Now() + absl::Milliseconds(30));
  engine.Wake();
  for (int i = 0; i < 400 && engine.fired_total() < 1; ++i) absl::SleepFor(absl::Milliseconds(5));
  engine.Stop();
  const auto log = Fired();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].first, "soon");
}

}  // namespace
}  // namespace ent::workflow
