// What several instances on one PostgreSQL database rely on, each checked on
// a throw-away server (tests/support/postgres_server.h): bounded waits
// (timeouts, a bounded write queue, deadlines), the outbox lease's fencing
// epoch, and the notifications that wake every instance's timer engine.
#include <atomic>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "common/postgres/database.h"
#include "common/postgres/listener.h"
#include "tests/support/postgres_server.h"
#include "workflow/postgres/postgres_outbox.h"
#include "workflow/postgres/postgres_timer_table.h"

namespace ent::postgres {
namespace {

// Waits until `done()` (a deadlock detector, not a timing bound).
template <typename F>
bool Eventually(F done) {
  for (int i = 0; i < 6000; ++i) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return false;
}

class PostgresFleetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = ent::testing::SharedPostgres();
    if (!server.ok()) GTEST_SKIP() << "no PostgreSQL server: " << server.status();
    auto uri = (*server)->CreateDatabase();
    ASSERT_TRUE(uri.ok()) << uri.status();
    uri_ = *uri;
  }

  // An instance's database: the workflow's tables, as convention-service has them.
  std::unique_ptr<Database> Open(Timeouts timeouts = {}, int writers = 2, size_t max_queued = 10000) {
    Database::Options options;
    options.uri = uri_;
    options.schema = "fleet";
    options.migrations = {std::string(workflow::PostgresTimerSchemaSql()) + workflow::PostgresOutboxSchemaSql(),
                          std::string(workflow::PostgresTimerNotifySql()) + workflow::PostgresOutboxLeaseSql(),
                          workflow::PostgresOutboxPayloadTypeSql(),
                          "CREATE TABLE items (id BIGINT PRIMARY KEY, n BIGINT NOT NULL); "
                          "INSERT INTO items VALUES (1, 0)"};
    options.timeouts = timeouts;
    options.writers = writers;
    options.max_queued_writes = max_queued;
    options.retry_for = absl::Seconds(2);
    auto db = Database::Open(std::move(options));
    EXPECT_TRUE(db.ok()) << db.status();
    return db.ok() ? std::move(*db) : nullptr;
  }

  // Another session: a tool, an operator, or the test stepping a transaction.
  std::unique_ptr<Connection> Session() {
    auto conn = Connection::Open(uri_, "SET search_path = fleet");
    EXPECT_TRUE(conn.ok()) << conn.status();
    return conn.ok() ? std::move(*conn) : nullptr;
  }
  int64_t QueryInt(const std::string& sql) {
    auto r = Session()->Query(sql);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() && r->rows() > 0 ? r->Int(0, 0) : -1;
  }

  std::string uri_;
};

TEST(NetworkTimeouts, AreAddedToTheUriUnlessItSetsThem) {
  Timeouts t;
  t.connect = absl::Seconds(3);
  t.network = absl::Seconds(12);
  EXPECT_EQ(WithNetworkTimeouts("postgresql://db.example/ent", t),
            "postgresql://db.example/ent?connect_timeout=3&keepalives=1&keepalives_idle=6"
            "&keepalives_interval=2&keepalives_count=3&tcp_user_timeout=12000");
  EXPECT_EQ(WithNetworkTimeouts("postgresql://a,b/ent?target_session_attrs=read-write&keepalives_idle=30", t),
            "postgresql://a,b/ent?target_session_attrs=read-write&keepalives_idle=30&connect_timeout=3"
            "&keepalives=1&keepalives_interval=2&keepalives_count=3&tcp_user_timeout=12000");
  EXPECT_EQ(WithNetworkTimeouts("host=h dbname=ent tcp_user_timeout=500", t),
            "host=h dbname=ent tcp_user_timeout=500 connect_timeout=3 keepalives=1 keepalives_idle=6 "
            "keepalives_interval=2 keepalives_count=3");
  EXPECT_EQ(TimeoutSettings(Timeouts()),
            "SET statement_timeout = 30000; SET lock_timeout = 10000; "
            "SET idle_in_transaction_session_timeout = 60000");
}

TEST_F(PostgresFleetTest, ALockHeldTooLongAnswersUnavailableWithinTheLockTimeout) {
  Timeouts t;
  t.lock = absl::Milliseconds(200);
  auto db = Open(t);
  auto holder = Session();
  ASSERT_TRUE(holder->Exec("BEGIN").ok());
  ASSERT_TRUE(holder->Query("SELECT n FROM items WHERE id = 1 FOR UPDATE").ok());  // held
  absl::Status st = db->WriteSync([](Connection& c) { return c.Exec("UPDATE items SET n = n + 1 WHERE id = 1"); });
  EXPECT_EQ(st.code(), absl::StatusCode::kUnavailable) << st;
  EXPECT_TRUE(absl::StrContains(st.message(), "lock timeout")) << st;
  ASSERT_TRUE(holder->Exec("ROLLBACK").ok());
  EXPECT_TRUE(db->WriteSync([](Connection& c) { return c.Exec("UPDATE items SET n = n + 1 WHERE id = 1"); }).ok());
}

TEST_F(PostgresFleetTest, AStatementPastItsTimeoutAnswersUnavailable) {
  Timeouts t;
  t.statement = absl::Milliseconds(200);
  auto db = Open(t);
  absl::Status st = db->WriteSync([](Connection& c) { return c.Exec("SELECT pg_sleep(30)"); });
  EXPECT_EQ(st.code(), absl::StatusCode::kUnavailable) << st;
  EXPECT_TRUE(absl::StrContains(st.message(), "statement timeout")) << st;
}

TEST_F(PostgresFleetTest, AFullWriteQueueAndAPassedDeadlineAnswerUnavailableWithoutRunning) {
  auto db = Open(Timeouts(), /*writers=*/1, /*max_queued=*/1);
  absl::Notification writing, release;
  db->Write(
      [&](Connection&) {
        writing.Notify();
        release.WaitForNotification();
        return absl::OkStatus();
      },
      [](absl::Status) {});
  writing.WaitForNotification();  // the only writer is busy
  std::atomic<bool> queued_ran{false}, late_ran{false}, over_ran{false};
  absl::Notification queued_done, late_done;
  absl::Status queued, late, over;
  db->Write([&](Connection&) { queued_ran = true; return absl::OkStatus(); },
            [&](absl::Status st) { queued = st; queued_done.Notify(); });
  // The queue holds one job: the next is refused at once, on this thread.
  bool over_answered = false;
  db->Write([&](Connection&) { over_ran = true; return absl::OkStatus(); },
            [&](absl::Status st) { over = st; over_answered = true; });
  EXPECT_TRUE(over_answered);
  EXPECT_EQ(over.code(), absl::StatusCode::kUnavailable) << over;
  release.Notify();
  queued_done.WaitForNotification();
  EXPECT_TRUE(queued.ok()) << queued;
  // A job whose caller's deadline has passed is not started.
  db->Write([&](Connection&) { late_ran = true; return absl::OkStatus(); },
            [&](absl::Status st) { late = st; late_done.Notify(); }, absl::Now() - absl::Seconds(1));
  late_done.WaitForNotification();
  EXPECT_EQ(late.code(), absl::StatusCode::kUnavailable) << late;
  EXPECT_TRUE(queued_ran);
  EXPECT_FALSE(late_ran);
  EXPECT_FALSE(over_ran);
  EXPECT_EQ(db->refused_writes(), 2);
  // Closed (the service stops): refused without running.
  db->Close();
  absl::Status closed = db->WriteSync([&](Connection&) { over_ran = true; return absl::OkStatus(); });
  EXPECT_EQ(closed.code(), absl::StatusCode::kUnavailable) << closed;
  EXPECT_FALSE(over_ran);
}

// The fence itself: a dispatcher deposed mid-delivery (its lease session
// ended, as a partition or a restart ends it) writes nothing - neither over
// its successor's outcome, nor on a message still pending, which only the
// state check would let through.
TEST_F(PostgresFleetTest, ADeposedOutboxDispatchersLateWriteChangesNothing) {
  auto db_a = Open(), db_b = Open();
  workflow::PostgresOutboxStore a(*db_a), b(*db_b);
  const absl::Time t0 = absl::FromUnixSeconds(1650000000);
  auto enqueue = [&](const std::string& key) {
    ASSERT_TRUE(db_a->WriteSync([&](Connection& c) {
                      workflow::PostgresOutboxWriter w(c);
                      return w.Enqueue("convention.activated", key, key + "/1", "test.Notice", "", t0);
                    }).ok());
  };
  enqueue("k1");
  auto batch_a = a.Deliverable(t0, 10);
  ASSERT_TRUE(batch_a.ok()) << batch_a.status();
  ASSERT_EQ(batch_a->size(), 1u);
  const int64_t epoch_a = (*batch_a)[0].lease_epoch;
  EXPECT_EQ(epoch_a, a.lease_epoch());
  EXPECT_GE(epoch_a, 1);
  EXPECT_TRUE(b.Deliverable(t0, 10)->empty()) << "one dispatcher at a time";

  // A's lease session ends while it delivers; B takes the lease over.
  ASSERT_EQ(QueryInt("SELECT count(pg_terminate_backend(pid)) FROM pg_locks WHERE locktype = 'advisory' "
                     "AND granted AND pid <> pg_backend_pid()"),
            1);
  absl::StatusOr<std::vector<workflow::OutboxMessage>> batch_b;
  ASSERT_TRUE(Eventually([&] {
    batch_b = b.Deliverable(t0, 10);
    return batch_b.ok() && !batch_b->empty();
  }));
  const int64_t epoch_b = (*batch_b)[0].lease_epoch;
  EXPECT_EQ(epoch_b, epoch_a + 1);
  const int64_t id = (*batch_b)[0].id;
  ASSERT_TRUE(b.Record({{id, true, t0, "", t0, false, epoch_b}}).ok());

  // A's late outcome (its attempt timed out) would park or retry the message.
  absl::Status late = a.Record({{id, false, t0, "deadline exceeded", t0 + absl::Minutes(1), true, epoch_a}});
  EXPECT_EQ(late.code(), absl::StatusCode::kFailedPrecondition) << late;
  EXPECT_TRUE(absl::StrContains(late.message(), "epoch")) << late;
  EXPECT_EQ(QueryInt(absl::StrCat("SELECT state * 10 + attempts FROM workflow_outbox WHERE id = ", id)), 11)
      << "delivered once, by B";

  // On a message still pending, the epoch alone refuses A's write.
  enqueue("k2");
  auto pending = b.Deliverable(t0, 10);
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 1u);
  const int64_t id2 = (*pending)[0].id;
  late = a.Record({{id2, true, t0, "", t0, false, epoch_a}});
  EXPECT_EQ(late.code(), absl::StatusCode::kFailedPrecondition) << late;
  EXPECT_EQ(QueryInt(absl::StrCat("SELECT state * 10 + attempts FROM workflow_outbox WHERE id = ", id2)), 0);
  EXPECT_TRUE(b.Record({{id2, true, t0, "", t0, false, epoch_b}}).ok());
  EXPECT_EQ(QueryInt(absl::StrCat("SELECT state * 10 + attempts FROM workflow_outbox WHERE id = ", id2)), 11);
}

// Every instance hears of a timer made pending, whoever wrote it - here a
// hand-written INSERT from another session - and of one tried again; a timer
// marked fired notifies no one. After its connection is lost, the listener
// comes back and says so (what was sent meanwhile is lost: look again).
TEST_F(PostgresFleetTest, EveryInstanceHearsOfATimerMadePendingWhoeverWroteIt) {
  auto db = Open();
  std::atomic<int> calls{0};
  Listener listener(*db, workflow::TimerChannel("fleet"), [&] { ++calls; });
  listener.Start();
  ASSERT_TRUE(Eventually([&] { return calls >= 1 && listener.listening(); })) << "the call after connecting";
  auto tool = Session();
  const int64_t heard = listener.heard();
  ASSERT_TRUE(tool->Exec("INSERT INTO workflow_timers (kind, subject, commune, due_us, last_day, rule, "
                         "explanation, next_us) VALUES ('convention.expiry', 'conventions/x', '30227', 0, "
                         "'2022-09-01', '', '', 0)")
                  .ok());
  ASSERT_TRUE(Eventually([&] { return listener.heard() > heard; }));
  EXPECT_EQ(listener.heard(), heard + 1);
  // Fired: nothing. Then tried again after a failure (still pending): heard.
  // (In commit order: had the first notified, it would be heard first.)
  ASSERT_TRUE(tool->Exec("UPDATE workflow_timers SET state = 1").ok());
  ASSERT_TRUE(tool->Exec("INSERT INTO workflow_timers (kind, subject, commune, due_us, last_day, rule, "
                         "explanation, next_us) VALUES ('convention.expiry', 'conventions/y', '30227', 0, "
                         "'2022-09-01', '', '', 0)")
                  .ok());
  ASSERT_TRUE(tool->Exec("UPDATE workflow_timers SET next_us = 5, attempts = 1 WHERE subject = 'conventions/y'").ok());
  ASSERT_TRUE(Eventually([&] { return listener.heard() >= heard + 3; }));
  EXPECT_EQ(listener.heard(), heard + 3) << "the insert, then the retry; the firing said nothing";

  const int before = calls;
  ASSERT_EQ(QueryInt("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE query LIKE 'LISTEN%'"), 1);
  ASSERT_TRUE(Eventually([&] { return calls > before && listener.listening(); }));
  listener.Stop();
  EXPECT_FALSE(listener.listening());
}

}  // namespace
}  // namespace ent::postgres
