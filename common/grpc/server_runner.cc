#include "common/grpc/server_runner.h"

#include <signal.h>

#include <cstdio>
#include <fstream>
#include <memory>

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/grpc/call_log.h"
#include "common/grpc/log_sink.h"

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

void BlockTerminationSignals() {
  sigset_t set = TerminationSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

absl::Status ServeUntilSignal(const ServerFlags& flags, const std::vector<ServedService>& services) {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(flags.listen, grpc::InsecureServerCredentials(), &port);
  for (const auto& s : services) builder.RegisterService(s.service);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(std::make_unique<CallLogInterceptorFactory>());
  builder.experimental().SetInterceptorCreators(std::move(interceptors));

  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", flags.listen));
  }
  grpc::HealthCheckServiceInterface* health = server->GetHealthCheckService();
  health->SetServingStatus(true);
  for (const auto& s : services) health->SetServingStatus(s.health_name, true);

  if (!flags.port_file.empty()) {
    if (auto st = WritePortFile(flags.port_file, port); !st.ok()) {
      server->Shutdown();
      return st;
    }
  }
  std::fprintf(stderr, "serving on port %d (listen=%s, data-dir=%s)\n", port,
               flags.listen.c_str(), flags.data_dir.c_str());

  sigset_t set = TerminationSignals();
  int signal_number = 0;
  while (true) {
    sigwait(&set, &signal_number);
    if (signal_number != SIGHUP) break;
  }
  std::fprintf(stderr, "signal %d: draining for up to %d s\n", signal_number, flags.drain_seconds);
  health->SetServingStatus(false);
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(flags.drain_seconds));
  server->Wait();
  LogSink::Instance().Flush();
  std::fprintf(stderr, "stopped\n");
  return absl::OkStatus();
}

}  // namespace ent
