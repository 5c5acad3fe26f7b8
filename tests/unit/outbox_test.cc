#include "workflow/outbox/outbox_dispatcher.h"

#include <filesystem>
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"

#include "workflow/sqlite/sqlite_outbox.h"

namespace ent::workflow {
namespace {

// Records deliveries; fails the keys it is told to fail.
class FakeSink final : public OutboxSink {
 public:
  absl::Status Deliver(const OutboxMessage& m) override {
    if (failing.count(m.key)) return absl::UnavailableError("billing-service is down");
    delivered.push_back(m.idempotency_key);
    return absl::OkStatus();
  }
  std::set<std::string> failing;
  std::vector<std::string> delivered;
};

class OutboxTest : public ::testing::Test {
 protected:
  // The operator's retry, waited for.
  absl::StatusOr<OutboxMessage> Retry(int64_t id) {
    absl::Notification done;
    absl::StatusOr<OutboxMessage> out = absl::UnknownError("not answered");
    store_->Retry(id, clock_.Now(), [&](absl::StatusOr<OutboxMessage> r) {
      out = std::move(r);
      done.Notify();
    });
    done.WaitForNotification();
    return out;
  }
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("ent-outbox-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    sqlite::Database::Options options;
    options.path = (dir_ / "o.db").string();
    options.migrations = {OutboxSchemaSql(), OutboxOrderMigrationSql(), OutboxPayloadTypeMigrationSql()};
    auto db = sqlite::Database::Open(options);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    store_ = std::make_unique<SqliteOutboxStore>(*db_);
  }
  void TearDown() override {
    store_.reset();
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Enqueue(const std::string& key, const std::string& id) { EnqueueAt(key, id, clock_.Now()); }
  // As a host on another (e.g. simulated) clock would.
  void EnqueueAt(const std::string& key, const std::string& id, absl::Time created) {
    ASSERT_TRUE(db_->WriteSync([&](sqlite::Connection& c) {
                     return SqliteOutboxWriter(c).Enqueue("t", key, id, "test.Notice", "", created);
                   })
                    .ok());
  }

  std::filesystem::path dir_;
  std::unique_ptr<sqlite::Database> db_;
  std::unique_ptr<SqliteOutboxStore> store_;
  ManualClock clock_{absl::FromUnixSeconds(1650000000)};
  FakeSink sink_;
};

// A service on a simulated clock years ahead of the dispatcher's (real)
// clock: its notices leave at once; retries still pace on the dispatcher's.
TEST_F(OutboxTest, NoticesFromAHostClockAheadOfTheDispatcherAreDeliveredAtOnce) {
  EnqueueAt("conventions/a", "a/1", clock_.Now() + absl::Hours(24 * 365 * 5));
  EnqueueAt("conventions/b", "b/1", clock_.Now() + absl::Hours(24 * 365 * 5));
  sink_.failing.insert("conventions/b");
  OutboxDispatcher dispatcher(*store_, sink_, clock_, OutboxDispatcher::Options());
  EXPECT_EQ(*dispatcher.DeliverOnce(), 1);
  EXPECT_EQ(sink_.delivered, (std::vector<std::string>{"a/1"}));
  sink_.failing.clear();
  EXPECT_EQ(*dispatcher.DeliverOnce(), 0);  // b waits for its backoff on the dispatcher's clock
  clock_.Advance(dispatcher.Backoff(1));
  EXPECT_EQ(*dispatcher.DeliverOnce(), 1);
}

TEST_F(OutboxTest, DeliversInOrderPerKeyAndEnqueueIsIdempotent) {
  Enqueue("conventions/a", "a/1");
  Enqueue("conventions/b", "b/1");
  Enqueue("conventions/a", "a/2");
  Enqueue("conventions/a", "a/1");  // same idempotency key: ignored
  OutboxDispatcher dispatcher(*store_, sink_, clock_, OutboxDispatcher::Options());
  // One pass delivers the head of each key; the next pass the following ones.
  EXPECT_EQ(*dispatcher.DeliverOnce(), 2);
  EXPECT_EQ(*dispatcher.DeliverOnce(), 1);
  EXPECT_EQ(*dispatcher.DeliverOnce(), 0);
  EXPECT_EQ(sink_.delivered, (std::vector<std::string>{"a/1", "b/1", "a/2"}));
  EXPECT_TRUE(store_->List(OutboxState::kPending, 10)->empty());
  EXPECT_EQ(store_->List(OutboxState::kDelivered, 10)->size(), 3u);
}

TEST_F(OutboxTest, AFailingKeyWaitsWithBackoffWithoutBlockingOthersThenDiesAndHoldsItsKey) {
  Enqueue("conventions/down", "down/1");
  Enqueue("conventions/down", "down/2");
  Enqueue("conventions/up", "up/1");
  sink_.failing = {"conventions/down"};
  OutboxDispatcher::Options options;
  options.max_attempts = 3;
  OutboxDispatcher dispatcher(*store_, sink_, clock_, options);
  EXPECT_EQ(*dispatcher.DeliverOnce(), 1);  // up/1 goes through
  auto pending = *store_->List(OutboxState::kPending, 10);
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0].attempts, 1);
  EXPECT_EQ(pending[0].next_attempt, clock_.Now() + absl::Seconds(1));
  EXPECT_NE(pending[0].last_error.find("billing-service is down"), std::string::npos);
  // Not retried before its time; then 2 s later, then dead.
  EXPECT_EQ(*dispatcher.DeliverOnce(), 0);
  EXPECT_EQ((*store_->List(OutboxState::kPending, 10))[0].attempts, 1);
  clock_.Advance(absl::Seconds(1));
  dispatcher.DeliverOnce().IgnoreError();
  pending = *store_->List(OutboxState::kPending, 10);
  EXPECT_EQ(pending[0].attempts, 2);
  EXPECT_EQ(pending[0].next_attempt, clock_.Now() + absl::Seconds(2));
  clock_.Advance(absl::Seconds(2));
  dispatcher.DeliverOnce().IgnoreError();
  auto dead = *store_->List(OutboxState::kDead, 10);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].idempotency_key, "down/1");
  // The dead message holds back its key's later ones (order is never broken),
  // even once the receiver is back; other keys go on.
  sink_.failing.clear();
  Enqueue("conventions/up", "up/2");
  EXPECT_EQ(*dispatcher.DeliverOnce(), 1);
  EXPECT_EQ(sink_.delivered.back(), "up/2");
  ASSERT_EQ(store_->List(OutboxState::kPending, 10)->size(), 1u);
  EXPECT_EQ((*store_->List(OutboxState::kPending, 10))[0].idempotency_key, "down/2");
  // Operators see why it waits, and retry the dead one: both go, in order.
  const auto held = (*store_->List(OutboxState::kPending, 10))[0];
  EXPECT_EQ(held.blocked_by, dead[0].id);
  EXPECT_EQ(dead[0].blocked_by, 0);
  auto retried = Retry(dead[0].id);
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(retried->state, OutboxState::kPending);
  EXPECT_EQ(retried->attempts, 0);
  EXPECT_EQ(Retry(dead[0].id)->state, OutboxState::kPending);  // again: as is
  EXPECT_EQ(*dispatcher.DeliverOnce(), 1);
  EXPECT_EQ(*dispatcher.DeliverOnce(), 1);
  EXPECT_EQ(sink_.delivered, (std::vector<std::string>{"up/1", "up/2", "down/1", "down/2"}));
  EXPECT_EQ(Retry(dead[0].id).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Retry(999).status().code(), absl::StatusCode::kNotFound);
}

// Counts the dispatcher's looks (real time), delegating to a store.
class CountingStore final : public OutboxStore {
 public:
  explicit CountingStore(OutboxStore& store) : store_(store) {}
  absl::StatusOr<std::vector<OutboxMessage>> Deliverable(absl::Time now, int limit) override {
    {
      absl::MutexLock lock(&mu_);
      looks_.push_back(absl::Now());
    }
    return store_.Deliverable(now, limit);
  }
  absl::Status Record(const std::vector<DeliveryOutcome>& outcomes) override { return store_.Record(outcomes); }
  absl::StatusOr<std::optional<absl::Time>> NextAttempt() override { return store_.NextAttempt(); }
  absl::StatusOr<std::vector<OutboxMessage>> List(OutboxState state, int limit) override {
    return store_.List(state, limit);
  }
  void Retry(int64_t id, absl::Time at, std::function<void(absl::StatusOr<OutboxMessage>)> done) override {
    store_.Retry(id, at, std::move(done));
  }
  std::vector<absl::Time> looks() {
    absl::MutexLock lock(&mu_);
    return looks_;
  }

 private:
  OutboxStore& store_;
  absl::Mutex mu_;
  std::vector<absl::Time> looks_ ABSL_GUARDED_BY(mu_);
};

// A notice due but held behind a dead one of its key (or, with several
// instances, another's to send) is not deliverable here: the dispatcher
// waits longer and longer between looks instead of spinning.
TEST_F(OutboxTest, ADispatcherWithNothingDeliverableBacksOffInsteadOfSpinning) {
  Enqueue("conventions/down", "down/1");
  Enqueue("conventions/down", "down/2");
  sink_.failing = {"conventions/down"};
  OutboxDispatcher::Options options;
  options.max_attempts = 1;  // down/1 dies at once; down/2 waits behind it, due
  options.idle_min = absl::Milliseconds(20);
  options.max_sleep = absl::Milliseconds(160);
  RealClock clock;
  CountingStore counting(*store_);
  OutboxDispatcher dispatcher(counting, sink_, clock, options);
  dispatcher.Start();
  while (counting.looks().size() < 7) absl::SleepFor(absl::Milliseconds(5));
  dispatcher.Stop();
  ASSERT_EQ(store_->List(OutboxState::kDead, 10)->size(), 1u);
  const std::vector<absl::Time> looks = counting.looks();
  // After the first look (down/1 dies): 20, 40, 80, 160, 160 ms at least.
  const absl::Duration expected[] = {absl::Milliseconds(20), absl::Milliseconds(40), absl::Milliseconds(80),
                                     absl::Milliseconds(160), absl::Milliseconds(160)};
  for (int i = 0; i < 5; ++i) EXPECT_GE(looks[i + 2] - looks[i + 1], expected[i]) << "look " << i + 2;
}

TEST_F(OutboxTest, BackoffDoublesUpToTheCap) {
  OutboxDispatcher::Options options;
  options.base_backoff = absl::Seconds(1);
  options.max_backoff = absl::Seconds(10);
  OutboxDispatcher dispatcher(*store_, sink_, clock_, options);
  EXPECT_EQ(dispatcher.Backoff(1), absl::Seconds(1));
  EXPECT_EQ(dispatcher.Backoff(2), absl::Seconds(2));
  EXPECT_EQ(dispatcher.Backoff(4), absl::Seconds(8));
  EXPECT_EQ(dispatcher.Backoff(5), absl::Seconds(10));
  EXPECT_EQ(dispatcher.Backoff(30), absl::Seconds(10));
}

}  // namespace
}  // namespace ent::workflow
