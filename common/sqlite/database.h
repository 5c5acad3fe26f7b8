// A service's SQLite database: one writer thread that group-commits queued
// write jobs, and bounded pools of read-only connections (WAL lets them read
// while the writer writes): some lent to callers for short reads on their own
// thread, some owned by reader threads for work queued asynchronously.
//
// Write jobs run in arrival order on the writer thread. Each job runs inside a
// SAVEPOINT of a shared BEGIN IMMEDIATE transaction: a job that fails is rolled
// back alone, the others commit together, and every job's completion runs
// only after the COMMIT is durable (synchronous=FULL). Many concurrent
// requests therefore share one fsync. (A job alone in its batch runs without
// the savepoint, and rolls back the transaction if it fails: same outcome,
// and its own savepoints - an isolated timer - release into a sub-journal
// that holds only their pages.)
//
// Completions of a committed batch run on a separate completion thread, so
// the writer starts the next batch while callers are being answered. WAL
// checkpoints (copying committed pages into the database file, and its
// fsync) run on a checkpoint thread of their own once the WAL holds
// kCheckpointFrames frames, so commits never wait for one.
//
// Thread-safety: Write/Read may be called from any thread. Completion
// callbacks run on the completion thread (writes) or a reader thread
// (ReadAsync) and must not block.
#ifndef ENT_COMMON_SQLITE_DATABASE_H_
#define ENT_COMMON_SQLITE_DATABASE_H_

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/sqlite/connection.h"

namespace ent::sqlite {

class Database {
 public:
  struct Options {
    std::string path;
    std::vector<Migration> migrations;
    int readers = 2;         // reader threads, for ReadAsync
    int inline_readers = 8;  // connections lent by ReadNow, opened at start
    int max_batch = 512;
    // ReadNow opens more connections when all are lent, up to this many, so
    // that a gRPC thread waits for a connection only past it.
    int max_inline_readers = 64;
  };
  using WriteWork = std::function<absl::Status(Connection&)>;
  using WriteDone = std::function<void(absl::Status)>;
  using ReadWork = std::function<void(Connection&)>;

  // Opens the database, applies migrations and starts the threads.
  static absl::StatusOr<std::unique_ptr<Database>> Open(Options options);
  ~Database();  // Drains queued work, then stops the threads.

  // Queues `work`; `done` receives work's error, or the commit's outcome.
  void Write(WriteWork work, WriteDone done);
  // Runs `work` on the calling thread with a pooled read-only connection, in
  // one read transaction (all its statements see one snapshot). When every
  // connection is lent, opens another (up to max_inline_readers) rather than
  // wait; past that, waits for one. For short, non-blocking reads.
  void ReadNow(const ReadWork& work);
  // Queues `work` on a reader thread, in one read transaction likewise.
  void ReadAsync(ReadWork work);

  // Blocking conveniences for start-up code and tests; never call them from a
  // completion callback.
  absl::Status WriteSync(WriteWork work);
  void ReadSync(ReadWork work);

  // Called on the writer thread after each batch, with whether it committed,
  // before the jobs' completions run. What it returns, if anything, runs on
  // the completion thread before the batch's completions: batch after batch,
  // in commit order, one at a time. Set before the first Write.
  using AfterBatch = std::function<std::function<void()>(bool committed)>;
  void SetAfterBatch(AfterBatch hook) { after_batch_ = std::move(hook); }

  // Called on the writer thread after each batch: how many jobs it ran, how
  // long the transaction took to be durable, whether it committed. For
  // metrics; set before the first Write.
  void SetBatchObserver(std::function<void(size_t jobs, absl::Duration took, bool committed)> observer) {
    batch_observer_ = std::move(observer);
  }

  // How many connections ReadNow has (for tests and metrics).
  int inline_connections();
  // Write jobs waiting for the writer.
  size_t queued_writes();

 private:
  struct WriteJob {
    WriteWork work;
    WriteDone done;
  };
  explicit Database(Options options) : options_(std::move(options)) {}
  void WriterLoop();
  void CompletionLoop();
  void ReaderLoop(Connection* conn);
  void CheckpointLoop();
  void RunBatch(std::vector<WriteJob>& batch);
  // A free inline connection, a new one, or (at the cap) the next one freed.
  Connection* BorrowInline();

  const Options options_;
  // Not guarded by a mutex, by construction: writer_conn_ is used by Open
  // (before the threads start), then by the writer thread only; each of
  // reader_conns_ belongs to one reader thread; after_batch_ is set before
  // the first Write and then read by the writer thread only.
  std::unique_ptr<Connection> writer_conn_;
  std::vector<std::unique_ptr<Connection>> reader_conns_;
  AfterBatch after_batch_;
  std::function<void(size_t, absl::Duration, bool)> batch_observer_;

  absl::Mutex mu_;
  std::deque<WriteJob> writes_ ABSL_GUARDED_BY(mu_);
  std::deque<ReadWork> reads_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;

  // The connections ReadNow lends, one caller at a time.
  absl::Mutex pool_mu_;
  std::vector<std::unique_ptr<Connection>> inline_conns_ ABSL_GUARDED_BY(pool_mu_);
  std::vector<Connection*> free_inline_ ABSL_GUARDED_BY(pool_mu_);
  int opening_inline_ ABSL_GUARDED_BY(pool_mu_) = 0;

  struct Completion {
    WriteDone done;
    absl::Status status;
  };
  std::deque<Completion> completions_ ABSL_GUARDED_BY(mu_);
  bool writer_exited_ ABSL_GUARDED_BY(mu_) = false;
  bool checkpoint_wanted_ ABSL_GUARDED_BY(mu_) = false;
  // SQLite's default automatic checkpoint size.
  static constexpr int kCheckpointFrames = 1000;
  std::unique_ptr<Connection> checkpoint_conn_;  // the checkpoint thread's
  std::thread checkpointer_;

  std::thread writer_;
  std::thread completer_;
  std::vector<std::thread> readers_;
};

}  // namespace ent::sqlite

#endif  // ENT_COMMON_SQLITE_DATABASE_H_
