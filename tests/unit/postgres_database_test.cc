// The PostgreSQL layer's deferred statements (common/postgres): sent with the
// next statement in one round trip, run in order, their failures returned by
// the call that sent them and aborting what follows, the transaction rolled
// back. On a throw-away server (tests/support/postgres_server.h).
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/postgres/database.h"
#include "gtest/gtest.h"
#include "tests/support/postgres_server.h"

namespace ent::postgres {
namespace {

class PostgresDatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = ent::testing::SharedPostgres();
    if (!server.ok()) GTEST_SKIP() << "no PostgreSQL server: " << server.status();
    server_ = *server;
    auto uri = (*server)->CreateDatabase();
    ASSERT_TRUE(uri.ok()) << uri.status();
    Database::Options options;
    options.uri = *uri;
    options.schema = "test";
    options.migrations = {"CREATE TABLE items (id BIGINT PRIMARY KEY, state INTEGER NOT NULL)"};
    options.writers = 1;
    options.retry_for = absl::Seconds(2);
    auto db = Database::Open(std::move(options));
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
  }

  int64_t Count(const std::string& where = "TRUE") {
    int64_t n = -1;
    db_->ReadNow([&](Connection& c) {
      auto r = c.Query(absl::StrCat("SELECT count(*) FROM items WHERE ", where));
      if (r.ok()) n = r->Int(0, 0);
    });
    return n;
  }

  std::unique_ptr<Database> db_;
  ent::testing::PostgresServer* server_ = nullptr;
};

constexpr char kInsert[] = "INSERT INTO items (id, state) VALUES ($1, $2)";

TEST_F(PostgresDatabaseTest, DeferredStatementsRunBeforeTheNextQueryInOneSend) {
  absl::Status st = db_->WriteSync([](Connection& c) -> absl::Status {
    const int64_t sends = c.sends();
    const size_t queued = c.deferred();  // the transaction's BEGIN, not sent yet either
    c.Defer(kInsert, Params().Int(1).Int(0));
    c.Defer(kInsert, Params().Int(2).Int(0));
    if (c.deferred() != queued + 2 || c.sends() != sends) return absl::InternalError("sent too early");
    auto r = c.Query("SELECT count(*) FROM items");
    if (!r.ok()) return r.status();
    if (r->Int(0, 0) != 2) return absl::InternalError("the query ran before the deferred inserts");
    if (c.sends() != sends + 1 || c.deferred() != 0) return absl::InternalError("not one send");
    return absl::OkStatus();
  });
  EXPECT_TRUE(st.ok()) << st;
  EXPECT_EQ(Count(), 2);
}

TEST_F(PostgresDatabaseTest, DeferredStatementsStillQueuedAreSentWithTheCommit) {
  ASSERT_TRUE(db_->WriteSync([](Connection& c) {
                c.Defer(kInsert, Params().Int(1).Int(0));
                return absl::OkStatus();
              }).ok());
  EXPECT_EQ(Count(), 1);
}

TEST_F(PostgresDatabaseTest, FailedDeferredStatementAbortsTheRestAndTheCommit) {
  ASSERT_TRUE(db_->WriteSync([](Connection& c) {
                c.Defer(kInsert, Params().Int(1).Int(0));
                return absl::OkStatus();
              }).ok());
  absl::Status st = db_->WriteSync([](Connection& c) {
    c.Defer(kInsert, Params().Int(2).Int(0));
    c.Defer(kInsert, Params().Int(1).Int(0));  // the key is taken
    c.Defer(kInsert, Params().Int(3).Int(0));
    return absl::OkStatus();
  });
  EXPECT_EQ(st.code(), absl::StatusCode::kAborted) << st;
  EXPECT_NE(st.message().find("items_pkey"), std::string::npos) << st;
  EXPECT_EQ(Count(), 1) << "nothing of the failed transaction committed";
}

TEST_F(PostgresDatabaseTest, ErrorOfADeferredStatementIsReturnedByTheQueryThatSentIt) {
  absl::Status seen;
  absl::Status st = db_->WriteSync([&](Connection& c) -> absl::Status {
    c.Defer("INSERT INTO no_such_table VALUES (1)");
    seen = c.Query("SELECT 1").status();
    return seen;
  });
  EXPECT_EQ(seen.code(), absl::StatusCode::kInternal) << seen;
  EXPECT_NE(seen.message().find("no_such_table"), std::string::npos) << seen;
  EXPECT_EQ(st, seen);
  // The connection is usable afterwards (rolled back, out of pipeline mode).
  EXPECT_TRUE(db_->WriteSync([](Connection& c) {
                   c.Defer(kInsert, Params().Int(7).Int(0));
                   return c.Flush();
                 }).ok());
  EXPECT_EQ(Count(), 1);
}

TEST_F(PostgresDatabaseTest, DeferredStatementsOfAFailedWorkAreDroppedUnsent) {
  absl::Status st = db_->WriteSync([](Connection& c) {
    c.Defer(kInsert, Params().Int(1).Int(0));
    return absl::InvalidArgumentError("the work changed its mind");
  });
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Count(), 0);
}

TEST_F(PostgresDatabaseTest, ExpectRowsFailsWithTheStatementsOwnMessageAndCode) {
  ASSERT_TRUE(db_->WriteSync([](Connection& c) {
                c.Defer(kInsert, Params().Int(1).Int(0));
                return absl::OkStatus();
              }).ok());
  const std::string update =
      ExpectRowsSql("UPDATE items SET state = $2 WHERE id = $1 AND state = 0", 1, 3, absl::StatusCode::kAborted);
  // Holds: the row was in state 0.
  ASSERT_TRUE(db_->WriteSync([&](Connection& c) {
                c.Defer(update, Params().Int(1).Int(5).Text("items/1 changed concurrently"));
                return absl::OkStatus();
              }).ok());
  EXPECT_EQ(Count("state = 5"), 1);
  // Does not hold any more: the server refuses, the transaction rolls back.
  absl::Status st = db_->WriteSync([&](Connection& c) {
    c.Defer(kInsert, Params().Int(2).Int(0));
    c.Defer(update, Params().Int(1).Int(6).Text("items/1 changed concurrently"));
    return absl::OkStatus();
  });
  EXPECT_EQ(st, absl::AbortedError("items/1 changed concurrently"));
  EXPECT_EQ(Count(), 1);
  EXPECT_EQ(Count("state = 5"), 1);
  const std::string missing = ExpectRowsSql("DELETE FROM items WHERE id = $1", 1, 2,
                                            absl::StatusCode::kFailedPrecondition);
  st = db_->WriteSync([&](Connection& c) {
    c.Defer(missing, Params().Int(42).Text("items/42 is not there"));
    return c.Flush();
  });
  EXPECT_EQ(st, absl::FailedPreconditionError("items/42 is not there"));
}

TEST_F(PostgresDatabaseTest, SavepointRollbackKeepsWhatCameBefore) {
  absl::Status st = db_->WriteSync([](Connection& c) -> absl::Status {
    c.Defer(kInsert, Params().Int(1).Int(0));
    if (auto s = c.Flush(); !s.ok()) return s;
    c.Defer("SAVEPOINT s");
    c.Defer(kInsert, Params().Int(1).Int(0));  // fails: the key is taken
    absl::Status failed = c.Exec("RELEASE SAVEPOINT s");
    if (failed.code() != absl::StatusCode::kAborted) return absl::InternalError(failed.ToString());
    if (auto s = c.Exec("ROLLBACK TO SAVEPOINT s; RELEASE SAVEPOINT s"); !s.ok()) return s;
    c.Defer(kInsert, Params().Int(2).Int(0));
    return absl::OkStatus();
  });
  EXPECT_TRUE(st.ok()) << st;
  EXPECT_EQ(Count(), 2);
}

// A read ends its snapshot (its ROLLBACK is sent without waiting for the
// answer): the next read on the same connection sees what committed since.
TEST_F(PostgresDatabaseTest, EachReadSeesWhatCommittedBeforeIt) {
  for (int i = 1; i <= 3; ++i) {
    ASSERT_TRUE(db_->WriteSync([i](Connection& c) {
                  c.Defer(kInsert, Params().Int(i).Int(0));
                  return absl::OkStatus();
                }).ok());
    EXPECT_EQ(Count(), i);
  }
  // Two statements of one read share its snapshot.
  db_->ReadNow([&](Connection& c) {
    auto first = c.Query("SELECT count(*) FROM items");
    ASSERT_TRUE(first.ok()) << first.status();
    ASSERT_TRUE(db_->WriteSync([](Connection& w) {
                  w.Defer(kInsert, Params().Int(99).Int(0));
                  return absl::OkStatus();
                }).ok());
    auto second = c.Query("SELECT count(*) FROM items");
    ASSERT_TRUE(second.ok()) << second.status();
    EXPECT_EQ(first->Int(0, 0), second->Int(0, 0)) << "one snapshot per read";
  });
  EXPECT_EQ(Count(), 4);
}

// The server restarted between two reads: the lent connection, closed by
// the server, is found out and connected again before the work runs.
TEST_F(PostgresDatabaseTest, AReadAfterAServerRestartReconnectsFirst) {
  ASSERT_EQ(Count(), 0);
  ASSERT_TRUE(server_->Stop("fast").ok());
  ASSERT_TRUE(server_->StartAgain().ok());
  absl::Status read;
  db_->ReadNow([&](Connection& c) { read = c.Query("SELECT count(*) FROM items").status(); });
  EXPECT_TRUE(read.ok()) << read;
  EXPECT_TRUE(db_->WriteSync([](Connection& c) {
                   c.Defer(kInsert, Params().Int(1).Int(0));
                   return absl::OkStatus();
                 }).ok());
}

}  // namespace
}  // namespace ent::postgres
