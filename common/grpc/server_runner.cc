#include "common/grpc/server_runner.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <cstdio>
#include <cstdlib>
#include <thread>
#include <fstream>
#include <sstream>
#include <filesystem>
#include <memory>

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/grpc/call_log.h"
#include "common/file_contents.h"
#include "common/log_sink.h"
#include "common/metrics/metrics.h"
#include "common/grpc/parse_checked.h"

namespace ent {
namespace {

sigset_t TerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  return set;
}

absl::Status WritePortFile(const std::string& path, int port) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << port << "\n";
    if (!out.good()) return absl::InternalError(absl::StrCat("cannot write ", tmp));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return absl::InternalError(absl::StrCat("cannot rename ", tmp, " to ", path));
  }
  return absl::OkStatus();
}

}  // namespace

std::function<void()> ReloadPrincipalsOnSignal(PrincipalDirectory& principals) {
  return [&principals] {
    absl::Status reloaded = principals.Reload();
    LogLine line(reloaded.ok() ? "info" : "error", "principals_reloaded");
    line.Add("in_force", static_cast<int64_t>(principals.size()));
    if (!reloaded.ok()) line.Add("error", reloaded.ToString());
    line.Write();
  };
}

void BlockTerminationSignals() {
  sigset_t set = TerminationSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

namespace {

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> Credentials(const ServerFlags& flags) {
  if (flags.tls_cert.empty()) return grpc::InsecureServerCredentials();
  grpc::SslServerCredentialsOptions options(
      !flags.tls_require_client_cert
          ? (flags.tls_client_ca.empty() ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
                                         : GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY)
          : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
  auto cert = ReadOptionFile("--tls-cert", flags.tls_cert);
  if (!cert.ok()) return cert.status();
  auto key = ReadOptionFile("--tls-key", flags.tls_key);
  if (!key.ok()) return key.status();
  pair.cert_chain = *cert;
  pair.private_key = *key;
  options.pem_key_cert_pairs.push_back(pair);
  if (!flags.tls_client_ca.empty()) {
    auto ca = ReadOptionFile("--tls-client-ca", flags.tls_client_ca);
    if (!ca.ok()) return ca.status();
    options.pem_root_certs = *ca;
  }
  return grpc::SslServerCredentials(options);
}

// Why `listen` cannot be bound, as the kernel says it (e.g. "Address already
// in use"), found by binding a plain socket the way gRPC does (SO_REUSEADDR,
// no SO_REUSEPORT); empty when it can be bound or cannot be resolved.
std::string BindError(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return "";
  std::string host = listen.substr(0, colon);
  const std::string port = listen.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints, &found) != 0) {
    return "";
  }
  std::string error;
  for (addrinfo* a = found; a != nullptr && error.empty(); a = a->ai_next) {
    const int fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd < 0) continue;
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, a->ai_addr, a->ai_addrlen) != 0) error = std::strerror(errno);
    close(fd);
  }
  freeaddrinfo(found);
  return error;
}

}  // namespace

absl::Status CheckCanListen(const std::string& listen) {
  const std::string why = BindError(listen);
  if (why.empty()) return absl::OkStatus();
  return absl::UnavailableError(absl::StrCat("cannot listen on ", listen, ": ", why));
}

std::string InstalledDataPath(const std::string& name) {
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "share/ent/" + name;
  return (exe.parent_path().parent_path() / "share" / "ent" / name).string();
}

absl::StatusOr<Callers> LoadCallers(const ServerFlags& flags) {
  const std::string path = !flags.communes.empty() ? flags.communes : InstalledDataPath("communes.csv");
  Callers out;
  auto communes = CommuneRegistry::Load(path);
  if (!communes.ok()) {
    return absl::Status(communes.status().code(),
                        absl::StrCat("--communes: ", communes.status().message()));
  }
  out.communes = std::move(*communes);
  PrincipalDirectoryOptions options;
  options.communes = out.communes.get();
  auto principals = PrincipalDirectory::Load(flags.principals, options);
  if (!principals.ok()) return principals.status();
  out.principals = std::move(*principals);
  return out;
}

absl::StatusOr<ServiceClock> PrepareToServe(const ServerFlags& flags) {
#ifndef ENT_MUTEX_DEADLOCK_DETECTION
  // Lock-order checking is for the sanitizer builds (see CMakeLists.txt).
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
#endif
  if (auto st = CheckCanListen(flags.listen); !st.ok()) return st;
  absl::StatusOr<ServiceClock> clock = MakeServiceClock(flags.clock);
  if (!clock.ok()) return clock.status();
  std::error_code ec;
  std::filesystem::create_directories(flags.data_dir, ec);
  if (ec) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create --data-dir ", flags.data_dir, ": ", ec.message()));
  }
  ParisTimeZone();  // fails fast without tzdata
  if (clock->simulated != nullptr) {
    // A simulated clock never goes backwards, even over a restart.
    const std::optional<absl::Time> saved = ReadSimulatedInstant(SimulatedClockPath(flags));
    if (saved && *saved > clock->simulated->Now()) {
      LogLine("info", "simulated_clock_resumed")
          .Add("now", absl::FormatTime(absl::RFC3339_sec, *saved, ParisTimeZone()))
          .Add("clock_flag", absl::FormatTime(absl::RFC3339_sec, clock->simulated->Now(), ParisTimeZone()))
          .Write();
      clock->simulated->Set(*saved);
    }
  }
  return clock;
}

absl::Status ServeMetrics(const ServerFlags& flags) {
  if (flags.metrics_listen.empty()) return absl::OkStatus();
  absl::StatusOr<int> port = Metrics::Instance().Serve(flags.metrics_listen);
  if (!port.ok()) return port.status();
  LogLine("info", "metrics_serving")
      .Add("url", absl::StrCat("http://", flags.metrics_listen.substr(0, flags.metrics_listen.rfind(':')),
                               ":", *port, "/metrics"))
      .Write();
  if (!flags.port_file.empty()) {
    const std::string path = flags.port_file + ".metrics";
    std::ofstream(path + ".tmp") << *port << "\n";
    std::rename((path + ".tmp").c_str(), path.c_str());
  }
  return absl::OkStatus();
}

std::string SimulatedClockPath(const ServerFlags& flags) {
  return flags.data_dir + "/simulated-clock";
}

std::function<absl::Status()> DatabaseWritableProbe(storage::DatabaseHandle& database,
                                                    absl::Duration timeout) {
  return BoundedProbe(
      [&database, timeout](std::function<void(absl::Status)> done) {
        database.ProbeWrite(std::move(done), absl::Now() + timeout);
      },
      timeout);
}

// How long the process may take to stop beyond --drain-seconds, once the
// calls under way were told to end: background threads finishing their
// last transaction.
constexpr absl::Duration kShutdownGrace = absl::Seconds(15);

absl::Status ServeUntilSignal(const ServerFlags& flags, const PrincipalDirectory& principals,
                              const std::vector<ServedService>& services,
                              const std::function<void()>& on_reload,
                              std::vector<HealthCheck> checks,
                              const std::function<void()>& on_drained) {
  QuietProtobufParseLogs();
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  auto credentials = Credentials(flags);
  if (!credentials.ok()) return credentials.status();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(flags.listen, *credentials, &port);
  builder.SetMaxReceiveMessageSize(flags.max_message_bytes);
  // gRPC turns SO_REUSEPORT on by default: a second server on a busy port
  // would start and silently take half of the clients. One server per port.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  for (const auto& s : services) builder.RegisterService(s.service);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(std::make_unique<CallLogInterceptorFactory>(principals));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));

  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    const std::string why = BindError(flags.listen);
    return absl::UnavailableError(absl::StrCat("cannot listen on ", flags.listen, ": ",
                                               why.empty() ? "see the gRPC error above" : why));
  }
  grpc::HealthCheckServiceInterface* health = server->GetHealthCheckService();
  health->SetServingStatus(true);
  for (const auto& s : services) health->SetServingStatus(s.health_name, true);
  for (const auto& c : checks) health->SetServingStatus(c.name, true);
  HealthMonitor monitor(std::move(checks), absl::Seconds(flags.health_interval_seconds));
  monitor.Start(health);

  if (!flags.port_file.empty()) {
    if (auto st = WritePortFile(flags.port_file, port); !st.ok()) {
      server->Shutdown();
      return st;
    }
  }
  LogLine("info", "serving")
      .Add("port", port)
      .Add("listen", flags.listen)
      .Add("data_dir", flags.data_dir)
      .Add("transport", flags.tls_cert.empty()          ? "plaintext"
                        : flags.tls_require_client_cert ? "mutual TLS"
                                                        : "TLS")
      .Write();

  sigset_t set = TerminationSignals();
  int signal_number = 0;
  while (true) {
    sigwait(&set, &signal_number);
    if (signal_number != SIGHUP) break;
    on_reload();
  }
  LogLine("info", "draining").Add("signal", signal_number).Add("drain_seconds", flags.drain_seconds).Write();
  // Once the drain time is over, `on_drained` makes the calls still under
  // way end (they may wait on an unreachable database: Shutdown waits for
  // them), unless the server stopped first. The backstop of a bounded
  // shutdown: should anything still hang, the process ends anyway - what it
  // acknowledged is durable already.
  struct Drain {
    absl::Mutex mu;
    bool stopped ABSL_GUARDED_BY(mu) = false;
  };
  auto drain = std::make_shared<Drain>();
  std::thread([drain, on_drained, after = absl::Seconds(flags.drain_seconds)] {
    absl::SleepFor(after);
    {
      absl::MutexLock lock(&drain->mu);
      if (drain->stopped) return;
      if (on_drained) on_drained();
    }
    absl::SleepFor(kShutdownGrace);
    LogLine("error", "shutdown_forced").Add("after_s", absl::ToInt64Seconds(after + kShutdownGrace)).Write();
    LogSink::Instance().Flush();
    std::_Exit(1);
  }).detach();
  monitor.Stop();
  health->SetServingStatus(false);
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(flags.drain_seconds));
  server->Wait();
  {
    absl::MutexLock lock(&drain->mu);
    drain->stopped = true;
  }
  LogLine("info", "stopped").Write();
  LogSink::Instance().Flush();
  return absl::OkStatus();
}

}  // namespace ent
