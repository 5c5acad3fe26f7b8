#include "common/sqlite/database.h"

#include <atomic>
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/notification.h"

namespace ent::sqlite {
namespace {

std::string TempPath(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("ent-sqlite-" + std::to_string(::getpid()) + "-" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return (dir / "test.db").string();
}

std::unique_ptr<Database> OpenTest(const std::string& name) {
  Database::Options options;
  options.path = TempPath(name);
  options.migrations = {"CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL);"};
  options.readers = 2;
  auto db = Database::Open(options);
  EXPECT_TRUE(db.ok()) << db.status();
  return std::move(*db);
}

int64_t Count(Database& db) {
  int64_t n = -1;
  db.ReadSync([&](Connection& c) {
    auto stmt = c.Prepare("SELECT COUNT(*) FROM t");
    ASSERT_TRUE(stmt.ok());
    ASSERT_TRUE(*stmt->Step());
    n = stmt->ColumnInt64(0);
  });
  return n;
}

absl::Status Insert(Connection& c, int64_t k) {
  auto stmt = c.Prepare("INSERT INTO t (k, v) VALUES (?1, 'x')");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, k);
  return stmt->Run();
}

TEST(DatabaseTest, FailedJobRollsBackAloneInAGroupCommit) {
  auto db = OpenTest("rollback");
  constexpr int kJobs = 200;
  absl::BlockingCounter pending(kJobs);
  std::atomic<int> failed{0};
  for (int i = 0; i < kJobs; ++i) {
    db->Write(
        [i](Connection& c) -> absl::Status {
          if (auto st = Insert(c, i); !st.ok()) return st;
          if (i % 10 == 0) {
            // Partial work then failure: must leave no trace.
            return absl::FailedPreconditionError("refused");
          }
          return absl::OkStatus();
        },
        [&](absl::Status st) {
          if (!st.ok()) failed++;
          pending.DecrementCount();
        });
  }
  pending.Wait();
  EXPECT_EQ(failed.load(), kJobs / 10);
  EXPECT_EQ(Count(*db), kJobs - kJobs / 10);
}

TEST(DatabaseTest, ConstraintErrorIsReportedAndChangesNothing) {
  auto db = OpenTest("constraint");
  ASSERT_TRUE(db->WriteSync([](Connection& c) { return Insert(c, 1); }).ok());
  auto st = db->WriteSync([](Connection& c) {
    if (auto s = Insert(c, 2); !s.ok()) return s;
    return Insert(c, 1);  // duplicate key: another writer took it
  });
  EXPECT_EQ(st.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(Count(*db), 1);
}

int64_t CountOn(Connection& c) {
  auto stmt = c.Prepare("SELECT COUNT(*) FROM t");
  if (!stmt.ok() || !stmt->Step().value_or(false)) return -1;
  return stmt->ColumnInt64(0);
}

// A read that takes several statements sees one snapshot, even when a write
// commits between them (ReadNow and ReadAsync alike).
TEST(DatabaseTest, ReadsSeeOneSnapshotWhileAWriteCommits) {
  auto db = OpenTest("snapshot");
  ASSERT_TRUE(db->WriteSync([](Connection& c) { return Insert(c, 1); }).ok());
  for (bool async : {false, true}) {
    int64_t before = -1, after = -1;
    auto read = [&](Connection& c) {
      before = CountOn(c);
      // A write commits while the read is between its statements.
      std::thread writer([&] {
        EXPECT_TRUE(db->WriteSync([async](Connection& w) { return Insert(w, async ? 3 : 2); }).ok());
      });
      writer.join();
      after = CountOn(c);
    };
    if (async) {
      absl::Notification done;
      db->ReadAsync([&](Connection& c) {
        read(c);
        done.Notify();
      });
      done.WaitForNotification();
    } else {
      db->ReadNow(read);
    }
    EXPECT_EQ(before, async ? 2 : 1);
    EXPECT_EQ(after, before) << (async ? "ReadAsync" : "ReadNow");
  }
  EXPECT_EQ(Count(*db), 3);  // the writes did commit
}

TEST(DatabaseTest, MigrationsAreAppliedOnceAndNewerSchemaIsRefused) {
  const std::string path = TempPath("migrations");
  {
    Database::Options options{path, {"CREATE TABLE a (x);", "CREATE TABLE b (y);"}, 1, 16};
    ASSERT_TRUE(Database::Open(options).ok());
  }
  {
    Database::Options options{path, {"CREATE TABLE a (x);", "CREATE TABLE b (y);"}, 1, 16};
    EXPECT_TRUE(Database::Open(options).ok());  // nothing to do, no "table exists" error
  }
  Database::Options older{path, {"CREATE TABLE a (x);"}, 1, 16};
  EXPECT_EQ(Database::Open(older).status().code(), absl::StatusCode::kFailedPrecondition);
}

// ReadNow never makes a caller wait while the pool may grow: three reads held
// open at once on a pool that starts with one connection all run together.
TEST(DatabaseTest, ReadNowOpensAnotherConnectionRatherThanWait) {
  Database::Options options;
  options.path = TempPath("grow");
  options.migrations = {"CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL);"};
  options.readers = 1;
  options.inline_readers = 1;
  options.max_inline_readers = 3;
  auto db = Database::Open(options);
  ASSERT_TRUE(db.ok()) << db.status();
  std::atomic<int> inside{0};
  absl::Notification all_inside, release;
  std::vector<std::thread> readers;
  for (int i = 0; i < 3; ++i) {
    readers.emplace_back([&] {
      (*db)->ReadNow([&](Connection&) {
        if (++inside == 3) all_inside.Notify();
        release.WaitForNotification();
      });
    });
  }
  // A reader waiting for a connection would never get inside (the others
  // hold theirs until released): not a timing bound, a deadlock detector.
  const bool grew = all_inside.WaitForNotificationWithTimeout(absl::Seconds(60));
  release.Notify();
  for (auto& t : readers) t.join();
  ASSERT_TRUE(grew) << inside.load() << " of 3 readers got a connection";
  EXPECT_EQ((*db)->inline_connections(), 3);
  // Once grown, the connections are reused: a later read opens none.
  int ran = 0;
  (*db)->ReadNow([&](Connection&) { ++ran; });
  EXPECT_EQ(ran, 1);
  EXPECT_EQ((*db)->inline_connections(), 3);
}

// A migration's code step runs in the migration's transaction: when it fails
// (one row that does not convert), its SQL is undone too and the version
// stays, so the next start retries the whole step.
TEST(DatabaseTest, MigrationCodeStepFailsWithItsSqlAndRewritesRowsWhenItWorks) {
  const std::string path = TempPath("migration-code");
  const std::string schema = "CREATE TABLE r (k TEXT PRIMARY KEY, body);"
                             "INSERT INTO r VALUES ('a', 'old-1'), ('b', 'old-2'), ('c', 'bad');";
  auto rewrite = [](bool accept_bad) {
    return [accept_bad](Connection& conn) {
      return RewriteRows(conn, "SELECT k, body FROM r WHERE typeof(body) = 'text'", 1,
                         "UPDATE r SET body = ?1 WHERE k = ?2",
                         [accept_bad](const std::vector<std::string>& row) -> absl::StatusOr<std::string> {
                           if (row[1] == "bad" && !accept_bad) {
                             return absl::InvalidArgumentError("cannot read it");
                           }
                           return "new:" + row[1];
                         });
    };
  };
  {
    Database::Options options{path, {schema, Migration("CREATE TABLE marker (x);", rewrite(false))}, 1, 16};
    absl::StatusOr<std::unique_ptr<Database>> db = Database::Open(options);
    ASSERT_FALSE(db.ok());
    EXPECT_NE(db.status().message().find("migration 2 failed: cannot rewrite the row (c)"),
              std::string::npos)
        << db.status();
  }
  Database::Options options{path, {schema, Migration("CREATE TABLE marker (x);", rewrite(true))}, 1, 16};
  absl::StatusOr<std::unique_ptr<Database>> db = Database::Open(options);
  ASSERT_TRUE(db.ok()) << db.status();  // "marker" was rolled back: creating it again works
  (*db)->ReadSync([](Connection& c) {
    auto stmt = c.Prepare("SELECT group_concat(body, ',') FROM (SELECT body FROM r ORDER BY k) "
                          "WHERE typeof(body) = 'blob'");
    ASSERT_TRUE(stmt.ok());
    ASSERT_TRUE(*stmt->Step());
    EXPECT_EQ(stmt->ColumnText(0), "new:old-1,new:old-2,new:bad");
  });
}

}  // namespace
}  // namespace ent::sqlite
