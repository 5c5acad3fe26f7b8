#include "tests/support/service_process.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "tests/support/postgres_server.h"

namespace ent::testing {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string templ = std::string(base ? base : "/tmp") + "/ent-test-XXXXXX";
  char* made = mkdtemp(templ.data());
  if (made == nullptr) std::abort();
  path_ = made;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string BinaryPath(const std::string& relative) {
  return std::string(ENT_BUILD_DIR) + "/" + relative;
}

ServiceProcess::ServiceProcess(std::string binary, std::string data_dir,
                               std::vector<std::string> extra_args, std::string listen)
    : binary_(std::move(binary)),
      data_dir_(std::move(data_dir)),
      extra_args_(std::move(extra_args)),
      listen_(std::move(listen)),
      log_path_(data_dir_ + "/service.log") {
  const bool supports_postgres = binary_.find("ent-billing-service") != std::string::npos ||
                                 binary_.find("ent-convention-service") != std::string::npos;
  bool has_database = false;
  for (const std::string& arg : extra_args_) has_database = has_database || arg.rfind("--database=", 0) == 0;
  if (TestsOnPostgres() && supports_postgres && !has_database) {
    // One database per data directory, as one SQLite file per data
    // directory: a service started again on it finds its data.
    const std::string uri_file = data_dir_ + "/postgres.uri";
    absl::StatusOr<std::string> uri = absl::NotFoundError("");
    if (std::ifstream in(uri_file); in) {
      std::string known;
      std::getline(in, known);
      uri = known;
    } else {
      auto server = SharedPostgres();
      uri = server.ok() ? (*server)->CreateDatabase() : absl::StatusOr<std::string>(server.status());
      if (uri.ok()) std::ofstream(uri_file) << *uri << "\n";
    }
    if (!uri.ok()) {
      ADD_FAILURE() << "ENT_TEST_BACKEND=postgresql: " << uri.status();
    } else {
      database_uri_ = *uri;
      extra_args_.push_back("--database=" + database_uri_);
    }
  }
}

bool TestsOnPostgres() {
  const char* backend = std::getenv("ENT_TEST_BACKEND");
  return backend != nullptr && std::string(backend) == "postgresql";
}

ServiceProcess::~ServiceProcess() {
  if (pid_ > 0) Kill();
  if (::testing::Test::HasFailure()) {
    // Show what the service said, to explain the failure.
    std::ifstream log(log_path_);
    std::string line;
    std::fprintf(stderr, "---- %s ----\n", log_path_.c_str());
    while (std::getline(log, line)) std::fprintf(stderr, "%s\n", line.c_str());
  }
}

absl::Status ServiceProcess::Start() {
  const std::string port_file = data_dir_ + "/port";
  std::filesystem::remove(port_file);
  std::vector<std::string> args = {binary_, "--listen=" + listen_, "--data-dir=" + data_dir_,
                                   "--port-file=" + port_file, "--drain-seconds=2"};
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  pid_ = fork();
  if (pid_ == 0) {
    FILE* log = std::fopen(log_path_.c_str(), "a");
    if (log != nullptr) {
      dup2(fileno(log), STDOUT_FILENO);
      dup2(fileno(log), STDERR_FILENO);
    }
    for (const auto& [name, value] : env_) setenv(name.c_str(), value.c_str(), 1);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  if (pid_ < 0) return absl::InternalError("fork failed");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(port_file);
    if (in >> port_) return absl::OkStatus();
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return absl::InternalError(binary_ + " exited during start-up; see " + log_path_);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return absl::DeadlineExceededError(binary_ + " did not write its port file within 30 s; see " +
                                     log_path_);
}

int ServiceProcess::Stop() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return status;
}

void ServiceProcess::Signal(int signal) {
  if (pid_ > 0) kill(pid_, signal);
}

void ServiceProcess::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

std::shared_ptr<grpc::Channel> ServiceProcess::Channel() const {
  return grpc::CreateChannel(address(), grpc::InsecureChannelCredentials());
}

}  // namespace ent::testing
