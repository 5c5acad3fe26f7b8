// Starts a real service binary on 127.0.0.1 port 0 with a data directory,
// waits for its port file, and stops it (SIGTERM, or SIGKILL to simulate a
// crash). For integration tests and benchmarks.
#ifndef ENT_TESTS_SUPPORT_SERVICE_PROCESS_H_
#define ENT_TESTS_SUPPORT_SERVICE_PROCESS_H_

#include <sys/types.h>

#include <memory>
#include <utility>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"

namespace ent::testing {

// A fresh directory under $TMPDIR, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The backend the integration tests run on: ENT_TEST_BACKEND=postgresql puts
// every service that supports it (billing-service today) on a fresh database
// of a throw-away PostgreSQL server (postgres_server.h); otherwise SQLite in
// the data directory.
bool TestsOnPostgres();

class ServiceProcess {
 public:
  // `binary` is a path; `data_dir` must exist; `listen` defaults to port 0.
  // Under TestsOnPostgres(), a service that supports it gets a database of
  // its own through --database, one per data directory (found again by the
  // next ServiceProcess on the same directory).
  ServiceProcess(std::string binary, std::string data_dir, std::vector<std::string> extra_args = {},
                 std::string listen = "127.0.0.1:0");
  ~ServiceProcess();  // Stops the process if it still runs.

  // Starts and waits until the port file appears (error after 30 s).
  absl::Status Start();
  // SIGTERM and wait; returns the exit status.
  int Stop();
  // SIGKILL and wait: a crash.
  void Kill();
  // Sends `signal` (e.g. SIGHUP) without waiting.
  void Signal(int signal);
  bool running() const { return pid_ > 0; }
  // The process id while it runs (for /proc: CPU time, memory, pinning).
  pid_t pid() const { return pid_; }
  // An environment variable the process gets on its next Start() (e.g.
  // ENT_SQLITE_SYNC_DELAY_US for a simulated slow disk).
  void SetEnv(const std::string& name, const std::string& value) { env_.emplace_back(name, value); }
  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  std::shared_ptr<grpc::Channel> Channel() const;
  const std::string& log_path() const { return log_path_; }
  // Its PostgreSQL database, or "" when it runs on SQLite.
  const std::string& database_uri() const { return database_uri_; }

 private:
  std::string binary_;
  std::string data_dir_;
  std::vector<std::string> extra_args_;
  std::string listen_;
  std::vector<std::pair<std::string, std::string>> env_;
  std::string log_path_;
  std::string database_uri_;
  pid_t pid_ = -1;
  int port_ = 0;
};

// Path of a built binary, from the ENT_BUILD_DIR compile definition.
std::string BinaryPath(const std::string& relative);

}  // namespace ent::testing

#endif  // ENT_TESTS_SUPPORT_SERVICE_PROCESS_H_
