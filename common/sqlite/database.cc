#include "common/sqlite/database.h"

#include "absl/time/clock.h"

#include <exception>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"

namespace ent::sqlite {

namespace {

// Runs a cached statement that returns no rows (SAVEPOINT and friends).
absl::Status Run(Connection& conn, absl::string_view sql) {
  auto stmt = conn.Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  return stmt->Run();
}

// Runs a read in one (deferred) transaction: every statement of `work` sees
// the same snapshot of the database, even while the writer commits.
void RunInReadTransaction(Connection& conn, const Database::ReadWork& work) {
  // BEGIN takes no lock yet; should it fail, the connection is unusable and
  // `work` reports that through its own statements.
  const bool began = Run(conn, "BEGIN").ok();
  work(conn);
  if (began && conn.InTransaction() && !Run(conn, "COMMIT").ok()) {
    Run(conn, "ROLLBACK").IgnoreError();
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<Database>> Database::Open(Options options) {
  std::unique_ptr<Database> db(new Database(std::move(options)));
  auto writer = Connection::Open(db->options_.path, Connection::Mode::kReadWrite);
  if (!writer.ok()) return writer.status();
  db->writer_conn_ = std::move(*writer);
  if (auto st = ApplyMigrations(*db->writer_conn_, db->options_.migrations); !st.ok()) return st;
  for (int i = 0; i < db->options_.readers + db->options_.inline_readers; ++i) {
    auto reader = Connection::Open(db->options_.path, Connection::Mode::kReadOnly);
    if (!reader.ok()) return reader.status();
    if (i < db->options_.readers) {
      db->reader_conns_.push_back(std::move(*reader));
    } else {
      absl::MutexLock lock(&db->pool_mu_);
      db->free_inline_.push_back(reader->get());
      db->inline_conns_.push_back(std::move(*reader));
    }
  }
  auto checkpoint = Connection::Open(db->options_.path, Connection::Mode::kReadWrite);
  if (!checkpoint.ok()) return checkpoint.status();
  db->checkpoint_conn_ = std::move(*checkpoint);
  db->writer_conn_->OnWalCommit([raw = db.get()](int frames) {
    if (frames < kCheckpointFrames) return;
    absl::MutexLock lock(&raw->mu_);
    raw->checkpoint_wanted_ = true;
  });
  db->checkpointer_ = std::thread([raw = db.get()] { raw->CheckpointLoop(); });
  db->writer_ = std::thread([raw = db.get()] { raw->WriterLoop(); });
  db->completer_ = std::thread([raw = db.get()] { raw->CompletionLoop(); });
  for (auto& conn : db->reader_conns_) {
    db->readers_.emplace_back([raw = db.get(), c = conn.get()] { raw->ReaderLoop(c); });
  }
  return db;
}

Database::~Database() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (writer_.joinable()) writer_.join();
  if (completer_.joinable()) completer_.join();
  for (auto& t : readers_) t.join();
  if (checkpointer_.joinable()) checkpointer_.join();
}

void Database::CheckpointLoop() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](Database* db) ABSL_EXCLUSIVE_LOCKS_REQUIRED(db->mu_) {
            return db->stopping_ || db->checkpoint_wanted_;
          },
          this));
      if (stopping_) return;  // the last connection to close checkpoints
      checkpoint_wanted_ = false;
    }
    // PASSIVE: copies what no reader still needs, without blocking the
    // writer or readers; a failure is retried at the next commit.
    checkpoint_conn_->Exec("PRAGMA wal_checkpoint(PASSIVE)").IgnoreError();
  }
}

void Database::Write(WriteWork work, WriteDone done) {
  absl::MutexLock lock(&mu_);
  if (stopping_) {
    done(absl::UnavailableError("database is shutting down"));
    return;
  }
  writes_.push_back({std::move(work), std::move(done)});
}

Connection* Database::BorrowInline() {
  bool grow = false;
  {
    absl::MutexLock lock(&pool_mu_);
    if (free_inline_.empty() &&
        static_cast<int>(inline_conns_.size()) + opening_inline_ < options_.max_inline_readers) {
      ++opening_inline_;
      grow = true;
    }
  }
  if (grow) {
    // Opened outside the lock: other readers go on meanwhile.
    auto opened = Connection::Open(options_.path, Connection::Mode::kReadOnly);
    absl::MutexLock lock(&pool_mu_);
    --opening_inline_;
    if (opened.ok()) {
      inline_conns_.push_back(std::move(*opened));
      return inline_conns_.back().get();
    }
    // Could not open one more (file descriptors?): wait for a free one.
  }
  absl::MutexLock lock(&pool_mu_);
  pool_mu_.Await(absl::Condition(
      +[](std::vector<Connection*>* free) { return !free->empty(); }, &free_inline_));
  Connection* conn = free_inline_.back();
  free_inline_.pop_back();
  return conn;
}

void Database::ReadNow(const ReadWork& work) {
  Connection* conn = BorrowInline();
  RunInReadTransaction(*conn, work);
  absl::MutexLock lock(&pool_mu_);
  free_inline_.push_back(conn);
}

size_t Database::queued_writes() {
  absl::MutexLock lock(&mu_);
  return writes_.size();
}

int Database::inline_connections() {
  absl::MutexLock lock(&pool_mu_);
  return static_cast<int>(inline_conns_.size());
}

void Database::ReadAsync(ReadWork work) {
  absl::MutexLock lock(&mu_);
  reads_.push_back(std::move(work));
}

absl::Status Database::WriteSync(WriteWork work) {
  absl::Notification finished;
  absl::Status result;
  Write(std::move(work), [&](absl::Status st) {
    result = std::move(st);
    finished.Notify();
  });
  finished.WaitForNotification();
  return result;
}

void Database::ReadSync(ReadWork work) {
  absl::Notification finished;
  ReadAsync([&](Connection& c) {
    work(c);
    finished.Notify();
  });
  finished.WaitForNotification();
}

namespace {

// Runs a job's work, turning a stray exception into INTERNAL.
absl::Status RunGuarded(const Database::WriteWork& work, Connection& conn) {
  try {
    return work(conn);
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("unexpected exception: ", e.what()));
  }
}

}  // namespace


void Database::RunBatch(std::vector<WriteJob>& batch) {
  Connection& conn = *writer_conn_;
  std::vector<absl::Status> results(batch.size());
  const absl::Time started = absl::Now();
  absl::Status txn = Run(conn, "BEGIN IMMEDIATE");
  if (txn.ok() && batch.size() == 1) {
    // A job alone needs no savepoint: if it fails, the transaction is rolled
    // back. (A savepoint open for the whole transaction would also make every
    // nested one - an isolated timer, each statement - release into a
    // sub-journal as long as everything the transaction wrote.)
    results[0] = RunGuarded(batch[0].work, conn);
    if (!results[0].ok()) {
      txn = Run(conn, "ROLLBACK");
    } else {
      txn = Run(conn, "COMMIT");
    }
    if (!txn.ok() && conn.InTransaction()) conn.Exec("ROLLBACK").IgnoreError();
  } else if (txn.ok()) {
    for (size_t i = 0; i < batch.size(); ++i) {
      txn = Run(conn, "SAVEPOINT job");
      if (!txn.ok()) break;
      results[i] = RunGuarded(batch[i].work, conn);
      if (!results[i].ok()) txn = Run(conn, "ROLLBACK TO job");
      if (txn.ok()) txn = Run(conn, "RELEASE job");
      if (!txn.ok()) break;
    }
    if (txn.ok()) txn = Run(conn, "COMMIT");
    if (!txn.ok() && conn.InTransaction()) conn.Exec("ROLLBACK").IgnoreError();
  }
  std::function<void()> then = after_batch_ ? after_batch_(txn.ok()) : nullptr;
  if (batch_observer_) batch_observer_(batch.size(), absl::Now() - started, txn.ok());
  absl::MutexLock lock(&mu_);
  if (then) completions_.push_back({[then = std::move(then)](absl::Status) { then(); }, {}});
  for (size_t i = 0; i < batch.size(); ++i) {
    completions_.push_back({std::move(batch[i].done), !txn.ok() ? txn : results[i]});
  }
}

void Database::CompletionLoop() {
  while (true) {
    std::deque<Completion> ready;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](Database* db) ABSL_EXCLUSIVE_LOCKS_REQUIRED(db->mu_) {
            return db->writer_exited_ || !db->completions_.empty();
          },
          this));
      if (completions_.empty() && writer_exited_) return;
      ready.swap(completions_);
    }
    for (auto& c : ready) c.done(std::move(c.status));
  }
}

void Database::WriterLoop() {
  while (true) {
    std::vector<WriteJob> batch;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](Database* db) ABSL_EXCLUSIVE_LOCKS_REQUIRED(db->mu_) {
            return db->stopping_ || !db->writes_.empty();
          },
          this));
      if (writes_.empty() && stopping_) {
        writer_exited_ = true;
        return;
      }
      const size_t n = std::min<size_t>(writes_.size(), options_.max_batch);
      batch.reserve(n);
      for (size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(writes_.front()));
        writes_.pop_front();
      }
    }
    RunBatch(batch);
  }
}

void Database::ReaderLoop(Connection* conn) {
  while (true) {
    ReadWork work;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](Database* db) ABSL_EXCLUSIVE_LOCKS_REQUIRED(db->mu_) {
            return db->stopping_ || !db->reads_.empty();
          },
          this));
      if (reads_.empty() && stopping_) return;
      work = std::move(reads_.front());
      reads_.pop_front();
    }
    RunInReadTransaction(*conn, work);
  }
}

}  // namespace ent::sqlite
